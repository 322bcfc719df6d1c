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


#: The certificate files a folder may hold, each beside the table that marks its proved families.
FOLDER_FILES = (("census_certificates.json", "census_families.csv"),
                ("conjecture2_certificates.json", "conjecture2_families.csv"))


@click.command("check-minimum", short_help="Re-verify certificates of strict local minima.")
@checker_options
def command(path: Path, workers: int, quiet: bool) -> None:
    """Re-verify a file of certificates of strict local minima (census_certificates.json of
    `relucheck census --certify`, conjecture2_certificates.json of `relucheck conjecture2`) from
    the file alone. Given a folder, re-verify each of the two it holds, and check the families
    table beside it (census_families.csv, conjecture2_families.csv) against it.

    For every certificate the interval proof is recomputed in arb on the stored box with the
    stored preconditioner (Krawczyk inclusion of the critical point, positive definiteness of
    the Hessian on the box, the loss enclosure) and must imply the stored claims; every label is
    checked too (the teacher [I_k 0] and a = a* = 1, the class, unique families and orbits).
    Exit 0 when every certificate is VALID, 1 when one is INVALID (naming it and the failed
    step), 2 when a file is not a certificate or a folder holds none.
    """
    # python-flint loads when the command runs, not when the command line starts
    if not proofs.flint_available():
        _not_a_certificate(path, proofs.FLINT_HINT)
    if not path.is_dir():
        return _check_files([(path, None)], [], workers, quiet)
    from relucheck.output.writers import read_csv  # the writers: not for `relucheck --help`
    from relucheck.proofs.minimum import certificate as mc

    todo, orphans = [], []
    for name, table in FOLDER_FILES:
        has_file = (path / name).exists()
        if not has_file and not (path / table).exists():
            continue
        try:
            families = read_csv(path / table)
            if not has_file and "certified" not in families:
                continue  # the table of a run that proved nothing
            mc.check_table(families, table)
        except (OSError, ValueError) as exc:  # NotACertificate is a ValueError
            _not_a_certificate(path / name, f"its folder needs {table}, readable ({exc})")
        if has_file:
            todo.append((path / name, (table, families)))
        else:  # a table without its certificates: every family it marks proved is a problem
            orphans += mc.missing_file_problems(families, table, name)
    if not todo and not orphans:
        _not_a_certificate(path, "the folder holds none of " +
                           ", ".join(name for name, _ in FOLDER_FILES))
    _check_files(todo, orphans, workers, quiet)


def _check_files(todo: list[tuple[Path, tuple | None]], orphans: list[str], workers: int,
                 quiet: bool) -> None:
    """Check each file (and its families table), every file read and shaped like a certificate
    file before any is proved; exit 1 after the last when one is INVALID or a table marks
    families proved whose certificate file is missing (``orphans``)."""
    from relucheck.proofs.minimum import certificate as mc

    docs = []
    for path, _ in todo:
        try:
            docs.append(json.loads(path.read_text(encoding="utf-8")))
            mc.check_shape(docs[-1])
        except (OSError, UnicodeDecodeError) as exc:
            _not_a_certificate(path, f"cannot read it ({exc.__class__.__name__}: {exc})")
        except json.JSONDecodeError as exc:
            _not_a_certificate(path, f"not JSON ({exc})")
        except mc.NotACertificate as exc:
            _not_a_certificate(path, str(exc))
    invalid = False
    for (path, families), doc in zip(todo, docs, strict=True):
        t0 = time.perf_counter()
        try:
            count, problems = mc.check_document(doc, workers=cores(workers),
                                                progress=tqdm_progress(quiet))
            if families is not None:
                problems += mc.folder_problems(doc, families[1], families[0])
        except mc.NotACertificate as exc:
            _not_a_certificate(path, str(exc))
        wall = time.perf_counter() - t0
        if problems:
            invalid = True
            click.echo(f"{path}: INVALID, {len(problems)} problem(s) in {count} "
                       "certificate(s):")
            for msg in problems:
                click.echo(f"  {msg}")
            continue
        click.echo(f"{path}: VALID. {count} certificate(s) re-proved ({wall:.1f} s): each names "
                   "a strict local minimum of J within its radius, with its loss interval and "
                   "eigenvalue bound.")
    if orphans:
        invalid = True
        click.echo(f"INVALID, {len(orphans)} problem(s) without a certificate file:")
        for msg in orphans:
            click.echo(f"  {msg}")
    if invalid:
        sys.exit(1)
