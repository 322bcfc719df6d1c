"""python-flint's arb balls for both proofs: the one guarded import of flint, the working
precision, floats bounding a ball, and [fn(item) for item in items] at a given precision in
worker processes or on a dask cluster."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from relucheck.runtime import cluster

try:  # python-flint is the optional extra ``certify``
    from flint import arb, arb_mat, arb_series, ctx, fmpq
except ImportError:  # pragma: no cover - exercised by require_flint's message
    arb = arb_mat = arb_series = ctx = fmpq = None

FLINT_HINT = ("the interval proof needs python-flint (arb ball arithmetic): "
              "pip install '.[certify]' from a clone of relucheck, or pip install "
              "'python-flint>=0.6' beside an installed relucheck")


def flint_available() -> bool:
    """Whether python-flint is installed (the interval proofs can run)."""
    return arb is not None


def require_flint() -> None:
    """Raise ImportError with the install hint when python-flint is missing."""
    if arb is None:
        raise ImportError(FLINT_HINT)


def set_precision(bits: int) -> None:
    """Working precision of every arb operation in this process (python-flint's global ctx)."""
    require_flint()
    ctx.prec = int(bits)


@contextlib.contextmanager
def precision(bits: int) -> Iterator[None]:
    """Run the block at ``bits`` of working precision, then restore the previous one."""
    require_flint()
    saved = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = saved


def at_precision(fn: Callable, prec: int, item: Any) -> Any:
    """``fn(item)`` with python-flint's working precision set first (a cluster task runs in a
    worker whose precision nobody else has set)."""
    set_precision(prec)
    return fn(item)


def hull(lo: float, hi: float):
    """The ball containing the closed interval [lo, hi] (floats are exact dyadics)."""
    return arb(lo).union(arb(hi))


def float_bounds(x) -> tuple[float, float]:
    """Floats lo <= hi with lo <= every point of the ball x <= hi (outward rounding)."""
    if x is None or not x.is_finite():
        return (-math.inf, math.inf)
    lo, hi = float(x.lower()), float(x.upper())
    if arb(lo) > x.lower():
        lo = math.nextafter(lo, -math.inf)
    if arb(hi) < x.upper():
        hi = math.nextafter(hi, math.inf)
    return lo, hi


def _worker_init(prec: int) -> None:
    """A pool worker: arb precision set, and Ctrl-C / SIGTERM left to the parent, which
    terminates the pool (otherwise every worker prints its own KeyboardInterrupt traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    set_precision(prec)


def pool_map(fn: Callable, items: list, *, prec: int, workers: int, progress, desc: str,
             client=None) -> list:
    """[fn(item) for item in items] at arb precision ``prec``, in ``workers`` processes when
    more than one, or as tasks of a dask.distributed ``client`` (results in the order of
    ``items`` whatever the count)."""
    if client is not None:
        return cluster.map_tasks(client, partial(at_precision, fn, prec), items,
                                 kind=f"{fn.__name__}-{prec}", progress=progress, desc=desc)
    out = []
    with progress(len(items), desc) as bar:
        if workers <= 1 or len(items) <= 1:
            with precision(prec):
                for item in items:
                    out.append(fn(item))
                    bar.update(1)
            return out
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=_worker_init, initargs=(prec,)) as pool:
            for r in pool.imap(fn, items, chunksize=1):
                out.append(r)
                bar.update(1)
    return out
