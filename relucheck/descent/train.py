"""The census engine: gradient descent on the population loss (Eqn 8) for many runs at once.

Every run descends in compiled code (:mod:`relucheck.descent._kernels`) on worker threads, alone
(:func:`~relucheck.descent._kernels.descend`) or, in the census's case, in the lanes of one vector
loop with other runs (:func:`~relucheck.descent._kernels.descend_lanes`), and stops on its own:
converged, polished by Newton steps near a strict minimum (:func:`newton_polish`), stopped by the
loss rule, out of iterations, or diverged (restarted with half the step if asked). No per-step
history is kept. Neither the path, the number of workers nor polishing changes where a run ends
(docs/math.md section 9; docs/commands/census.md).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from relucheck.descent import _kernels as kernels
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import Progress, null_progress
from relucheck.theory.gradient import population_loss

#: Run status after :func:`train`.
CONVERGED, SMALL_LOSS, MAX_ITERS, DIVERGED, ZERO_ROW = (
    "converged", "small_loss", "max_iters", "diverged", "zero_row")
_SMALL_LOSS = -1  # status code of a run stopped by the loss rule (not a kernel code)
_STATUS = {kernels.CONVERGED: CONVERGED, _SMALL_LOSS: SMALL_LOSS, kernels.MAX_ITERS: MAX_ITERS,
           kernels.DIVERGED: DIVERGED, kernels.ZERO_ROW: ZERO_ROW}


@dataclass(frozen=True)
class DescentConfig:
    """How runs descend.

    ``gtol`` bounds max_j |grad_{w_j} J| (and |dJ/da_j| when a is trained) at a converged run.
    ``polish_tol`` <= 0 turns polishing off; polishing is never used with a trained top layer
    (its Hessian is singular along the rescalings a_j relu(w_j . x) = (a_j / c) relu(c w_j . x)).
    """

    lr: float = 0.1
    gtol: float = 1e-9 / (2 * math.pi)
    max_iters: int = 200_000
    polish_tol: float = 1e-3
    polish_steps: int = 8
    loss_tol: float = 1e-8  # stop when J <= loss_tol J(0) (checked when polishing is tried)
    train_a: bool = False
    g_limit: float = math.inf  # a larger gradient is a divergence (or a restart)
    restarts: int = 0  # restarts with half the step after a divergence

    def validate(self) -> None:
        def count(x) -> bool:
            return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

        checks = [
            (math.isfinite(self.lr) and self.lr > 0, "lr", "a finite number > 0"),
            (math.isfinite(self.gtol) and self.gtol > 0, "gtol", "a finite number > 0"),
            (count(self.max_iters) and self.max_iters >= 0, "max_iters", "an integer >= 0"),
            (math.isfinite(self.polish_tol), "polish_tol", "a finite number"),
            (count(self.polish_steps) and self.polish_steps >= 1, "polish_steps",
             "an integer >= 1"),
            (0 <= self.loss_tol < 1, "loss_tol", "in [0, 1)"),
            (self.g_limit > 0, "g_limit", "> 0 (inf: no limit)"),
            (count(self.restarts) and self.restarts >= 0, "restarts", "an integer >= 0"),
        ]
        for ok, name, what in checks:
            if not ok:
                raise ValueError(f"{name}: expected {what}")


@dataclass
class Runs:
    """Where each run of :func:`train` ended (arrays over runs R)."""

    W: np.ndarray  # (R, n, d) final student rows
    a: np.ndarray  # (R, n) final top weights
    status: np.ndarray  # (R,) CONVERGED, SMALL_LOSS, MAX_ITERS, DIVERGED or ZERO_ROW
    iterations: np.ndarray  # (R,) descent steps taken (the last attempt's, after restarts)
    polish_steps: np.ndarray  # (R,) Newton steps accepted (0: not polished)
    grad: np.ndarray  # (R,) final max_j |grad_j J| (inf when diverged, NaN at a zero row)
    lr: np.ndarray  # (R,) step size of the last attempt
    curves: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # run -> (iterations (T,), W (T, n, d), a (T, n)) at the recorded iterations it reached


def gradient(W: np.ndarray, a: np.ndarray, W_star: np.ndarray, a_star: np.ndarray,
             train_a: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eqn 8 for a batch W (B, n, d), a (B, n): (grad_W (B, n, d), grad_a (B, n), max norm (B,)).

    The compiled kernel; NaN for a run with a zero or non-finite row.
    """
    W = np.ascontiguousarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    a_star = np.asarray(a_star, dtype=float)
    if W.ndim != 3 or W_star.ndim != 2 or W_star.shape[1] != W.shape[2] or a_star.shape != (
            W_star.shape[0],):
        raise ValueError(f"gradient: W {W.shape}, W_star {W_star.shape}, a_star {a_star.shape}: "
                         "expected (B, n, d), (k, d), (k,)")
    a = np.ascontiguousarray(np.broadcast_to(a, W.shape[:-1]), dtype=float)
    return kernels.gradient_batch(W, a, np.ascontiguousarray(W_star, dtype=float),
                                   np.ascontiguousarray(a_star, dtype=float), train_a)


def newton_polish(W: np.ndarray, a: np.ndarray, W_star: np.ndarray, a_star: np.ndarray,
                  gtol: float, max_steps: int = 8) -> tuple[np.ndarray, int, float] | None:
    """Newton steps on W (top weights fixed) from a state near a strict minimum.

    Accepted only when the Hessian is positive definite (a Cholesky factor exists), every step at
    least halves the gradient, the gradient ends at most ``gtol`` and the whole move stays within
    twice the first step (docs/math.md section 9). Returns (W, steps, final max gradient) when
    accepted, else None (the caller keeps its state and goes on descending).
    """
    # imported here: scipy.linalg is slow to import, and numba loads it only on its first call
    from scipy.linalg.lapack import dpotrf, dpotrs

    n, d = W.shape
    x = W.copy()
    G, _, g = gradient(x[None], a[None], W_star, a_star)
    g = float(g[0])
    first = total = 0.0
    H = np.empty((n * d, n * d))
    a = np.ascontiguousarray(a, dtype=float)
    for step in range(1, max_steps + 1):
        # the compiled Hessian (nogil, faster than the numpy one; tested against it)
        if not kernels.hessian(x, a, W_star, a_star, H) or not np.all(np.isfinite(H)):
            return None
        # LAPACK's Cholesky factor exists iff H is positive definite (to rounding): info > 0
        # otherwise (NaN is excluded above: potrf does not see it). H is symmetric, so its
        # transpose is the same matrix in Fortran order (no copy), overwritten by the factor.
        c, info = dpotrf(H.T, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            return None  # not positive definite: leave it to descent
        delta, info = dpotrs(c, G[0].reshape(-1), lower=1)
        if info != 0:
            return None
        delta = delta.reshape(n, d)
        size = float(np.linalg.norm(delta))
        first = first or size
        total += size
        if not total <= 2.0 * first:
            return None
        x -= delta
        G, _, g_new = gradient(x[None], a[None], W_star, a_star)
        g_new = float(g_new[0])
        if not g_new <= 0.5 * g:  # not quadratic convergence (or NaN): refuse
            return None
        g = g_new
        if g <= gtol:
            return x, step, g
    return None


class _Backoff:
    """When one attempt may next try Newton: at iteration ``newton_at``, then ``wait`` steps
    after each refusal, doubling."""

    __slots__ = ("newton_at", "wait")

    def __init__(self) -> None:
        self.newton_at, self.wait = 0, 128


def _on_stop(W: np.ndarray, a: np.ndarray, W_star, a_star, cfg: DescentConfig,
             small_loss: float, status: int, it: int, g: float, backoff: _Backoff):
    """What an attempt does when compiled descent stops at iteration ``it`` with gradient ``g``
    (both the one-run and the lane path come here, so a run's fate does not depend on the path):
    polish (W replaced in place when accepted), apply the loss rule, or go on. Returns
    (status code, gmax, polish steps) when the attempt ends, else the iteration from which
    descent may stop again to polish."""
    # The loss rule (0 turns it off) is checked at every polishing point and at the cap.
    small = small_loss > 0 and status in (kernels.POLISH, kernels.MAX_ITERS) and (
        kernels.loss(W, a, W_star, a_star) <= small_loss)
    # Newton is tried at its back-off, and always before the loss rule stops a run: a
    # strict minimum (the teacher, at n = k) then ends polished, not at the loss rule.
    if status == kernels.POLISH and (it >= backoff.newton_at or small):
        polished = newton_polish(W, a, W_star, a_star, cfg.gtol, cfg.polish_steps)
        if polished is not None:
            W[...] = polished[0]
            return kernels.CONVERGED, polished[2], polished[1]
        backoff.newton_at, backoff.wait = it + backoff.wait, 2 * backoff.wait  # refused
    if small:
        return _SMALL_LOSS, g, 0
    if status != kernels.POLISH:
        return status, g, 0
    # The loss rule costs about one descent step (compiled J): check it every 1/256 of the
    # steps so far, so a run stops at most ~0.4% later than it could have.
    return it + max(16, it // 256)


def _polish_tol(cfg: DescentConfig) -> float:
    return cfg.polish_tol if (cfg.polish_tol > 0 and not cfg.train_a) else -1.0


def _attempt(W: np.ndarray, a: np.ndarray, W_star, a_star, lr: float, cfg: DescentConfig,
             small_loss: float, rec_it: np.ndarray):
    """One attempt of one run, in place: descent, with polishing tried when the gradient is
    small, and the loss rule checked when polishing is refused or the iterations run out.
    Returns (status code, iterations, gmax, polish steps, recorded count, rec_W, rec_a)."""
    n, d = W.shape
    rec_W = np.zeros((rec_it.size, n, d))
    rec_a = np.zeros((rec_it.size, n))
    it, ptr, polish_after = 0, 0, 0
    backoff = _Backoff()
    while True:
        status, it, g, ptr = kernels.descend(
            W, a, W_star, a_star, lr=lr, gtol=cfg.gtol, polish_tol=_polish_tol(cfg),
            polish_after=polish_after, it=it, max_iters=cfg.max_iters, g_limit=cfg.g_limit,
            train_a=cfg.train_a, rec_it=rec_it, rec_W=rec_W, rec_a=rec_a, rec_ptr=ptr)
        res = _on_stop(W, a, W_star, a_star, cfg, small_loss, status, it, g, backoff)
        if not isinstance(res, tuple):
            polish_after = res
            continue
        code, g, ps = res
        return code, it, g, ps, ptr, rec_W, rec_a


#: Lanes per worker of the lane path (runs descending together in one vector loop): the kernel's
#: time per run and step falls up to about 32 lanes (docs/commands/census.md, "Speed").
LANES = 32


def _lane_worker(take, finish, W0, a0, W_star, a_star, cfg: DescentConfig, small_loss: float,
                 stop: threading.Event, L: int) -> None:
    """Descend the runs handed out by ``take()`` (None when there are no more), up to L at once
    in the lanes of :func:`kernels.descend_lanes`, and report each with ``finish``. A lane that
    stops is handled as a one-run attempt would be (:func:`_on_stop`, restarts), then refilled
    with the next run, or, when none is left, given the last lane's run (the active lanes stay
    the first ``nl``, so the vector loops shrink with the work). Returns early, its runs
    unfinished, once ``stop`` is set (Ctrl-C, or another worker failed)."""
    _, n, d = W0.shape
    k = W_star.shape[0]
    Wl, al = np.zeros((n, d, L)), np.ones((n, L))
    lr, gout = np.zeros(L), np.zeros(L)
    it, polish_after, code = (np.zeros(L, dtype=np.int64) for _ in range(3))
    work = kernels.lane_workspace(n, d, k, L)
    slot: list = [None] * L  # (run, attempt, step, backoff) of each lane

    def load(s: int, r: int, attempt: int, step: float) -> None:
        Wl[:, :, s], al[:, s] = W0[r], a0[r]
        lr[s], it[s], polish_after[s], code[s] = step, 0, 0, kernels.RUNNING
        slot[s] = (r, attempt, step, _Backoff())

    def move(src: int, dst: int) -> None:
        Wl[:, :, dst], al[:, dst] = Wl[:, :, src], al[:, src]
        for arr in (lr, gout, it, polish_after, code):
            arr[dst] = arr[src]
        slot[dst] = slot[src]

    nl = 0
    while nl < L and (r := take()) is not None:
        load(nl, r, 0, cfg.lr)
        nl += 1
    while nl and not stop.is_set():
        kernels.descend_lanes(Wl, al, a_star, nl, lr=lr, gtol=cfg.gtol,
                              polish_tol=_polish_tol(cfg), polish_after=polish_after, it=it,
                              max_iters=cfg.max_iters, g_limit=cfg.g_limit, work=work, code=code,
                              gout=gout)
        s = 0
        while s < nl:
            if code[s] == kernels.RUNNING:
                s += 1
                continue
            r, attempt, step, backoff = slot[s]
            W, a = np.ascontiguousarray(Wl[:, :, s]), np.ascontiguousarray(al[:, s])
            res = _on_stop(W, a, W_star, a_star, cfg, small_loss, int(code[s]), int(it[s]),
                           float(gout[s]), backoff)
            if not isinstance(res, tuple):  # go on descending
                polish_after[s], code[s] = res, kernels.RUNNING
                s += 1
                continue
            c, g, ps = res
            if c == kernels.DIVERGED and attempt < cfg.restarts:  # again, with half the step
                load(s, r, attempt + 1, step / 2)
                s += 1
                continue
            finish(r, W, a, c, int(it[s]), g, ps, step)
            nxt = take()
            if nxt is not None:
                load(s, nxt, 0, cfg.lr)
                s += 1
            else:
                nl -= 1
                if s < nl:
                    move(nl, s)  # examined next: it may have stopped too


def train(W0: np.ndarray, W_star: np.ndarray, a0: np.ndarray | None = None,
          a_star: np.ndarray | None = None, cfg: DescentConfig = DescentConfig(), *,
          workers: int = 0, record: Sequence[int] = (), record_iters: Sequence[int] = (),
          progress: Progress = null_progress, desc: str = "descent") -> Runs:
    """Gradient descent from each start W0[r] (R, n, d) towards the teacher (W*, a*).

    ``a0`` (n,) or (R, n), default ones: the student's top weights (fixed unless
    ``cfg.train_a``); ``a_star`` (k,), default ones. ``record`` lists runs whose states are kept
    at the iterations ``record_iters`` (increasing). ``workers`` 0: one per core.
    """
    cfg.validate()
    W0 = np.asarray(W0, dtype=float)
    if W0.ndim != 3:
        raise ValueError(f"W0: expected shape (runs, n, d), got {W0.shape}")
    R, n, d = W0.shape
    W_star = np.ascontiguousarray(W_star, dtype=float)
    if W_star.ndim != 2 or W_star.shape[1] != d:
        raise ValueError(f"W_star: expected shape (k, {d}), got {W_star.shape}")
    k = W_star.shape[0]
    a0 = np.ones(n) if a0 is None else np.asarray(a0, dtype=float)
    if a0.shape not in ((n,), (R, n)):
        raise ValueError(f"a0: expected shape ({n},) or ({R}, {n}), got {a0.shape}")
    a0 = np.broadcast_to(a0, (R, n))
    a_star = np.ascontiguousarray(np.ones(k) if a_star is None else a_star, dtype=float)
    if a_star.shape != (k,):
        raise ValueError(f"a_star: expected shape ({k},), got {a_star.shape}")
    rec_it = np.unique(np.asarray(record_iters, dtype=np.int64))
    # J(0) = E[g*^2] / 2, the loss of the zero network: the scale of the loss rule
    small_loss = cfg.loss_tol * float(population_loss(np.zeros((1, d)), W_star, np.zeros(1),
                                                      a_star))
    recorded = set(int(r) for r in record)

    W = np.array(W0)
    a = np.array(a0)
    status = np.empty(R, dtype=object)
    iterations = np.zeros(R, dtype=np.int64)
    polish_steps = np.zeros(R, dtype=np.int64)
    grad = np.zeros(R)
    lr = np.full(R, cfg.lr, dtype=float)
    curves: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    lock = threading.Lock()

    def store(r: int, Wr, ar, code: int, it: int, g: float, ps: int, step: float) -> None:
        W[r], a[r] = Wr, ar
        status[r], iterations[r], polish_steps[r], lr[r] = _STATUS[code], it, ps, step
        grad[r] = math.inf if code == kernels.DIVERGED else math.nan if g < 0 else g

    def one(r: int) -> None:
        its = rec_it if r in recorded else rec_it[:0]
        step = cfg.lr
        for attempt in range(cfg.restarts + 1):
            Wr = np.array(W0[r])
            ar = np.array(a0[r])
            code, it, g, ps, ptr, rW, ra = _attempt(Wr, ar, W_star, a_star, step, cfg,
                                                    small_loss, its)
            if code != kernels.DIVERGED or attempt == cfg.restarts:
                break
            step /= 2
        store(r, Wr, ar, code, it, g, ps, step)
        if its.size:
            with lock:
                curves[r] = (its[:ptr].copy(), rW[:ptr], ra[:ptr])

    # The lane path (many runs in one vector loop) covers the census's case: teacher [I_k 0],
    # top weights fixed, nothing recorded; it gives every run the same bits as the one-run path.
    lanes = (R > 1 and not cfg.train_a and not recorded and k <= d
             and np.array_equal(W_star, np.eye(k, d)))

    def finish(r: int, *result) -> None:
        store(r, *result)
        with lock:
            bar.update(1)

    # One BLAS thread per worker: the workers already use the cores (Cholesky in polishing),
    # and a Cholesky factor on more threads has other bits. threadpoolctl limits only the
    # libraries loaded, so scipy's LAPACK is loaded first: else the first call of a process
    # polishes on every core and ends its runs a few ulps away from any later call.
    from scipy.linalg import lapack  # noqa: F401

    with threadpool_limits(limits=1), progress(R, desc) as bar:
        nw = min(cores(workers), R) if R else 1
        if lanes:
            todo = iter(range(R))

            def take() -> int | None:
                with lock:
                    return next(todo, None)

            L = min(LANES, -(-R // nw))
            stop = threading.Event()
            with ThreadPoolExecutor(max_workers=nw) as pool:
                futures = [pool.submit(_lane_worker, take, finish, W0, a0, W_star, a_star, cfg,
                                       small_loss, stop, L) for _ in range(nw)]
                try:
                    for f in futures:
                        f.result()
                finally:  # on Ctrl-C (or a failed worker) the other workers stop at once
                    stop.set()
        elif nw <= 1:
            for r in range(R):
                one(r)
                bar.update(1)
        else:
            with ThreadPoolExecutor(max_workers=nw) as pool:
                for _ in pool.map(one, range(R)):
                    bar.update(1)
    return Runs(W, a, status.astype(str), iterations, polish_steps, grad, lr, curves)
