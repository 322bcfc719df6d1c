"""Uniform initialisations in the d-ball B_r = {w : |w| <= r} (Theorem 6), seeded and chunked.

A uniform point of B_r is r s u with u uniform on the sphere (a normalised Gaussian) and
s = U^(1/d), U ~ U(0, 1), so that P(|w| <= rho) = (rho / r)^d. Theorem 6's experiment only needs
each point's coordinates in the plane of w and w*: x = w . e* (along w*) and y = |w - x e*| (the
norm of the orthogonal part), so :func:`ball_plane_coordinates` draws the points in chunks of at
most ``budget`` floats and keeps two numbers per point: memory is O(n), not O(n d).
"""

from __future__ import annotations

import numpy as np

from relucheck.sampling.chunks import CHUNK_FLOATS, chunk_rows


def uniform_ball(rng: np.random.Generator, n: int, d: int, r: float = 1.0) -> np.ndarray:
    """n points uniform in the d-ball of radius r, shape (n, d).

    The directions are drawn first (n x d normals) and then the radii (n uniforms), so a chunked
    caller that draws the same counts in the same order consumes the same stream.
    """
    if d < 1 or n < 0:
        raise ValueError(f"uniform_ball: expected n >= 0 and d >= 1, got n={n}, d={d}")
    g = rng.standard_normal((n, d))
    radius = r * rng.random(n) ** (1.0 / d)
    return g * (radius / np.linalg.norm(g, axis=1))[:, None]


def ball_plane_coordinates(
    rng: np.random.Generator,
    n: int,
    d: int,
    r: float,
    e_star: np.ndarray,
    budget: int = CHUNK_FLOATS,
) -> tuple[np.ndarray, np.ndarray]:
    """Plane coordinates (x, y) of n points uniform in the d-ball of radius r.

    Parameters
    ----------
    e_star : array (d,)
        Unit vector along w*. x = w . e* and y = |w - x e*| >= 0. y comes from |w|^2 - x^2 (one
        pass over the chunk) except where that cancels (|w - x e*|^2 < 1e-3 |w|^2, w nearly
        parallel to e*), where the orthogonal part is formed and its norm taken.
    budget : int
        Floats per chunk; the points are drawn chunk by chunk from ``rng``, so the result depends
        on ``budget`` (chunking changes the order of draws) but never its memory use on n.
    """
    e_star = np.asarray(e_star, dtype=float)
    if e_star.shape != (d,) or not np.isclose(np.linalg.norm(e_star), 1.0, atol=1e-12):
        raise ValueError(f"e_star: expected a unit vector of length {d}")
    x = np.empty(n)
    y = np.empty(n)
    rows = chunk_rows(d, budget)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        # The draws of uniform_ball (directions, then radii), reduced without forming r s g/|g|.
        g = rng.standard_normal((stop - start, d))
        radius = r * rng.random(stop - start) ** (1.0 / d)
        gx = g @ e_star
        gg = np.einsum("ij,ij->i", g, g)
        gy2 = gg - gx * gx
        # |g|^2 - gx^2 cancels when g is nearly parallel to e*: redo those rows as the norm of
        # the orthogonal part (rare except for small d).
        close = gy2 < 1e-3 * gg
        if np.any(close):
            perp = g[close] - gx[close, None] * e_star
            gy2[close] = np.einsum("ij,ij->i", perp, perp)
        scale = radius / np.sqrt(gg)
        x[start:stop] = gx * scale
        y[start:stop] = np.sqrt(gy2) * scale
    return x, y
