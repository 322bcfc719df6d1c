"""Independent tasks on a dask.distributed cluster (``--scheduler``; the optional ``distributed``
extra, imported only when a cluster is used): :func:`parse` and :func:`check_option` read the
option, :func:`client` connects (or starts a LocalCluster), :func:`map_tasks` and
:class:`Executor` submit content-keyed tasks and gather them in order. The task keys, why the
bytes do not depend on the cluster, progress and Ctrl-C: docs/cluster.md.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relucheck.runtime.progress import Progress, null_progress

HINT = ("--scheduler needs dask's distributed: pip install '.[distributed]' from a clone of "
        "relucheck, or pip install 'distributed>=2024.1' beside an installed relucheck")
#: Largest N of local:N.
MAX_LOCAL = 256
#: Seconds to wait for a scheduler to answer before giving up (an input error, exit 2).
CONNECT_TIMEOUT = 10


class SchedulerUnreachable(ConnectionError):
    """The scheduler named by --scheduler did not answer (an input error: exit 2)."""


@dataclass(frozen=True)
class Scheduler:
    """A parsed --scheduler value: kind 'local' (workers N), 'address' or 'file'."""

    kind: str
    workers: int = 0
    address: str = ""

    def describe(self) -> str:
        if self.kind == "local":
            return f"local:{self.workers}"
        return self.address


def available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def parse(text: str) -> Scheduler:
    """Parse a --scheduler value; ValueError naming what is accepted."""
    text = str(text).strip()
    m = re.fullmatch(r"local:(\d+)", text)
    if m:
        n = int(m.group(1))
        if not 1 <= n <= MAX_LOCAL:
            raise ValueError(f"local:N needs 1 <= N <= {MAX_LOCAL}, got {n}")
        return Scheduler("local", workers=n)
    if re.fullmatch(r"[a-z]+://\S+", text):
        return Scheduler("address", address=text)
    if text and Path(text).is_file():
        return Scheduler("file", address=str(Path(text)))
    raise ValueError(f"{text!r} is not local:N, a scheduler address (tcp://HOST:PORT) or an "
                     "existing scheduler file")


def check_option(text: str) -> None:
    """ValueError ("scheduler: ...") for a --scheduler value that cannot be used, decided before
    any work: not parseable, or dask's distributed not installed (the install hint)."""
    try:
        parse(text)
    except ValueError as exc:
        raise ValueError(f"scheduler: {exc}") from None
    if not available():
        raise ValueError(f"scheduler: {HINT}")


@contextlib.contextmanager
def client(spec: Scheduler) -> Iterator[Any]:
    """A distributed Client for the scheduler (a LocalCluster started and stopped here for
    local:N). Raises ImportError with the install hint without the extra, and
    :class:`SchedulerUnreachable` when the scheduler does not answer within CONNECT_TIMEOUT
    seconds."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError(HINT) from None
    if spec.kind == "local":
        # One thread per worker process: the kernels already use a whole core each, and
        # processes keep python-flint (which holds the GIL) from serialising the proofs.
        with LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                          # ":0": any free port (a fixed one clashes with a second cluster)
                          dashboard_address=":0", silence_logs=40) as cluster, \
                Client(cluster, set_as_default=False) as c:
            yield c
        return
    kw = {"scheduler_file": spec.address} if spec.kind == "file" else {"address": spec.address}
    try:
        c = Client(timeout=CONNECT_TIMEOUT, set_as_default=False, **kw)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(f"cannot reach the scheduler {spec.address} within "
                                   f"{CONNECT_TIMEOUT} s ({exc.__class__.__name__})") from None
    with c:
        yield c


def keys(kind: str, items: Sequence[Any]) -> list[str]:
    """Content keys: ``kind-<token of the item>`` (dask's deterministic tokenize)."""
    from dask.base import tokenize

    return [f"relucheck-{kind}-{tokenize(item)}" for item in items]


#: Tasks in flight per worker thread: :func:`map_tasks` submits a task whenever one completes,
#: so that each thread has work queued while the client holds the rest.
IN_FLIGHT_PER_THREAD = 4


def threads(c: Any) -> int:
    """Worker threads of the cluster (at least 1: workers may still be joining)."""
    return max(1, sum(c.nthreads().values()))


def map_tasks(c: Any, fn: Callable, items: Sequence[Any], *, kind: str,
              progress: Progress = null_progress, desc: str = "tasks",
              retries: int = 3, sizes: Sequence[int] | None = None) -> list:
    """[fn(item) for item in items] on the cluster, in the order of ``items``.

    Futures are keyed by content (:func:`keys`; equal items are computed once). A task that
    raises is retried up to ``retries`` times; one whose worker died is rerun by the scheduler
    (its ``allowed-failures``). They are streamed: at most IN_FLIGHT_PER_THREAD tasks per worker
    thread are submitted at a time, the next one as one completes, and each result is fetched as
    it completes. So each graph holds one task's arguments, and neither the scheduler nor the
    workers hold more than a window of items or results. The bar advances as futures complete,
    by ``sizes[i]`` for item i when given (the runs a task holds), else by 1. On Ctrl-C the
    pending futures are cancelled and the KeyboardInterrupt is raised again.
    """
    from distributed import as_completed

    items = list(items)
    if not items:
        return []
    weight = [1] * len(items) if sizes is None else [int(s) for s in sizes]
    names = keys(kind, items)
    window = IN_FLIGHT_PER_THREAD * threads(c)
    results: list = [None] * len(items)
    waiting: dict[str, list[int]] = {}  # key in flight -> the items it answers
    flying: dict[str, Any] = {}  # key in flight -> its future
    answered: dict[str, int] = {}  # key computed -> an item it answered
    queue = iter(range(len(items)))
    done = as_completed(loop=c.loop)

    def submit() -> bool:
        i = next(queue, None)
        if i is None:
            return False
        if names[i] in answered:  # the same task has been computed
            results[i] = results[answered[names[i]]]
            bar.update(weight[i])
            return True
        if names[i] in waiting:  # the same task is in flight
            waiting[names[i]].append(i)
            return True
        f = c.submit(fn, items[i], key=names[i], pure=True, retries=retries)
        waiting[names[i]], flying[names[i]] = [i], f
        done.add(f)
        return True

    try:
        with progress(sum(weight), desc) as bar:
            while len(flying) < window and submit():
                pass
            for f in done:
                value = f.result()
                del flying[f.key]
                for i in waiting.pop(f.key):
                    results[i] = value
                    bar.update(weight[i])
                answered[f.key] = i
                while len(flying) < window and submit():
                    pass
        return results
    except BaseException:
        c.cancel(list(flying.values()))
        raise


def worker_pids(c: Any) -> dict[str, int]:
    """Process id of every worker (for tests that kill one)."""
    return c.run(os.getpid)


class Executor:
    """``submit(fn, *args)`` on the cluster with a content key, like a concurrent.futures
    executor (the returned futures have ``result()``). ``shared(x)`` sends a large argument to
    every worker once (scatter, keyed by content) and returns what to pass in its place. On an
    exception (Ctrl-C included) leaving the ``with`` block, the pending futures are cancelled."""

    def __init__(self, c: Any, kind: str, retries: int = 3) -> None:
        self.c, self.kind, self.retries = c, kind, retries
        self.futures: list = []

    def shared(self, x: Any) -> Any:
        return self.c.scatter(x, broadcast=True, hash=True)

    def submit(self, fn: Callable, *args: Any) -> Any:
        from dask.base import tokenize

        key = f"relucheck-{self.kind}-{tokenize(fn.__name__, *args)}"
        fut = self.c.submit(fn, *args, key=key, pure=True, retries=self.retries)
        self.futures.append(fut)
        return fut

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.c.cancel(self.futures)
