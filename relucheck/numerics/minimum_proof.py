"""Interval proof that a floating-point endpoint of descent is near a strict local minimum of J.

For floats W0 (n x d, N = n d parameters), a power of two r and the box B = W0 + [-r, r]^N
(docs/math.md section 10):

1. Existence and uniqueness (Krawczyk). With F = grad_W J, H(B) an interval matrix containing
   the Hessian at every point of B (:mod:`relucheck.numerics.minimum_interval`) and any matrix
   C (here the float inverse of the float Hessian at W0),

       K(B) = W0 - C F(W0) + (I - C H(B)) (B - W0).

   If K(B) lies in the interior of B, then F has exactly one zero W* in B (Krawczyk 1969;
   Rump 1983 for uniqueness from the strict inclusion). We check |K_i - W0_i| < r for every i.
2. Positive definiteness on B (Gershgorin after a float eigen-rotation). Q = the float
   eigenvectors of the float Hessian at W0 (exact floats in arb). M = Q^T H(B) Q contains
   Q^T A Q for every symmetric A in H(B); by Gershgorin every eigenvalue of Q^T A Q is at least
   mu = min_i (M_ii - sum_{j != i} |M_ij|). With delta >= ||Q^T Q - I||_F (enclosed in arb),
   delta < 1 makes Q invertible with ||Q||_2^2 <= 1 + delta, so x^T A x = y^T Q^T A Q y >=
   mu |y|^2 >= mu |x|^2 / (1 + delta) for x = Q y: lambda_min(A) >= mu / (1 + delta). When that
   bound is > 0, H is positive definite on all of B, so W* is a strict local minimum (and the
   only critical point of J in B; J is strictly convex there).
3. The loss. J(W*) lies in J(W0) + F(B) . (B - W0) (mean value form, J is C^1 on B).

A saddle fails step 2 (its Hessian has a negative eigenvalue at W*, which lies in B); a centre
moved further from the critical point than r allows fails step 1. Every number that enters the
arb computation is an exact float (W0, W*, a, a*, C, Q, r), so the proof is about exactly the
box it names; C and Q only need to be good, not exact, and are recomputed by a re-check.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from relucheck.numerics.l12_interval import arb, require_flint
from relucheck.numerics.minimum_interval import NotEnclosable, box, enclose

try:
    from flint import arb_mat, ctx
except ImportError:  # pragma: no cover - require_flint gives the hint
    arb_mat = ctx = None

#: Working precision (bits) of the proof. Boxes are far wider than 2^-64 relative, so more
#: precision does not help; a re-check may ask for more.
PREC = 64
#: Largest radius tried: a float endpoint of descent polished to a gradient near rounding is
#: within ~1e-12 of its critical point; far beyond that the box is no longer "near" W0.
MAX_RADIUS = 2.0 ** -10

KRAWCZYK, POSITIVE, LOSS, FORMULAS, FLOAT = (
    "Krawczyk inclusion", "positive definite", "loss enclosure", "enclosure", "float Hessian")


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


def float_down(x) -> float:
    """The largest float <= every point of the ball x (exact comparisons)."""
    lo = x.lower()
    f = float(lo)
    return f if arb(f) <= lo else math.nextafter(f, -math.inf)


def float_up(x) -> float:
    """The smallest float >= every point of the ball x."""
    hi = x.upper()
    f = float(hi)
    return f if arb(f) >= hi else math.nextafter(f, math.inf)


def _pow2_at_least(x: float) -> float:
    """The smallest power of two >= x (exact: from the binary exponent, not a rounded log)."""
    if not x > 0:
        return 2.0 ** -1074
    m, e = math.frexp(x)  # x = m 2^e, 0.5 <= m < 1
    return math.ldexp(0.5, e) if m == 0.5 else math.ldexp(1.0, e)


def _to_arb_mat(A: np.ndarray):
    """An arb matrix of exactly the float entries of A."""
    return arb_mat([[arb(float(x)) for x in row] for row in np.asarray(A, dtype=float)])


def krawczyk(W0: np.ndarray, r: float, F0: list, H, C) -> tuple[bool, float]:
    """Step 1 on the box of radius r: (K(B) inside the interior of B, max |K - W0| / r)."""
    N = len(F0)
    Cm = _to_arb_mat(C)
    Y = arb_mat([[arb(int(i == j)) for j in range(N)] for i in range(N)]) - Cm * H
    Z = arb_mat([[arb(0, r)] for _ in range(N)])
    D = Y * Z - Cm * arb_mat([[f] for f in F0])
    worst = 0.0
    inside = True
    for i in range(N):
        m = D[i, 0].abs_upper()
        if not m.is_finite() or not m < r:
            inside = False
        worst = max(worst, float_up(m) if m.is_finite() else math.inf)
    return inside, worst / r


def lambda_lower_bound(H, Q: np.ndarray):
    """Step 2: a ball whose lower end bounds lambda_min of every symmetric matrix in H."""
    N = Q.shape[0]
    Qa = _to_arb_mat(Q)
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


def prove_minimum(W0: np.ndarray, W_star: np.ndarray, a: np.ndarray | None = None,
                  a_star: np.ndarray | None = None, *, prec: int = PREC,
                  radius: float | None = None) -> Proof:
    """Prove that J has a strict local minimum within ``radius`` (max norm) of the floats W0.

    ``radius`` None: the smallest power of two above 4 |C F(W0)| (four float Newton steps) is
    tried first, then radii 2^8 times larger up to :data:`MAX_RADIUS`. A given ``radius`` (a
    re-check) is used as it is (rounded up to a power of two if it is not one). Returns a
    :class:`Proof`; it never raises for a point where the proof fails.
    """
    require_flint()
    t0 = time.perf_counter()
    W0 = np.ascontiguousarray(W0, dtype=float)
    n, d = W0.shape
    W_star = np.ascontiguousarray(W_star, dtype=float)
    a = np.ones(n) if a is None else np.ascontiguousarray(a, dtype=float)
    a_star = np.ones(W_star.shape[0]) if a_star is None else np.ascontiguousarray(a_star,
                                                                                     dtype=float)

    def fail(step: str, reason: str, r: float = math.nan) -> Proof:
        return Proof(False, r, math.nan, math.nan, math.nan, prec, time.perf_counter() - t0,
                     step, reason)

    from relucheck.numerics import fastgrad

    Hf = np.empty((n * d, n * d))
    if not np.all(np.isfinite(W0)) or not fastgrad.hessian(W0, a, W_star, a_star, Hf):
        return fail(FLOAT, "a student row is zero or not finite")
    lam, Q = np.linalg.eigh(Hf)
    if lam[0] < -1e-8 * np.abs(lam).max():
        return fail(POSITIVE, f"the float Hessian at the representative has the negative "
                              f"eigenvalue {lam[0]:.3g}: a saddle, not a minimum")
    if not np.all(np.abs(lam) > 1e-12 * np.abs(lam).max()):
        return fail(FLOAT, f"the float Hessian at the representative is singular to working "
                           f"accuracy (eigenvalue {lam[np.argmin(np.abs(lam))]:.3g}): a "
                           "degenerate point, not a strict minimum")
    # The float inverse of the float Hessian (also at a saddle: step 1 then proves a unique
    # critical point, and step 2 refuses it in interval arithmetic).
    C = (Q / lam) @ Q.T
    old = ctx.prec
    ctx.prec = int(prec)
    try:
        try:
            F0 = enclose(box(W0, 0.0), W_star, a, a_star).grad
        except NotEnclosable as exc:
            return fail(FORMULAS, str(exc))
        step = np.abs(C @ np.array([float(f.mid()) for f in F0])).max()
        if radius is None:
            r0 = _pow2_at_least(max(4.0 * step, 2.0 ** -60 * max(1.0, np.abs(W0).max())))
            radii = [r for r in (r0 * 2.0 ** (8 * i) for i in range(8)) if r <= MAX_RADIUS]
            if not radii:
                return fail(KRAWCZYK, f"a Newton step from the representative is {step:.3g}: "
                                      f"no critical point within {MAX_RADIUS:.3g} to prove")
        else:
            radii = [_pow2_at_least(float(radius))]
        why = ""
        for r in radii:
            try:
                E = enclose(box(W0, r), W_star, a, a_star, gradient=True, hessian=True)
            except NotEnclosable as exc:
                return fail(FORMULAS, str(exc), r)
            except ValueError as exc:  # e.g. an empty intersection: never for correct formulas
                return fail(FORMULAS, f"inconsistent enclosures ({exc})", r)
            inside, ratio = krawczyk(W0, r, F0, E.hess, C)
            if inside:
                break
            why = (f"K(B) is not inside the box of radius {r:.3g}: max |K - W0| = {ratio:.3g} r "
                   f"(a Newton step from the representative is {step:.3g})")
        else:
            return fail(KRAWCZYK, why, radii[-1])
        lam_lo = lambda_lower_bound(E.hess, Q)
        if not lam_lo.is_finite() or not lam_lo > 0:
            return fail(POSITIVE, "the Hessian is not proved positive definite on the box "
                                  "(Gershgorin discs after the eigen-rotation reach down to "
                                  f"{float_down(lam_lo) if lam_lo.is_finite() else math.nan:.3g}; "
                                  f"float lambda_min {lam[0]:.3g})", r)
        J0 = enclose(box(W0, 0.0), W_star, a, a_star, gradient=False, loss=True).loss
        J = J0 + sum((g * arb(0, r) for g in E.grad), arb(0))
        if not J.is_finite():
            return fail(LOSS, "the loss enclosure is not finite", r)
        return Proof(True, r, float_down(J), float_up(J), float_down(lam_lo), prec,
                     time.perf_counter() - t0)
    finally:
        ctx.prec = old
