"""Population loss and gradients of the two-layer ReLU network (Eqns 2, 6 and 8).

Student g(x; W, a) = sum_j a_j relu(w_j . x), teacher g(x; W*, a*), x ~ N(0, I_d), and
J = 1/2 E[(g(x; W*, a*) - g(x; W, a))^2] (Eqn 2, per sample: N = 1). The paper's main case is
a = a* = 1. Rows of W are the K weight vectors w_j; every function broadcasts over leading axes,
so a batch of runs is one call.
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_angle, cos_sin_units, row_norm, unit
from relucheck.theory.kernel import arccos_kernel


def _top(a: np.ndarray | None, W: np.ndarray) -> np.ndarray:
    """Top-layer weights, defaulting to the paper's a_j = 1."""
    if a is None:
        return np.ones(W.shape[:-1])
    return np.broadcast_to(np.asarray(a, dtype=float), W.shape[:-1])


def _gram(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Kernel matrix k(u_j, v_k) for rows of U (..., K, d) and V (..., M, d)."""
    return arccos_kernel(U[..., :, None, :], V[..., None, :, :])


def population_loss(
    W: np.ndarray,
    W_star: np.ndarray,
    a: np.ndarray | None = None,
    a_star: np.ndarray | None = None,
) -> np.ndarray:
    """Exact population loss J (Eqn 2, N = 1) through the arc-cosine kernel.

    J = 1/2 [a^T K(W, W) a - 2 a^T K(W, W*) a* + a*^T K(W*, W*) a*].
    Zero rows are allowed here (a dead unit contributes nothing).
    """
    W = np.asarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    a = _top(a, W)
    a_star = _top(a_star, W_star)
    ww = np.einsum("...j,...jk,...k->...", a, _gram(W, W), a)
    ws = np.einsum("...j,...jk,...k->...", a, _gram(W, W_star), a_star)
    ss = np.einsum("...j,...jk,...k->...", a_star, _gram(W_star, W_star), a_star)
    # ww - 2 ws + ss is a squared norm; clip the rounding that can make it -1e-17 at W = W*.
    return np.maximum(0.5 * (ww - 2.0 * ws + ss), 0.0)


def _gated_sum(E: np.ndarray, V: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum_k b_k E[F(e_j, v_k)] (Eqn 5, N = 1) for unit rows E (..., K, d), rows V (..., M, d).

    Equal to (1/2pi) [sum_k b_k (pi - t_jk) v_k + (sum_k b_k |v_k| sin t_jk) e_j].
    """
    nv = row_norm(V)  # (..., M)
    # a zero v_k contributes 0 whatever its angle: give it any unit direction
    Vu = np.where((nv > 0)[..., None], V / np.where(nv > 0, nv, 1.0)[..., None], E[..., :1, :])
    t, _, sin_t = cos_sin_units(E[..., :, None, :], Vu[..., None, :, :])  # (..., K, M)
    mass = ((np.pi - t) * b[..., None, :]) @ V
    asym = (sin_t @ (b * nv)[..., None]) * E
    return (mass + asym) / (2.0 * np.pi)


def gradient_K(
    W: np.ndarray,
    W_star: np.ndarray,
    a: np.ndarray | None = None,
    a_star: np.ndarray | None = None,
) -> np.ndarray:
    """Population gradient E[grad_{w_j} J] of Eqn 8, with optional top weights.

    grad_{w_j} J = a_j [sum_k a_k E[F(e_j, w_k)] - sum_k a*_k E[F(e_j, w*_k)]],  e_j = w_j/|w_j|
    (Eqn 8 with N = 1; a = a* = 1 is the paper's equation as printed).

    Parameters
    ----------
    W : array (..., K, d)
        Student rows. A zero row raises ValueError (the gradient is undefined at w_j = 0).
    W_star : array (..., K*, d)
        Teacher rows (K* may differ from K).
    a, a_star : arrays (..., K), (..., K*) or None
        Top-layer weights; None means all ones.

    Returns
    -------
    array (..., K, d)
    """
    W = np.asarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    a = _top(a, W)
    a_star = _top(a_star, W_star)
    E = unit(W, name="W")
    # Both sums of Eqn 8 are gated by the same e_j: one call over [W; W*] with weights [a; -a*].
    batch = np.broadcast_shapes(W.shape[:-2], W_star.shape[:-2], a.shape[:-1], a_star.shape[:-1])
    V = np.concatenate([np.broadcast_to(W, batch + W.shape[-2:]),
                        np.broadcast_to(W_star, batch + W_star.shape[-2:])], axis=-2)
    b = np.concatenate([np.broadcast_to(a, batch + a.shape[-1:]),
                        -np.broadcast_to(a_star, batch + a_star.shape[-1:])], axis=-1)
    return a[..., None] * _gated_sum(E, V, b)


def gradient_a(
    W: np.ndarray,
    W_star: np.ndarray,
    a: np.ndarray | None = None,
    a_star: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of J with respect to the student's top weights a (docs/math.md section 2).

    dJ/da_j = sum_k a_k k(w_j, w_k) - sum_k a*_k k(w_j, w*_k), k the arc-cosine kernel.
    """
    W = np.asarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    a = _top(a, W)
    a_star = _top(a_star, W_star)
    return np.einsum("...jk,...k->...j", _gram(W, W), a) - np.einsum(
        "...jk,...k->...j", _gram(W, W_star), a_star
    )


def gradient_one_relu(w: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """One-ReLU population gradient, Eqn 6 (N = 1):

    E[grad J] = 1/2 (w - w*) + 1/(2 pi) (t w* - |w*| / |w| sin(t) w),  t = angle(w, w*).

    w (..., d) must be nonzero (ValueError otherwise); w* = 0 is allowed.
    """
    w = np.asarray(w, dtype=float)
    w_star = np.asarray(w_star, dtype=float)
    e = unit(w, name="w")
    ns = np.linalg.norm(w_star, axis=-1)
    safe_ws = np.where((ns > 0)[..., None], w_star, e)
    t, _, sin_t = cos_sin_angle(e, safe_ws)
    nw = np.linalg.norm(w, axis=-1)
    nonlinear = t[..., None] * w_star - (ns / nw * sin_t)[..., None] * w
    return 0.5 * (w - w_star) + nonlinear / (2.0 * np.pi)
