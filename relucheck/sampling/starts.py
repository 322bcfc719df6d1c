"""Starts of gradient descent built from the teacher: Theorem 7's symmetric start, with noise
(Conjecture 2; docs/math.md section 12)."""

from __future__ import annotations

import math

import numpy as np


def symmetric_start(W_star: np.ndarray, x0: float, y0: float, sigma: float, runs: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Conjecture 2's starts, shape (runs, K, d): w_j^0 = x0 w*_j + y0 sum_{l != j} w*_l + eps_j.

    ``W_star`` (K, d) holds the teacher's rows w*_j; eps_j ~ N(0, (sigma^2 / d) I_d), so sigma is
    the noise's expected size per unit, E|eps_j|^2 = sigma^2, against |w*_j| = 1. sigma = 0 is
    Theorem 7's start [x0, y0, ..., y0] in the teacher's basis (no draw is made).
    """
    W_star = np.asarray(W_star, dtype=float)
    if W_star.ndim != 2:
        raise ValueError(f"W_star: expected shape (K, d), got {W_star.shape}")
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma: expected a finite number >= 0, got {sigma}")
    K, d = W_star.shape
    base = (x0 - y0) * W_star + y0 * W_star.sum(axis=0)
    if sigma == 0:
        return np.broadcast_to(base, (runs, K, d)).copy()
    return base + (sigma / math.sqrt(d)) * rng.standard_normal((runs, K, d))
