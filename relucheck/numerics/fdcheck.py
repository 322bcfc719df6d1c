"""Is the analytic gradient the derivative of the closed-form loss? Central differences of the
loss along chosen directions, each with an error bound from the differences themselves.

For f(s) = J(theta + s u), the central difference D_h = (f(h) - f(-h)) / 2h has truncation error
h^2 f'''/6 and rounding error at most eps_J / h (eps_J bounds the error of one evaluation of J).
D_h - D_2h = -3 h^2 f'''/6 + (rounding), so the truncation of D_h is about |D_h - D_2h| / 3; the
bound |D_h - D_2h| + 2 eps_J / h keeps a factor 3 on the first and 4/3 on the second. Where J is
smooth the bound is tiny and a wrong gradient cannot hide; at a kink (w_j -> 0) it is large, which
the callers report rather than hide.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Points per call of the loss.
CHUNK = 2048


def fd_derivatives(loss: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, U: np.ndarray,
                   rounding: np.ndarray, h: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """Directional derivatives of ``loss`` at each point along each unit direction.

    Parameters
    ----------
    loss : callable
        Maps flat parameters (n, P) to losses (n,).
    theta : array (B, P)
    U : array (B, M, P)
        Unit directions.
    rounding : array (B,)
        Bound on the rounding error of one evaluation of the loss at each point.
    h : float
        Relative step: the step is h max(1, rms(theta)).

    Returns
    -------
    D : array (B, M), the central differences with step h.
    bound : array (B, M), their error bound (see the module docstring).
    """
    theta = np.asarray(theta, dtype=float)
    B, P = theta.shape
    M = U.shape[1]
    step = h * np.maximum(1.0, np.sqrt(np.mean(theta**2, axis=1)))  # (B,)
    s = np.array([1.0, -1.0, 2.0, -2.0])
    pts = theta[:, None, None, :] + (s[None, None, :, None] * step[:, None, None, None]
                                     * U[:, :, None, :])  # (B, M, 4, P)
    flat = pts.reshape(-1, P)
    # in chunks, so that a loss with large temporaries per point keeps memory bounded
    J = np.concatenate([loss(flat[i:i + CHUNK]) for i in range(0, len(flat), CHUNK)])
    J = J.reshape(B, M, 4)
    D1 = (J[..., 0] - J[..., 1]) / (2 * step[:, None])
    D2 = (J[..., 2] - J[..., 3]) / (4 * step[:, None])
    return D1, np.abs(D1 - D2) + 2 * np.asarray(rounding)[:, None] / step[:, None]
