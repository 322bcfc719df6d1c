"""Interval proof that a floating-point endpoint of descent is near a strict local minimum of J:
Krawczyk's test for one critical point in a box, a Gershgorin bound after an eigen-rotation for
a positive definite Hessian on the box, and the loss enclosure (docs/math.md section 10). The
arb part (:func:`prove_on_box`) takes only exact numbers, so a re-check repeats it exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from relucheck.proofs._arb import (
    arb,
    arb_mat,
    float_bounds,
    pool_map,
    precision,
    require_flint,
)
from relucheck.proofs.minimum.interval import NotEnclosable, box, enclose
from relucheck.runtime import cluster
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import Progress, null_progress

#: Working precision (bits) of the proof. Boxes are far wider than 2^-64 relative, so more
#: precision does not help; a re-check may ask for more.
PREC = 64
#: Significant digits of the claims a proof states: lambda_min_lo rounded down to 3, the loss
#: interval outward to 12, so that the claims do not move with the last bits of the float
#: pre-computation (another BLAS or CPU); the proof's own bounds are tighter.
LAMBDA_DIGITS, LOSS_DIGITS = 3, 12
#: Largest radius tried: a float endpoint of descent polished to a gradient near rounding is
#: within ~1e-12 of its critical point; far beyond that the box is no longer "near" W0.
MAX_RADIUS = 2.0 ** -10

KRAWCZYK, POSITIVE, LOSS, FORMULAS, FLOAT = (
    "Krawczyk inclusion", "positive definite", "loss enclosure", "enclosure", "float Hessian")


#: The rotation Q is stored as integers times 2^Q_SCALE_LOG2: exact in arb and in a file, and
#: fine enough that Q^T Q - I (about N 2^-31, bounded in arb) costs nothing in the bound.
Q_SCALE_LOG2 = -30


@dataclass(frozen=True)
class Preconditioner:
    """The float pre-computation a proof uses, as exact numbers: the rotation Q = Q_int 2^-30
    (N x N integers) and eigenvalue estimates lam (N floats, all nonzero), C = Q diag(1/lam)
    Q^T. Any values give a sound proof; good ones give a proof that succeeds."""

    Q_int: np.ndarray  # (N, N) int64, |entries| <= 2^30
    lam: np.ndarray  # (N,) float64


@dataclass(frozen=True)
class Proof:
    """What :func:`prove_minimum` established (``ok``) or the step that failed and why."""

    ok: bool
    radius: float  # max-norm radius r of the box around W0 (a power of two), NaN if none
    loss_lo: float  # J(W*) in [loss_lo, loss_hi], outward-rounded floats
    loss_hi: float
    lambda_min_lo: float  # lower bound on lambda_min(H) over the whole box
    prec: int
    seconds: float
    step: str = ""  # the failed step (empty when ok)
    reason: str = ""
    pre: Preconditioner | None = None  # what the arb computation was given (None: not reached)


def _float_down(x) -> float:
    """The largest float <= every point of the ball x (exact comparisons)."""
    return float_bounds(x)[0]


def _float_up(x) -> float:
    """The smallest float >= every point of the ball x."""
    return float_bounds(x)[1]


def _decimal_down(x: float, digits: int) -> float:
    """A float <= x with a short decimal form (``digits`` significant digits, then the next
    float down if the conversion rounded up): a claim that last-bit changes of x do not move."""
    if not math.isfinite(x) or x == 0:
        return x
    e = math.floor(math.log10(abs(x))) - digits + 1
    f = float(math.floor(Fraction(x) / Fraction(10) ** e) * Fraction(10) ** e)
    return f if f <= x else math.nextafter(f, -math.inf)


def _decimal_up(x: float, digits: int) -> float:
    """A float >= x with a short decimal form (see :func:`_decimal_down`)."""
    return -_decimal_down(-x, digits)


def _pow2_at_least(x: float) -> float:
    """The smallest power of two >= x (exact: from the binary exponent, not a rounded log)."""
    if not x > 0:
        return 2.0 ** -1074
    m, e = math.frexp(x)  # x = m 2^e, 0.5 <= m < 1
    return math.ldexp(0.5, e) if m == 0.5 else math.ldexp(1.0, e)


def precondition(W0: np.ndarray, W_star: np.ndarray, a: np.ndarray,
                 a_star: np.ndarray) -> tuple[Preconditioner | None, str, str]:
    """The float eigen-decomposition of the Hessian at W0 (compiled kernel, LAPACK) as a
    :class:`Preconditioner`, or (None, step, reason) when W0 is no candidate for a strict
    minimum (a zero row, a negative or a numerically zero eigenvalue)."""
    # numba loads here, for a new proof only: a re-check (prove_on_box) never needs it
    from relucheck.descent import _kernels as kernels

    n, d = W0.shape
    Hf = np.empty((n * d, n * d))
    if not np.all(np.isfinite(W0)) or not kernels.hessian(W0, a, W_star, a_star, Hf):
        return None, FLOAT, "a student row is zero or not finite"
    lam, Q = np.linalg.eigh(Hf)
    if lam[0] < -1e-8 * np.abs(lam).max():
        return None, POSITIVE, (f"the float Hessian at the representative has the negative "
                                f"eigenvalue {lam[0]:.3g}: a saddle, not a minimum")
    if not np.all(np.abs(lam) > 1e-12 * np.abs(lam).max()):
        return None, FLOAT, (f"the float Hessian at the representative is singular to working "
                             f"accuracy (eigenvalue {lam[np.argmin(np.abs(lam))]:.3g}): a "
                             "degenerate point, not a strict minimum")
    Q_int = np.rint(np.ldexp(Q, -Q_SCALE_LOG2)).astype(np.int64)
    return Preconditioner(Q_int, lam.astype(float)), "", ""


def _rotation(pre: Preconditioner):
    """Q as an exact arb matrix."""
    s = arb(2) ** Q_SCALE_LOG2
    return arb_mat([[arb(int(x)) * s for x in row] for row in pre.Q_int])


def krawczyk(W0: np.ndarray, r: float, F0: list, H, C) -> tuple[bool, float]:
    """Step 1 on the box of radius r: (K(B) inside the interior of B, max |K - W0| / r).

    C is an arb matrix (a ball of preconditioners: the enclosure holds for the exact one)."""
    N = len(F0)
    Y = arb_mat([[arb(int(i == j)) for j in range(N)] for i in range(N)]) - C * H
    Z = arb_mat([[arb(0, r)] for _ in range(N)])
    D = Y * Z - C * arb_mat([[f] for f in F0])
    worst = 0.0
    inside = True
    for i in range(N):
        m = D[i, 0].abs_upper()
        if not m.is_finite() or not m < r:
            inside = False
        worst = max(worst, _float_up(m) if m.is_finite() else math.inf)
    return inside, worst / r


def lambda_lower_bound(H, Qa):
    """Step 2: a ball whose lower end bounds lambda_min of every symmetric matrix in H, from
    the exact rotation Qa (an arb matrix)."""
    N = Qa.nrows()
    Qt = Qa.transpose()
    M = Qt * H * Qa
    mu = None
    for i in range(N):
        off = arb(0)
        for j in range(N):
            if j != i:
                off += M[i, j].abs_upper()
        lo = (M[i, i] - off).lower()
        mu = lo if mu is None or lo < mu else mu
    G = Qt * Qa
    dev = arb(0)
    for i in range(N):
        for j in range(N):
            e = G[i, j] - int(i == j)
            dev += e * e
    delta = dev.nonnegative_part().sqrt().upper()
    if not delta < 1 or not mu > 0:
        # Q is not proved invertible, or the discs reach 0: no positive bound (mu itself is
        # returned so that a refusal can say how far from positive it was)
        return mu if delta < 1 else arb.nan()
    return mu / (1 + delta)


def _arrays(W0, W_star, a, a_star):
    W0 = np.ascontiguousarray(W0, dtype=float)
    W_star = np.ascontiguousarray(W_star, dtype=float)
    a = np.ones(W0.shape[0]) if a is None else np.ascontiguousarray(a, dtype=float)
    a_star = (np.ones(W_star.shape[0]) if a_star is None
              else np.ascontiguousarray(a_star, dtype=float))
    return W0, W_star, a, a_star


def prove_on_box(W0: np.ndarray, W_star: np.ndarray, a: np.ndarray | None,
                 a_star: np.ndarray | None, *, radius: float, pre: Preconditioner,
                 prec: int = PREC) -> Proof:
    """Steps 1 to 3 on the box of the given radius (a power of two), in arb only: the verdict
    depends on the exact numbers given and nothing else (this is what a re-check runs)."""
    require_flint()
    t0 = time.perf_counter()
    W0, W_star, a, a_star = _arrays(W0, W_star, a, a_star)
    r = float(radius)

    def fail(step: str, reason: str) -> Proof:
        return Proof(False, r, math.nan, math.nan, math.nan, prec, time.perf_counter() - t0,
                     step, reason, pre)

    N = W0.size
    if pre.Q_int.shape != (N, N) or pre.lam.shape != (N,) or not np.all(pre.lam != 0):
        return fail(FLOAT, f"the preconditioner is not {N} x {N} with {N} nonzero eigenvalues")
    with precision(prec):
        try:
            F0 = enclose(box(W0, 0.0), W_star, a, a_star).grad
            E = enclose(box(W0, r), W_star, a, a_star, gradient=True, hessian=True)
        except NotEnclosable as exc:
            return fail(FORMULAS, str(exc))
        except ValueError as exc:  # e.g. an empty intersection: never for correct formulas
            return fail(FORMULAS, f"inconsistent enclosures ({exc})")
        Qa = _rotation(pre)
        inv_lam = arb_mat([[1 / arb(float(x)) for x in pre.lam]])
        QL = arb_mat([[Qa[i, j] * inv_lam[0, j] for j in range(N)] for i in range(N)])
        inside, ratio = krawczyk(W0, r, F0, E.hess, QL * Qa.transpose())
        if not inside:
            return fail(KRAWCZYK, f"K(B) is not inside the box of radius {r:.3g}: "
                                  f"max |K - W0| = {ratio:.3g} r")
        lam_lo = lambda_lower_bound(E.hess, Qa)
        if not lam_lo.is_finite() or not lam_lo > 0:
            return fail(POSITIVE, "the Hessian is not proved positive definite on the box "
                                  "(Gershgorin discs after the eigen-rotation reach down to "
                                  f"{_float_down(lam_lo) if lam_lo.is_finite() else math.nan:.3g};"
                                  f" float lambda_min {float(np.min(pre.lam)):.3g})")
        J0 = enclose(box(W0, 0.0), W_star, a, a_star, gradient=False, loss=True).loss
        J = J0 + sum((g * arb(0, r) for g in E.grad), arb(0))
        if not J.is_finite():
            return fail(LOSS, "the loss enclosure is not finite")
        return Proof(True, r, _float_down(J), _float_up(J), _float_down(lam_lo), prec,
                     time.perf_counter() - t0, pre=pre)


def prove_minimum(W0: np.ndarray, W_star: np.ndarray, a: np.ndarray | None = None,
                  a_star: np.ndarray | None = None, *, prec: int = PREC,
                  radius: float | None = None, cover: float = 0.0) -> Proof:
    """Prove that J has a strict local minimum within ``radius`` (max norm) of the floats W0.

    ``radius`` None: the smallest power of two above 4 |C F(W0)| (four float Newton steps) and
    above ``cover`` is tried first, then radii 2^8 times larger up to :data:`MAX_RADIUS`; when
    none succeeds and ``cover`` raised the first, the search is repeated without it. A given
    ``radius`` is used as it is (rounded up to a power of two). Returns a :class:`Proof`; it
    never raises for a point where the proof fails.
    """
    require_flint()
    t0 = time.perf_counter()
    W0, W_star, a, a_star = _arrays(W0, W_star, a, a_star)

    def fail(step: str, reason: str, r: float = math.nan) -> Proof:
        return Proof(False, r, math.nan, math.nan, math.nan, prec, time.perf_counter() - t0,
                     step, reason)

    pre, step_name, why = precondition(W0, W_star, a, a_star)
    if pre is None:
        return fail(step_name, why)
    with precision(prec):
        try:
            F0 = enclose(box(W0, 0.0), W_star, a, a_star).grad
        except NotEnclosable as exc:
            return fail(FORMULAS, str(exc))
    Q = np.ldexp(pre.Q_int.astype(float), Q_SCALE_LOG2)
    step = np.abs((Q / pre.lam) @ (Q.T @ np.array([float(f.mid()) for f in F0]))).max()
    if radius is not None:
        tries = [[_pow2_at_least(float(radius))]]
    else:
        r0 = _pow2_at_least(max(4.0 * step, 2.0 ** -60 * max(1.0, np.abs(W0).max())))

        def ladder(start: float) -> list[float]:
            return [r for r in (start * 2.0 ** (8 * i) for i in range(8)) if r <= MAX_RADIUS]

        if not ladder(r0):
            return fail(KRAWCZYK, f"a Newton step from the representative is {step:.3g}: "
                                  f"no critical point within {MAX_RADIUS:.3g} to prove")
        r_cover = max(r0, _pow2_at_least(cover)) if cover > 0 else r0
        tries = [t for t in (ladder(r_cover), ladder(r0) if r_cover > r0 else []) if t]
    last = None
    for radii in tries:
        for r in radii:
            last = prove_on_box(W0, W_star, a, a_star, radius=r, pre=pre, prec=prec)
            if last.ok:
                return replace(last, seconds=time.perf_counter() - t0,
                               loss_lo=_decimal_down(last.loss_lo, LOSS_DIGITS),
                               loss_hi=_decimal_up(last.loss_hi, LOSS_DIGITS),
                               lambda_min_lo=_decimal_down(last.lambda_min_lo, LAMBDA_DIGITS))
            if last.step != KRAWCZYK:
                return replace(last, seconds=time.perf_counter() - t0)
    return replace(last, seconds=time.perf_counter() - t0,
                   reason=f"{last.reason} (a Newton step from the representative is {step:.3g})")


def _prove_task(task: tuple) -> Proof:
    W0, W_star, cover, prec = task
    n, k = W0.shape[0], W_star.shape[0]
    return prove_minimum(W0, W_star, np.ones(n), np.ones(k), prec=prec, cover=cover)


def prove_minima(points: list[tuple[np.ndarray, np.ndarray, float]], *, prec: int = PREC,
                 workers: int = 0, progress: Progress = null_progress, client=None,
                 kind: str = "minimum-proof") -> list[Proof]:
    """:func:`prove_minimum` of each (W0, W*, cover) with a = a* = 1: one process per core
    (the points are independent), or one task each on a dask ``client``; in order."""
    tasks = [(W0, W_star, float(cover), prec) for W0, W_star, cover in points]
    if not tasks:
        return []
    if client is not None:
        return cluster.map_tasks(client, _prove_task, tasks, kind=kind, progress=progress,
                                 desc="certifying")
    return pool_map(_prove_task, tasks, prec=prec, workers=min(cores(workers), len(tasks)),
                    progress=progress, desc="certifying")
