"""Atomic writers for tables, provenance and figures.

Every file is written to a temporary file in the target folder and moved into place with
os.replace, so an interrupted run leaves the old output or none, never half a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from relucheck.output.outset import sha256
from relucheck.result import Result, Table


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path next to ``path``, then move it into place."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _cell(x: Any) -> str:
    """Full-precision, locale-free text for one value: floats round-trip exactly (repr)."""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (float, np.floating)):
        return "" if np.isnan(x) else repr(float(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return str(x)


def _column_text(a: np.ndarray) -> list[str]:
    """:func:`_cell` of every value of a column, a whole column at a time (fast path by dtype)."""
    kind = a.dtype.kind
    if kind == "f":
        return ["" if x != x else repr(x) for x in a.tolist()]  # x != x: NaN
    if kind in "iu":
        return [str(x) for x in a.tolist()]
    if kind == "b":
        return ["true" if x else "false" for x in a.tolist()]
    if kind in "US":
        return [str(x) for x in a.tolist()]
    out = []
    for x in a.tolist():  # mixed column: plain Python types first, the general case after
        t = type(x)
        if t is float:
            out.append("" if x != x else repr(x))
        elif t is str:
            out.append(x)
        elif t is int:
            out.append(str(x))
        else:
            out.append(_cell(x))
    return out


def table_to_csv(table: Table) -> str:
    """A table (column -> equal-length 1-D array) as CSV text with a header row."""
    cols = list(table)
    arrays = [np.asarray(table[c]) for c in cols]
    lengths = {a.shape[0] for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"table columns differ in length: {sorted(lengths)}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(zip(*(_column_text(a) for a in arrays), strict=True))
    return buf.getvalue()


def read_csv(path: Path) -> Table:
    """Read a table written by :func:`table_to_csv`: numeric columns as float arrays (empty
    cells as NaN), the others as string arrays."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path} is not a text CSV file ({exc.__class__.__name__})") from None
    if not rows:
        raise ValueError(f"{path} is empty")
    header, body = rows[0], rows[1:]
    for line, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise ValueError(f"{path}: line {line} has {len(r)} fields, the header "
                             f"{len(header)} (a cut or edited file)")
    table: Table = {}
    for i, name in enumerate(header):
        col = [r[i] for r in body]
        try:
            table[name] = np.array([float(v) if v != "" else np.nan for v in col])
        except ValueError:
            table[name] = np.array(col, dtype=str)
    return table


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("relucheck", "numpy", "scipy", "matplotlib", "click", "tqdm", "mpmath",
                "numba", "threadpoolctl", "python-flint"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_revision() -> str | None:
    """The git commit of the relucheck source tree, with '-dirty' if it has local changes."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here.parent,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("-dirty" if dirty else "")


#: The folder of the relucheck package as installed (site-packages, or the source tree when
#: installed in editable mode): what :func:`source_sha256` digests.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def source_sha256(root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 over the package's .py files under ``root``: sorted relative paths and contents.

    The identity of the code that ran, without git: ``pip install .`` copies exactly these files
    and no .git, so :func:`git_revision` is None there, but this digest is the same as the source
    tree's (for the same files). Each file enters as its relative POSIX path, its length and its
    bytes, so no two different trees give the same stream. Caches (__pycache__) and other file
    types are left out: they do not change what runs. A few ms (74 files, 0.5 MB).
    """
    root = Path(root)
    if not (root / "__init__.py").is_file():
        raise FileNotFoundError(f"{root} is not the relucheck package (no __init__.py)")
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel.split("/"):
            continue
        data = path.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


#: Suffix of the run record beside ``<stem>.json``: what this run did on this machine.
RUN_SUFFIX = ".run.json"


def run_record_name(stem: str) -> str:
    """The file name of the run record of ``stem`` (``<stem>.run.json``)."""
    return f"{stem}{RUN_SUFFIX}"


def is_run_specific(key: str) -> bool:
    """Whether a parameter or summary entry is a fact of the run, not of the inputs: a wall
    time, named ``*_seconds`` by convention (census's ``certify_seconds`` included)."""
    return key.endswith("_seconds")


def _split(d: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the entries that follow from the inputs, the run-specific ones)."""
    kept = {k: v for k, v in d.items() if not is_run_specific(k)}
    return kept, {k: v for k, v in d.items() if is_run_specific(k)}


def provenance(result: Result, context: dict[str, Any], *, strict: bool = False
               ) -> dict[str, Any]:
    """The JSON record beside every output: what was run and what it showed (``exit_code``:
    the run's, an UNDECIDED claim counting as a failure with ``strict``, --strict).

    Only what follows from the code, the parameters and the installed versions, so a rerun on
    the same machine writes the same bytes (the figures/ folder is committed). What belongs to
    one run (time, machine, git revision, wall times) goes to :func:`run_record`.
    """
    params, _ = _split(result.params)
    summary, _ = _split(result.summary)
    return {
        "stem": result.stem,
        **context,
        "parameters": params,
        "versions": _versions(),
        "source_sha256": source_sha256(),
        # what a figure's bytes depend on besides its CSV (check-figures compares it)
        "drawing": _drawing(),
        "exit_code": result.exit_code_for(strict),
        "verdicts": result.counts(),
        "claims": [c.as_dict() for c in result.claims],
        **({"summary": summary} if summary else {}),
    }


def _drawing() -> dict[str, str]:
    from relucheck.output.redraw import drawing_environment  # matplotlib: only when drawing

    return drawing_environment()


def machine() -> dict[str, Any]:
    """Where a run ran: the git revision of the code, the platform and the thread settings."""
    return {
        "git_revision": git_revision(),
        "platform": platform.platform(),
        # Multi-threaded BLAS may sum in another order with another thread count, which moves
        # the last digits of Monte Carlo sums: byte-identity holds for the same settings.
        "threads": {"cpu_count": os.cpu_count(),
                    **{k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                      "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}},
    }


def run_record(result: Result, record: Path, *, started: str, wall_seconds: float,
               command: str) -> dict[str, Any]:
    """The run record ``<stem>.run.json``: when, where and how long this run took, and the
    run-specific facts of the experiment (``Result.run`` and every ``*_seconds`` entry of its
    parameters and summary). ``record`` is the ``<stem>.json`` it belongs to (by SHA-256)."""
    _, from_params = _split(result.params)
    _, from_summary = _split(result.summary)
    return {
        "stem": result.stem,
        "record": {"file": Path(record).name, "sha256": sha256(record)},
        "command": command,
        "started_utc": started,
        "wall_seconds": round(wall_seconds, 3),
        **machine(),
        "run": {**from_params, **from_summary, **result.run},
    }


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, Path):
        return str(x)
    return x


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(_jsonable(data), indent=2, sort_keys=False) + "\n")


def write_tables(result: Result, out: Path) -> list[Path]:
    """Write every table of ``result``: main as <stem>.csv, others as <stem>_<name>.csv."""
    paths = []
    for name, table in result.tables.items():
        path = out / (f"{result.stem}.csv" if name == "main" else f"{result.stem}_{name}.csv")
        atomic_write_text(path, table_to_csv(table))
        paths.append(path)
    return paths
