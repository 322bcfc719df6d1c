"""Finite differences: the checks that an analytic derivative is the derivative it claims to be.

``fd_derivatives``: central differences of the loss along chosen directions, with the error bound
|D_h - D_2h| + 2 eps_J / h (truncation about |D_h - D_2h| / 3, rounding eps_J / h; docs/math.md
section 7): tiny where J is smooth, large at a kink (w_j -> 0), which the callers report.

``fd_hessian``: central differences of an exact gradient, symmetrised; the eigenvalue error is
bounded (Weyl) by the spectral norm of H_h - H_2h, about three times the error of H_h. It checks
the analytic Hessian (:mod:`relucheck.theory.hessian`) and its compiled twin
(``relucheck.descent._kernels.hessian``); docs/math.md section 8.
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


def fd_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
               ) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised Hessians and their error bound for a batch of points.

    Parameters
    ----------
    grad : callable
        Maps a batch of flat parameter vectors (B, P) to gradients (B, P); it is called once with
        all 4 P perturbed copies of every point stacked on the batch axis.
    x : array (B, P)
    h : float
        The difference step (the error estimate uses h and 2h).

    Returns
    -------
    H : array (B, P, P)
    err : array (B,)
        Spectral norm of H_h - H_2h: an estimate (about 3x) of the eigenvalue error of H.
    """
    x = np.asarray(x, dtype=float)
    B, P = x.shape
    steps = np.array([h, -h, 2 * h, -2 * h])
    # (4, P, B, P): point b shifted along coordinate i by each step
    shifted = x[None, None, :, :] + steps[:, None, None, None] * np.eye(P)[None, :, None, :]
    g = grad(shifted.reshape(-1, P)).reshape(4, P, B, P)
    H1 = (g[0] - g[1]) / (2 * h)  # (P, B, P): [i, b, :] = column i
    H2 = (g[2] - g[3]) / (4 * h)
    H1 = np.moveaxis(H1, 1, 0).transpose(0, 2, 1)
    H2 = np.moveaxis(H2, 1, 0).transpose(0, 2, 1)
    H1 = 0.5 * (H1 + np.swapaxes(H1, 1, 2))
    H2 = 0.5 * (H2 + np.swapaxes(H2, 1, 2))
    err = np.linalg.norm(H1 - H2, ord=2, axis=(1, 2))
    return H1, err
