"""Theorem 6: how likely a uniform initialisation in a small ball lands in Omega (Section 6.1).

P(w0 in Omega) = int_0^1 d s^(d-1) P(c > r s / 2) ds, with the tail P(c > t) of an incomplete
beta function, integrated over the radius fraction s (docs/math.md section 5, which gives the
derivation and the accuracy, better than 1e-12 absolute). The returned error is QUADPACK's.
"""

from __future__ import annotations

import numpy as np

#: Absolute accuracy asked of quad; the achieved error is ~1e-12 (tests/test_init_prob.py).
EPSABS = 1e-13


def _check_d(d: int) -> int:
    if int(d) != d or d < 2:
        raise ValueError(f"d: expected an integer >= 2, got {d!r}")
    return int(d)


def tail_c(t: np.ndarray, d: int) -> np.ndarray:
    """P(c > t) for c the first coordinate of a uniform unit vector in R^d (t >= 0).

    c^2 ~ Beta(1/2, (d - 1)/2), so P(c > t) = 1/2 P(c^2 > t^2) = 1/2 (1 - I_{t^2}(1/2, (d-1)/2))
    for 0 <= t <= 1 and 0 beyond (absolute error ~1e-16; docs/math.md section 5).
    """
    d = _check_d(d)
    t = np.asarray(t, dtype=float)
    tt = np.minimum(t, 1.0)
    from scipy.special import betainc  # imported here: slow to import

    return np.where(t < 1.0, 0.5 * (1.0 - betainc(0.5, 0.5 * (d - 1), tt * tt)), 0.0)


def omega_probability(r: float, d: int, epsabs: float = EPSABS) -> tuple[float, float]:
    """Exact P(w0 in Omega) for w0 uniform in the d-ball of radius r (|w*| = 1), Theorem 6.

    Returns
    -------
    (P, err) : the probability and QUADPACK's estimate of its absolute error.

    P -> 1/2 as r -> 0 (Omega looks like a half-space near the origin) and P = r^(-d) for
    r >= 2 (then Omega, of volume r^(-d) relative to B_r, lies inside B_r).
    """
    from scipy import integrate  # imported here: slow to import
    from scipy.special import betainc

    d = _check_d(d)
    r = float(r)
    if not r >= 0 or not np.isfinite(r):
        raise ValueError(f"r: expected a finite radius >= 0, got {r!r}")
    if r == 0.0:
        return 0.5, 0.0
    b = 0.5 * (d - 1)
    upper = min(1.0, 2.0 / r)  # beyond s = 2/r no point of the ball is in Omega

    def integrand(s: float) -> float:
        t = min(0.5 * r * s, 1.0)  # s <= 2/r; guard the rounding of the last node
        return d * s ** (d - 1) * 0.5 * (1.0 - float(betainc(0.5, b, t * t)))

    # Break points where the weight d s^(d-1) varies for large d (it lives in [1 - ~30/d, 1]).
    points = [p for p in upper * (1.0 - np.array([1.0, 4.0, 16.0, 64.0]) / d) if 0 < p < upper]
    value, err = integrate.quad(integrand, 0.0, upper, points=points or None, epsabs=epsabs,
                                epsrel=0.0, limit=200)
    return float(value), float(err)


def omega_probabilities(r: np.ndarray, d: int, epsabs: float = EPSABS) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """:func:`omega_probability` over an array of radii (one quad per radius)."""
    r = np.asarray(r, dtype=float)
    out = np.array([omega_probability(x, d, epsabs) for x in r.ravel()]).reshape(*r.shape, 2)
    return out[..., 0], out[..., 1]


def theorem6_radius(eps: np.ndarray, d: int) -> np.ndarray:
    """Largest radius of Theorem 6: r = eps sqrt(2 pi / (d + 1)) |w*| (|w*| = 1)."""
    d = _check_d(d)
    return np.asarray(eps, dtype=float) * np.sqrt(2.0 * np.pi / (d + 1))


def theorem6_bound(eps: np.ndarray) -> np.ndarray:
    """Theorem 6's lower bound (1 - eps) / 2 on the probability of convergence."""
    return (1.0 - np.asarray(eps, dtype=float)) / 2.0
