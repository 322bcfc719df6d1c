"""Random inputs and random (e, w) pairs for the Monte Carlo checks (docs/math.md section 3)."""

from __future__ import annotations

import numpy as np

DISTRIBUTIONS = ("gaussian", "uniform")


def sample_inputs(rng: np.random.Generator, n: int, d: int, dist: str) -> np.ndarray:
    """n input rows in R^d: N(0, I) ('gaussian') or uniform on [-1/2, 1/2]^d ('uniform')."""
    if dist == "gaussian":
        return rng.standard_normal((n, d))
    if dist == "uniform":
        return rng.uniform(-0.5, 0.5, size=(n, d))
    raise ValueError(f"unknown input distribution {dist!r}; expected one of {DISTRIBUTIONS}")


def uniform_sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n points uniform on the unit sphere S^{d-1} (normalised Gaussians)."""
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def pairs_at_angles(
    rng: np.random.Generator, t: np.ndarray, d: int, w_norm: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (e, w) in R^d with angle(e, w) = t exactly (up to rounding).

    e is uniform on the sphere, u is uniform among unit vectors orthogonal to e, and
    w = |w| (cos t e + sin t u). Returns (e, w, u), each (len(t), d).
    """
    t = np.asarray(t, dtype=float)
    e = uniform_sphere(rng, t.size, d)
    g = rng.standard_normal((t.size, d))
    g -= np.sum(g * e, axis=1, keepdims=True) * e
    u = g / np.linalg.norm(g, axis=1, keepdims=True)
    w = w_norm * (np.cos(t)[:, None] * e + np.sin(t)[:, None] * u)
    return e, w, u
