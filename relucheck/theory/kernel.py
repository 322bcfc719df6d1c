"""The arc-cosine kernel: the second moment of two ReLUs under Gaussian input.

E_x[relu(u . x) relu(v . x)] = |u| |v| h(t_uv) / (2 pi), x ~ N(0, I)  (docs/math.md section 2; it is
the inner product behind the loss of Eqn 2 and the normal equations of Section 5.1).
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_angle


def arccos_kernel(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """k(u, v) = |u| |v| h(angle(u, v)) / (2 pi), broadcast over leading axes.

    A zero vector gives k = 0 (relu(0 . x) = 0), which is the limit of the formula.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    # Replace zero vectors by any direction: their kernel is multiplied by |u| |v| = 0 anyway.
    safe_u = np.where((nu > 0)[..., None], u, 1.0)
    safe_v = np.where((nv > 0)[..., None], v, 1.0)
    t, cos_t, sin_t = cos_sin_angle(safe_u, safe_v)
    return nu * nv * ((np.pi - t) * cos_t + sin_t) / (2.0 * np.pi)
