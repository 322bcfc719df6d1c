"""``relucheck check-minimum``: re-verify certificates of strict local minima from their file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from relucheck import proofs
from relucheck.cli.common import checker_options
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import tqdm_progress


def _not_a_certificate(path: Path, why: str) -> None:
    click.echo(f"Error: {path} is not a minimum certificate: {why}", err=True)
    sys.exit(2)


@click.command("check-minimum", short_help="Re-verify the proofs in census_certificates.json.")
@checker_options
def command(path: Path, workers: int, quiet: bool) -> None:
    """Re-verify census_certificates.json (written by `relucheck census --certify`) from the file
    alone; given the census folder, also check census_families.csv against it.

    For every certificate the interval proof is recomputed in arb on the stored box with the
    stored preconditioner (Krawczyk inclusion of the critical point, positive definiteness of
    the Hessian on the box, the loss enclosure) and must imply the stored claims; every label is
    checked too (the teacher [I_k 0] and a = a* = 1, the class, unique families and orbits).
    Exit 0 when every certificate is VALID, 1 when one is INVALID (naming it and the failed
    step), 2 when the file is not a certificate.
    """
    # python-flint loads when the command runs, not when the command line starts
    from relucheck.proofs.minimum import certificate as mc

    if not proofs.flint_available():
        _not_a_certificate(path, proofs.FLINT_HINT)
    families = None
    if path.is_dir():
        from relucheck.output.writers import read_csv  # the writers: not for `relucheck --help`

        table = path / "census_families.csv"
        try:
            families = read_csv(table)
        except (OSError, ValueError) as exc:
            _not_a_certificate(path, f"a census folder needs census_families.csv ({exc})")
        path = path / "census_certificates.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _not_a_certificate(path, f"cannot read it ({exc.__class__.__name__}: {exc})")
    except json.JSONDecodeError as exc:
        _not_a_certificate(path, f"not JSON ({exc})")
    t0 = time.perf_counter()
    try:
        count, problems = mc.check_document(doc, workers=cores(workers),
                                            progress=tqdm_progress(quiet))
        if families is not None:
            problems += mc.folder_problems(doc, families)
    except mc.NotACertificate as exc:
        _not_a_certificate(path, str(exc))
    wall = time.perf_counter() - t0
    if problems:
        click.echo(f"{path}: INVALID, {len(problems)} problem(s) in {count} certificate(s):")
        for msg in problems:
            click.echo(f"  {msg}")
        sys.exit(1)
    click.echo(f"{path}: VALID. {count} certificate(s) re-proved ({wall:.1f} s): each names a "
               "strict local minimum of J within its radius, with its loss interval and "
               "eigenvalue bound.")
