"""The symmetric K-ReLU dynamics of Theorem 7 (Section 6.2, Eqns 17-18; docs/math.md section 6).

Teacher w*_j = e_j, student w_j = x e_j + y sum_{k != j} e_k: Eqn 8 keeps this form, so the
K x K dynamics reduces to the 2D field (dx/dt, dy/dt) of :func:`velocity`, with angles from atan2
of exact components (accurate to rounding up to the diagonal, where the saddle lies). Also the
full K x K gradient it reduces (:func:`full_gradient`) and the field's Jacobian. Every function
broadcasts over arrays of x, y and K.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from relucheck.theory.angles import h
from relucheck.theory.gradient import gradient_K

#: Beyond this |x| or |y| (|w_j| for the full K x K student) a run has diverged, as beyond
#: relucheck.descent._kernels.BLOWUP in compiled descent: the squares in Eqn 8 would overflow.
BLOWUP = 1e100


class SymmetricAngles(NamedTuple):
    """Norm n = |w_j| and the three angles of the reduction with their sines."""

    n: np.ndarray
    theta: np.ndarray
    phi_star: np.ndarray
    phi: np.ndarray
    sin_theta: np.ndarray
    sin_phi_star: np.ndarray
    sin_phi: np.ndarray


def _inputs(x, y, K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    K = np.asarray(K, dtype=float)
    if not np.all((K >= 2) & (K == np.floor(K))):
        raise ValueError("K: expected integers >= 2 (Theorem 7 needs at least two ReLUs)")
    return x, y, K


def _angles(x: np.ndarray, y: np.ndarray, K: np.ndarray) -> SymmetricAngles:
    xx, yy = x * x, y * y
    n2 = xx + (K - 1) * yy
    if n2.size and not (np.min(n2) > 0 and np.max(n2) < np.inf):  # also False for NaN
        raise ValueError("(x, y): expected a nonzero finite point; at x = y = 0 every w_j = 0 and "
                         "the population gradient (Eqn 8) is undefined")
    n = np.sqrt(n2)
    perp_j = np.sqrt((K - 1) * yy)  # |w_j - (w_j . e_j) e_j|
    # |w_j - (w_j . e_k) e_k|; on the diagonal it equals perp_j, and taking that very float
    # makes dx/dt == dy/dt bitwise there, so the diagonal (invariant under the exact dynamics,
    # Theorem 7 (2)) stays invariant in float64 instead of seeding the saddle's unstable mode.
    perp_k = np.where(x == y, perp_j, np.sqrt(xx + (K - 2) * yy))
    half_minus = np.abs(x - y)  # |w_j - w_k| / sqrt2
    half_plus = np.sqrt((x + y) ** 2 + (2 * K - 4) * yy)  # |w_j + w_k| / sqrt2
    return SymmetricAngles(
        n=n,
        theta=np.arctan2(perp_j, x),
        phi_star=np.arctan2(perp_k, y),
        phi=2.0 * np.arctan2(half_minus, half_plus),
        sin_theta=perp_j / n,
        sin_phi_star=perp_k / n,
        sin_phi=half_minus * half_plus / n2,
    )


def symmetric_angles(x, y, K) -> SymmetricAngles:
    """n = |w_j| and theta, phi*, phi of Theorem 7's reduction (docs/math.md section 6).

    Raises ValueError at x = y = 0 (w_j = 0: the one singularity of Eqn 8) or for K < 2.
    """
    return _angles(*_inputs(x, y, K))


def _terms(x, y, K) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    a = _angles(x, y, K)
    T = (K - 1) * (a.sin_phi_star / a.n - a.sin_phi) + a.sin_theta / a.n
    shared = (a.phi - np.pi) * (x + (K - 1) * y)
    return ((np.pi - a.theta, -a.phi * x, shared, T * x),
            (np.pi - a.phi_star, -a.phi * y, shared, T * y))


def velocity_terms(x, y, K) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The terms of 2 pi dx/dt and 2 pi dy/dt (Theorem 7, docs/math.md section 6), unsummed.

    Exposed so that callers can bound the rounding of the sum by eps * sum |terms|.
    """
    return _terms(*_inputs(x, y, K))


def velocity(x, y, K) -> tuple[np.ndarray, np.ndarray]:
    """(dx/dt, dy/dt) of Theorem 7's 2D dynamics: minus Eqn 8 on the symmetric subspace."""
    (x1, x2, x3, x4), (y1, y2, y3, y4) = velocity_terms(x, y, K)
    c = 1.0 / (2.0 * np.pi)
    return (x1 + x2 + x3 + x4) * c, (y1 + y2 + y3 + y4) * c


def defined(x, y) -> np.ndarray:
    """Where the field is defined and its float64 evaluation cannot overflow: (x, y) != 0 and
    |x|, |y| < :data:`BLOWUP`."""
    big = np.maximum(np.abs(x), np.abs(y))
    return (big > 0) & (big < BLOWUP)


def descent_gradient(w: np.ndarray, K) -> np.ndarray:
    """E[grad J] restricted to (x, y) for states w (B, 2) with K (B,) or a scalar: minus
    :func:`velocity`, NaN where the field is not :func:`defined` (a run that diverged, e.g. with a
    step beyond the stability limit, then stops in gradient descent instead of aborting it)."""
    K = np.broadcast_to(K, w.shape[:1])
    g = np.full(w.shape, np.nan)
    ok = defined(w[:, 0], w[:, 1])
    vx, vy = velocity(w[ok, 0], w[ok, 1], K[ok])
    g[ok, 0], g[ok, 1] = -vx, -vy
    return g


def full_gradient(W: np.ndarray) -> np.ndarray:
    """Eqn 8 for K x K students W (..., K, K) against W* = I_K, the problem that the reduction
    reduces; all NaN when some row of the batch vanishes or has diverged (|w_j| >= BLOWUP)."""
    big = np.abs(W).max(axis=-1)
    if not np.all((big > 0) & (big < BLOWUP)):
        return np.full(W.shape, np.nan)
    return gradient_K(W, np.eye(W.shape[-1]))


def velocity_jacobian(x: float, y: float, K: int, step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian (2, 2) of :func:`velocity` at (x, y). The field is C^1
    (|x - y| enters as |x - y| (x - y)), so the error is O(step) from truncation plus
    O(eps / step) from rounding."""
    pts = np.array([[x + step, y], [x - step, y], [x, y + step], [x, y - step]])
    vx, vy = velocity(pts[:, 0], pts[:, 1], K)
    return np.array([[vx[0] - vx[1], vx[2] - vx[3]], [vy[0] - vy[1], vy[2] - vy[3]]]) / (2 * step)


def velocity_scale(x, y, K) -> np.ndarray:
    """sum |terms| / (2 pi) of the larger of the two components: the magnitude that float64
    rounding of :func:`velocity` is relative to."""
    tx, ty = velocity_terms(x, y, K)
    sx = sum(np.abs(t) for t in tx)
    sy = sum(np.abs(t) for t in ty)
    return np.maximum(sx, sy) / (2.0 * np.pi)


def embed(x, y, K: int) -> np.ndarray:
    """The student W (..., K, K) with rows w_j = x e_j + y sum_{k != j} e_k (teacher W* = I_K).

    Equal to y 1 1^T + (x - y) I, written without the subtraction so W is exact.
    """
    K = int(K)
    if K < 2:
        raise ValueError("K: expected an integer >= 2")
    x = np.asarray(x, dtype=float)[..., None, None]
    y = np.asarray(y, dtype=float)[..., None, None]
    eye = np.eye(K, dtype=bool)
    return np.where(eye, x, y)


def project(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a K x K student: the mean of its diagonal and of its off-diagonal entries."""
    W = np.asarray(W, dtype=float)
    K = W.shape[-1]
    diag = np.einsum("...jj->...j", W)
    x = diag.mean(axis=-1)
    y = (W.sum(axis=(-2, -1)) - diag.sum(axis=-1)) / (K * (K - 1))
    return x, y


def saddle(K) -> np.ndarray:
    """x = y = (sqrt(K-1) - arccos(1/sqrt K) + pi) / (pi K), Theorem 7 (2).

    arccos(1/sqrt K) = atan(sqrt(K-1)) (the angle whose cosine is 1/sqrt K has tangent sqrt(K-1)),
    which is exact to rounding where arccos near 1 is not.
    """
    K = np.asarray(K, dtype=float)
    if np.any(~(K >= 2)):
        raise ValueError("K: expected integers >= 2")
    r = np.sqrt(K - 1)
    return (r - np.arctan(r) + np.pi) / (np.pi * K)


def teacher_error(x, y, K) -> np.ndarray:
    """|w_j - w*_j|^2 = (x - 1)^2 + (K - 1) y^2, the same for every j (Figure 8 (d))."""
    x, y, K = _inputs(x, y, K)
    return (x - 1.0) ** 2 + (K - 1) * y * y


def loss_terms(x, y, K) -> tuple[np.ndarray, ...]:
    """The terms of the exact loss J (Eqn 2, N = 1) on the symmetric subspace, unsummed.

    Through the arc-cosine kernel k(u, v) = |u||v| h(t)/(2 pi), with K diagonal and K(K-1)
    off-diagonal pairs of each kind:
        student-student  K n^2/2 + K(K-1) n^2 h(phi) / (2 pi)
        student-teacher  -2 [K n h(theta) + K(K-1) n h(phi*)] / (2 pi)
        teacher-teacher  K/2 + K(K-1) h(pi/2) / (2 pi),  h(pi/2) = 1,
    each halved.
    """
    x, y, K = _inputs(x, y, K)
    a = _angles(x, y, K)
    n, c = a.n, 1.0 / (2.0 * np.pi)
    return (0.25 * K * n * n, 0.5 * c * K * (K - 1) * n * n * h(a.phi),
            -c * K * n * h(a.theta), -c * K * (K - 1) * n * h(a.phi_star),
            0.25 * K + 0.5 * c * K * (K - 1))


def loss(x, y, K) -> np.ndarray:
    """Exact population loss J(W(x, y); I_K), Eqn 2 with N = 1 (see :func:`loss_terms`).

    Near the teacher J is a difference of O(K^2) terms: its absolute rounding is about
    eps * sum |terms| (:func:`loss_scale`), below which J is noise.
    """
    return np.maximum(sum(loss_terms(x, y, K)), 0.0)


def loss_scale(x, y, K) -> np.ndarray:
    """sum |terms| of :func:`loss`: its float64 rounding is a small multiple of eps times this."""
    return sum(np.abs(t) for t in loss_terms(x, y, K))
