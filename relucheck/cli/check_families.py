"""``relucheck check-families``: re-verify the families' certificate from the file alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from relucheck import proofs
from relucheck.cli.common import checker_options
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import tqdm_progress

CERTIFICATE = "families_certificates.jsonl.xz"


def _not_a_certificate(path: Path, why: str) -> None:
    click.echo(f"Error: {path} is not a families certificate: {why}", err=True)
    sys.exit(2)


def _table_problems(folder: Path, rep) -> list[str]:
    """families.csv and families_split.csv against the certificate: every k the table calls
    certified is re-proved (a minimum; a split saddle per unit), and families.csv has one row
    per certificate row."""
    from relucheck.output.writers import read_csv  # the writers: not for `relucheck --help`

    try:
        table = read_csv(folder / "families.csv")
        split = read_csv(folder / "families_split.csv")
    except (OSError, ValueError) as exc:
        _not_a_certificate(folder, "a families folder needs families.csv and "
                                   f"families_split.csv ({exc})")
    for name, tab, cols in (("families.csv", table, ("family", "k", "certified")),
                            ("families_split.csv", split, ("family", "k", "unit", "certified"))):
        missing = [c for c in cols if c not in tab]
        if missing:
            _not_a_certificate(folder, f"{name} has no column {', '.join(missing)}")
    out = []
    if len(table["k"]) != rep.rows:
        out.append(f"families.csv has {len(table['k'])} rows, the certificate {rep.rows}")
    for name, k, ok in zip(table["family"], table["k"], table["certified"], strict=True):
        if ok == 1 and (str(name), int(k)) not in rep.confirmed_keys:
            out.append(f"families.csv: family {name} k = {int(k)} certified, not in the "
                       "certificate's re-proved minima")
    for name, k, unit, ok in zip(split["family"], split["k"], split["unit"], split["certified"],
                                 strict=True):
        if ok == 1 and (str(name), int(k), str(unit)) not in rep.split_keys:
            out.append(f"families_split.csv: family {name} k = {int(k)} unit {unit} certified, "
                       "not in the certificate's re-proved split saddles")
    return out


@click.command("check-families",
               short_help="Re-verify the proofs in families_certificates.jsonl.xz.")
@checker_options
def command(path: Path, workers: int, quiet: bool) -> None:
    """Re-verify families_certificates.jsonl.xz (written by `relucheck families`) from the file
    alone; given the families folder, also check families.csv and families_split.csv against
    it.

    For every row claiming a strict local minimum the proof is recomputed in arb on the box the
    row names (its centre and radius shift): Krawczyk's test for a unique critical point on the
    fixed-point space, every isotypic Hessian block minus its claimed lower bound positive
    definite, and the loss enclosure inside the claimed decimals; each split claim (the unit's
    split embedding at n = k + 1 a saddle) by its Rayleigh quotient over the same box, whose
    critical point is re-proved; the header's labels (each type's unknowns, blocks, sizes,
    multiplicities; each split's row and blocks) must be the patterns' own. Rows that say "not
    proved" claim no minimum and are counted. Exit 0 when every claim is VALID, 1 when one is
    INVALID (naming its line and the failed step), 2 when the file is not a certificate.
    """
    if not proofs.flint_available():
        _not_a_certificate(path, proofs.FLINT_HINT)
    # python-flint loads when the command runs, not when the command line starts
    from relucheck.proofs.families.certificate import check_families

    folder = None
    if path.is_dir():
        folder, path = path, path / CERTIFICATE
    if not path.is_file():
        _not_a_certificate(path, "no such file")
    t0 = time.perf_counter()
    rep = check_families(path, workers=cores(workers), progress=tqdm_progress(quiet))
    if not rep.readable:
        _not_a_certificate(path, rep.refused[0][1])
    problems = [f"line {line}: {why}" for line, why in rep.refused]
    if folder is not None:
        problems += _table_problems(folder, rep)
    wall = time.perf_counter() - t0
    if problems or rep.rows == 0:
        click.echo(f"{path}: INVALID, {len(problems)} problem(s) in {rep.rows} row(s):")
        for msg in problems[:50] or ["no rows"]:
            click.echo(f"  {msg}")
        if len(problems) > 50:
            click.echo(f"  ... and {len(problems) - 50} more")
        sys.exit(1)
    click.echo(f"{path}: VALID. {rep.confirmed} strict local minima re-proved, "
               f"{rep.failures_listed} row(s) listed as not proved, {len(rep.split_keys)} split "
               f"embeddings re-proved saddles ({wall:.1f} s).")
