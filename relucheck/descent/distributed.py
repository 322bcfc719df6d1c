"""Descent on a dask cluster (``--scheduler``): :func:`train_batches` cuts batches of runs into
tasks of :func:`~relucheck.descent.train.train` on one core and gathers them in order. A run's
numbers do not depend on the runs beside it, so the result is the in-process one, byte for byte,
however the runs are cut (task size: docs/cluster.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from relucheck.descent.train import LANES, DescentConfig, Runs, train
from relucheck.runtime import cluster
from relucheck.runtime.progress import Progress, null_progress

#: Most runs in one task. A task's runs descend in the lanes of one vector loop, which shrinks
#: as its last runs finish, so the cost per run and step falls as tasks grow.
TASK_RUNS = 1024
#: Tasks per worker thread a batch is cut into at least, while that leaves LANES runs per task
#: (so the last tasks do not keep one worker busy while the others wait).
TASKS_PER_THREAD = 4


def task_runs(total: int, threads: int) -> int:
    """Runs per task for ``total`` runs on ``threads`` worker threads."""
    return int(min(TASK_RUNS, max(LANES, -(-total // (TASKS_PER_THREAD * threads)))))


_blas_limit = None


def _one_blas_thread() -> None:
    """Limit BLAS and LAPACK (scipy's too, loaded first) to one thread in this worker process,
    once and for good. train() limits them for its own call and restores the count it found
    on the way out; two tasks on two threads of one worker would interleave those, and one
    could polish on every core (other bits) while the other restores."""
    global _blas_limit
    if _blas_limit is None:
        from scipy.linalg import lapack  # noqa: F401
        from threadpoolctl import threadpool_limits

        _blas_limit = threadpool_limits(limits=1)


def _train_task(task: tuple) -> Runs:
    """One cluster task: the descent of a slice of one batch on one core (pure)."""
    _one_blas_thread()
    W0, W_star, cfg = task
    return train(W0, W_star, cfg=cfg, workers=1)


def concatenate(parts: Sequence[Runs]) -> Runs:
    """One :class:`Runs` of the parts' runs, in order (no recorded curves)."""
    return Runs(*(np.concatenate([getattr(r, f) for r in parts])
                  for f in ("W", "a", "status", "iterations", "polish_steps", "grad", "lr")))


def train_batches(c: Any, batches: Sequence[tuple[np.ndarray, np.ndarray]], cfg: DescentConfig,
                  *, kind: str, progress: Progress = null_progress,
                  desc: str = "descent") -> list[Runs]:
    """[train(W0, W_star, cfg=cfg) for (W0, W_star) in batches] as tasks of the dask client
    ``c`` (teacher weights a* = 1, top weights a = 1 fixed): each batch is cut into near-equal
    slices of at most :func:`task_runs` runs, streamed by
    :func:`relucheck.runtime.cluster.map_tasks`; the bar counts runs."""
    size = task_runs(sum(len(W0) for W0, _ in batches), cluster.threads(c))
    items, owner = [], []
    for b, (W0, W_star) in enumerate(batches):
        if len(W0) == 0:
            continue  # no task: its (empty) Runs come from train below
        for part in np.array_split(np.arange(len(W0)), -(-len(W0) // size)):  # near-equal
            items.append((W0[part[0]:part[-1] + 1], W_star, cfg))
            owner.append(b)
    parts = cluster.map_tasks(c, _train_task, items, kind=kind, progress=progress, desc=desc,
                              sizes=[len(W0) for W0, _, _ in items])
    out = []
    for b, (W0, W_star) in enumerate(batches):
        mine = [r for r, o in zip(parts, owner, strict=True) if o == b]
        out.append(concatenate(mine) if mine else train(W0, W_star, cfg=cfg, workers=1))
    return out
