"""Angles between vectors and the function h(t) of the paper (Section 5, Eqn 10).

Angles are computed without arccos of a dot product: for unit vectors u and v,
|u - v| = 2 sin(t/2) and |u + v| = 2 cos(t/2), so t = 2 atan2(|u - v|, |u + v|) is accurate to
rounding for every t in [0, pi], including t near 0 and near pi where arccos loses half the digits.
"""

from __future__ import annotations

import numpy as np


def row_norm(x: np.ndarray) -> np.ndarray:
    """Euclidean norm along the last axis (as np.linalg.norm, without its per-call overhead)."""
    return np.sqrt(np.einsum("...i,...i->...", x, x))


def unit(w: np.ndarray, *, name: str = "w") -> np.ndarray:
    """Return w / |w| along the last axis.

    Raises
    ------
    ValueError
        If any vector is zero (or not finite): its direction, and with it the gating D(w) and
        the population gradient (Eqn 6), is undefined there.
    """
    w = np.asarray(w, dtype=float)
    norm = row_norm(w)[..., None]
    bad = ~(norm > 0) | ~np.isfinite(norm)
    if np.any(bad):
        idx = np.argwhere(bad[..., 0])[0]
        raise ValueError(
            f"{name} has a zero or non-finite row at index {tuple(int(i) for i in idx)}: "
            "the direction w/|w| and the population gradient are undefined at w = 0 "
            "(the one singularity of Eqn 6)"
        )
    return w / norm


def cos_sin_angle(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Angle t = angle(u, v) in [0, pi] with cos t and sin t, for nonzero u, v (last axis).

    cos t and sin t come from the half-angle norms, so sin t >= 0 is never lost to rounding:
    sin t = |u - v| |u + v| / 2 and cos t = (|u + v|^2 - |u - v|^2) / 4 for unit u, v.
    """
    return cos_sin_units(unit(u, name="u"), unit(v, name="v"))


def cos_sin_units(uu: np.ndarray, vv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cos_sin_angle` for vectors already of unit length (no normalisation, no checks)."""
    s = row_norm(uu - vv)  # 2 sin(t/2)
    c = row_norm(uu + vv)  # 2 cos(t/2)
    t = 2.0 * np.arctan2(s, c)
    return t, (c * c - s * s) / 4.0, s * c / 2.0


def angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle between u and v along the last axis, in [0, pi] (stable for all t)."""
    return cos_sin_angle(u, v)[0]


def h(t: np.ndarray) -> np.ndarray:
    """h(t) = (pi - t) cos t + sin t, t in [0, pi] (Section 5.2; h(0) = pi, h(pi) = 0)."""
    t = np.asarray(t, dtype=float)
    return (np.pi - t) * np.cos(t) + np.sin(t)
