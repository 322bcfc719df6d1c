"""Hessians of the population loss by central differences of its analytic gradient.

The gradient (Eqn 8) is exact, so one level of differencing suffices: column i of the Hessian is
(g(x + h e_i) - g(x - h e_i)) / (2h), with truncation error O(h^2) and rounding O(eps |g| / h).
The error of the eigenvalues is bounded by the spectral norm of the error matrix (Weyl's
inequality); we estimate it by comparing the steps h and 2h: their truncation errors differ by a
factor 4, so |H_h - H_2h| is about three times the error of H_h, and serves as a conservative bound.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
