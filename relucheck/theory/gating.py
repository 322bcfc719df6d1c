"""Population gating, Theorem 1 (Eqn 5).

F(e, w) = X^T D(e) D(w) X w with D(w) = diag(X w > 0). For x_i ~ N(0, I),

    E[F(e, w)] = N / (2 pi) [(pi - t) w + |w| sin(t) e],   t = angle(e, w).

relucheck normalises per sample (N = 1) unless a function takes ``n_samples``.
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_angle, unit


def expected_F(e: np.ndarray, w: np.ndarray, n_samples: float = 1.0) -> np.ndarray:
    """E[F(e, w)] of Eqn 5, broadcast over leading axes of e (..., d) and w (..., d).

    Parameters
    ----------
    e : array (..., d)
        Control direction. Only its direction matters (D(e) is scale invariant), so it is
        normalised here; a zero e raises ValueError.
    w : array (..., d)
        The weight being gated. w = 0 gives 0 (F is linear in w).
    n_samples : float
        The factor N of Eqn 5 (1 for the per-sample expectation).
    """
    e = unit(e, name="e")
    w = np.asarray(w, dtype=float)
    nw = np.linalg.norm(w, axis=-1)
    safe_w = np.where((nw > 0)[..., None], w, e)  # F(e, 0) = 0: any direction will do
    t, _, sin_t = cos_sin_angle(e, safe_w)
    out = (np.pi - t)[..., None] * w + (nw * sin_t)[..., None] * e
    return out * (n_samples / (2.0 * np.pi))
