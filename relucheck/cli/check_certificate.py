"""``relucheck check-certificate``: re-verify a Conjecture 1 certificate from its CSV alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from relucheck.experiments import conjecture1_certify as cert
from relucheck.progress import tqdm_progress


@click.command("check-certificate")
@click.argument("csv_path", metavar="CSV", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path))
@click.option("--prec", type=click.IntRange(min=53, max=4096), default=cert.Params.prec,
              show_default=True, help="arb working precision in bits for the recomputation.")
@click.option("--workers", type=click.IntRange(min=0, max=1024), default=0, show_default=True,
              help="Processes; 0: one per core.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(csv_path: Path, prec: int, workers: int, quiet: bool) -> None:
    """Re-verify the certificate CSV written by `relucheck conjecture1-grid --certify`.

    Every box's claim (the strict sign of the enclosure of G, or of dG/dphi for a box on the
    line phi = 0 or phi = a) is recomputed in interval arithmetic, and the boxes are checked to
    tile a in [a_min, a_max] x phi in [0, 2 pi) (inside and outside the cone) with no gap and
    no overlap. Exit 0 when the certificate proves Conjecture 1 on that region, 1 with the
    problems listed otherwise, 2 when the file is not a certificate.
    """
    from relucheck.numerics.l12_interval import FLINT_HINT, arb
    from relucheck.numerics.parallel import cores
    from relucheck.output.writers import read_csv

    if arb is None:
        raise click.UsageError(FLINT_HINT)
    try:
        table = read_csv(csv_path)
    except (ValueError, OSError) as exc:
        raise click.BadParameter(_about(csv_path, exc), param_hint="CSV") from None
    t0 = time.perf_counter()
    try:
        covered, problems = cert.check_certificate(
            table, prec=prec, workers=cores(workers), progress=tqdm_progress(quiet))
    except ValueError as exc:
        raise click.BadParameter(_about(csv_path, exc), param_hint="CSV") from None
    wall = time.perf_counter() - t0
    if problems:
        click.echo(f"{csv_path}: INVALID certificate, {len(problems)} problem(s):")
        for msg in problems[:50]:
            click.echo(f"  {msg}")
        if len(problems) > 50:
            click.echo(f"  ... {len(problems) - 50} more")
        sys.exit(1)
    click.echo(f"{csv_path}: VALID. {covered['boxes']:,} boxes re-verified at "
               f"{covered['precision_bits']} bits and tiling a in [{covered['a_min']!r}, "
               f"{covered['a_max']!r}] (pi - {covered['a_max_from_pi']:.3g}) x phi in [0, 2 pi) "
               f"exactly ({wall:.1f} s).\nConjecture 1 holds there: L12, L21 > 0 for "
               f"0 < phi < a and < 0 for a < phi < 2 pi.")


def _about(path: Path, exc: Exception) -> str:
    """The problem, naming the file (once)."""
    text = str(exc)
    return text if str(path) in text else f"{path}: {text}"
