"""``relucheck check-certificate``: re-verify a Conjecture 1 certificate from its CSV alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from relucheck import proofs
from relucheck.experiments.conjecture1_certify import Params
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import tqdm_progress


class RegionEnd(click.ParamType):
    """A number in [0, pi] or the word ``pi``."""

    name = "A"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        # python-flint loads when the command runs, not when the command line starts
        from relucheck.proofs.conjecture1 import certificate as cert

        try:
            return cert.parse_end(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("check-certificate",
               short_help="Re-verify a Conjecture 1 certificate from its CSV alone.")
@click.argument("csv_path", metavar="CSV", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path))
@click.option("--region", type=(RegionEnd(), RegionEnd()), default=None,
              metavar="A_MIN A_MAX",
              help="Exit 0 only if the certificate proves Conjecture 1 for every a in this "
                   "range (numbers in [0, pi], or pi; an end at 0 or pi is open, as in the "
                   "conjecture, 0 < a < pi). Without it: report the range covered.")
@click.option("--prec", type=click.IntRange(min=53, max=4096), default=Params.prec,
              show_default=True, help="arb working precision in bits for the recomputation.")
@click.option("--workers", type=click.IntRange(min=0, max=1024), default=0, show_default=True,
              help="Processes; 0: one per core.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(csv_path: Path, region, prec: int, workers: int, quiet: bool) -> None:
    """Re-verify the certificate CSV written by `relucheck conjecture1-grid --certify`.

    Every box's claim (the strict sign of the enclosure of G, or of dG/dphi for a box on the
    line phi = 0 or phi = a) is recomputed in interval arithmetic, the enclosures stored in the
    file are checked against the recomputation, and the boxes are checked to tile
    a in [a_min, a_max] x phi in [0, 2 pi) (inside and outside the cone) with no gap and no
    overlap. Problems name the CSV line. Exit 0 when the certificate proves Conjecture 1 on
    that region (on --region when given), 1 with the problems listed otherwise, 2 when the
    file is not a certificate or an option is bad.
    """
    # python-flint loads when the command runs, not when the command line starts
    from relucheck.output.writers import read_csv  # the writers: not for `relucheck --help`
    from relucheck.proofs.conjecture1 import certificate as cert

    if region is not None:
        try:
            cert.check_region(*region)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--region'") from None
    if not proofs.flint_available():
        raise click.UsageError(proofs.FLINT_HINT)
    try:
        table = read_csv(csv_path)
        cert.read_certificate(table)
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
    proven = " and ".join(span["text"] for span in covered["spans"])
    names = {"zero": "a in [{!r}, {!r}]", "bulk": "a in [{!r}, {!r}]",
             "pi": "e = pi - a in [{!r}, {!r}]"}
    pieces = ", ".join(f"{k} {names[k].format(*covered['pieces'][k])}"
                       for k in ("zero", "bulk", "pi") if k in covered["pieces"])
    click.echo(f"{csv_path}: VALID. {covered['boxes']:,} boxes re-verified at "
               f"{covered['precision_bits']} bits, each piece tiled exactly x phi in [0, 2 pi) "
               f"({pieces}) ({wall:.1f} s).\nConjecture 1 holds for {proven}: L12, L21 > 0 "
               f"for 0 < phi < a and < 0 for a < phi < 2 pi.")
    if region is not None:
        wanted = cert.region_text(*region)
        if not cert.covers(covered["spans"], *region):
            missing = (" (no a -> 0 end piece)" if region[0] == 0.0 and "zero" not in
                       covered["pieces"] else "")
            click.echo(f"--region: NOT PROVEN for {wanted}: the certificate proves exactly "
                       f"{proven}{missing}.")
            sys.exit(1)
        click.echo(f"--region: proven for {wanted}.")


def _about(path: Path, exc: Exception) -> str:
    """The problem, naming the file (once), on one line."""
    text = " ".join(str(exc).split())
    return text if str(path) in text else f"{path}: {text}"
