"""A command's outputs are one set: --out probed and locked before any work (:func:`locked`), the
files staged (:func:`staging`) and then published together, the JSON last (:func:`publish`);
:class:`OutputError` (exit 2) and :class:`EnvironmentFailure` (exit 3). The contract:
docs/design.md, "Conventions of every command" (outputs are one set).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

LOCK = ".relucheck.lock"
STAGING_PREFIX = ".relucheck-staging-"


class OutputError(ValueError):
    """--out cannot be used (exit 2, before any work)."""


class EnvironmentFailure(OSError):
    """The environment failed while writing (exit 3): disk full, folder gone, I/O error."""


def _probe(out: Path) -> None:
    if str(out) == "" or str(out).strip() == "":
        raise OutputError("--out is empty; give a folder")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{str(out)!r} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".relucheck-probe-{os.getpid()}"
        with open(probe, "wb") as fh:
            fh.write(b"relucheck")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write into {str(out)!r}: {exc.strerror or exc}") from None


def _clean_stale(out: Path) -> None:
    """Remove what killed runs left behind (only our own name patterns)."""
    for p in out.iterdir():
        name = p.name
        try:
            if name.startswith(STAGING_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif name.startswith(".") and name.endswith(".tmp") and p.is_file():
                p.unlink()
            elif name.startswith(".relucheck-probe-") and p.is_file():
                p.unlink()
        except OSError:
            continue


@contextlib.contextmanager
def locked(out: Path) -> Iterator[Path]:
    """Probe --out, take its lock, and clean stale leftovers; yields the folder.

    Raises :class:`OutputError` when the folder cannot be used or another run holds it.
    """
    from filelock import FileLock, Timeout

    out = Path(out)
    _probe(out)
    lock = FileLock(out / LOCK, blocking=False, thread_local=False, on_acquired=_write_pid)
    try:
        lock.acquire()
    except Timeout:
        try:
            other = (out / LOCK).read_text(errors="replace").strip() or "?"
        except OSError:
            other = "?"
        raise OutputError(f"another relucheck run (pid {other}) is writing into "
                          f"{str(out)!r}; wait for it or choose another --out") from None
    except OSError as exc:
        raise OutputError(f"cannot lock {str(out)!r}: {exc.strerror or exc}") from None
    try:
        _clean_stale(out)
        yield out
    finally:
        # the file goes while still locked: a run that opened it meanwhile finds its inode
        # unlinked when it gets the lock, and filelock does not count that as acquired
        with contextlib.suppress(OSError):
            (out / LOCK).unlink()
        lock.release()


def _write_pid(fd: int) -> None:
    """Name the holder in the lock file, for the message a second run gives."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, str(os.getpid()).encode())


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A fresh staging folder inside ``out``, removed on the way out whatever happens (after
    :func:`publish` it is empty). OSError while writing becomes :class:`EnvironmentFailure`."""
    stage = Path(out) / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir()
    except OSError as exc:
        raise EnvironmentFailure(exc.errno, f"cannot create a staging folder in {str(out)!r}: "
                                 f"{exc.strerror}") from None
    try:
        yield stage
    except EnvironmentFailure:
        raise
    except OSError as exc:
        raise EnvironmentFailure(exc.errno, f"writing the outputs into {str(out)!r} failed: "
                                 f"{exc.strerror or exc}; the previous outputs are "
                                 "untouched") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def previous_outputs(json_path: Path) -> list[str]:
    """The files the previous set of this stem listed (empty when there is none)."""
    try:
        doc = json.loads(Path(json_path).read_text(encoding="utf-8"))
        outs = doc.get("outputs", [])
        return [o["file"] if isinstance(o, dict) else str(o) for o in outs]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []


def publish(stage: Path, out: Path, names: list[str], json_name: str | None = None) -> list[Path]:
    """Move the staged files into ``out``, the JSON record (if any) last, and remove the files
    of the previous set of this stem that the new set does not have. Returns the published
    paths."""
    out = Path(out)
    stale = [] if json_name is None else [
        n for n in previous_outputs(out / json_name)
        if n not in names and n != json_name and "/" not in n and not n.startswith(".")]
    published = []
    try:
        for name in [*names, *([json_name] if json_name else [])]:
            os.replace(stage / name, out / name)
            published.append(out / name)
    except OSError as exc:
        raise EnvironmentFailure(exc.errno, f"moving the outputs into {str(out)!r} failed: "
                                 f"{exc.strerror or exc}") from None
    for name in stale:
        with contextlib.suppress(OSError):
            (out / name).unlink()
    return published
