"""Theorem 6: how likely a uniform initialisation in a small ball lands in Omega (Section 6.1).

Omega = {w : |w - w*| < |w*|} lies in the basin of w* (Theorem 5). For w0 uniform in the ball
B_r = {|w| <= r} and |w*| = 1 (Eqn 6 is homogeneous of degree 1 in (w, w*), so r is r / |w*|):
write w0 = r s u with s^d ~ U(0, 1) and u uniform on the sphere, c = u . w*/|w*|. Then
|w0 - w*|^2 < 1 iff r s < 2 c, c^2 ~ Beta(1/2, (d - 1)/2), and (docs/math.md section 5)

    P(w0 in Omega) = int_0^1 d s^(d-1) P(c > r s / 2) ds,
    P(c > t) = 1/2 I_{1 - t^2}((d - 1)/2, 1/2) = 1/2 (1 - I_{t^2}(1/2, (d - 1)/2)),  0 <= t <= 1,

and P(c > t) = 0 for t >= 1. The integral runs over the radius fraction s, never over rho = r s:
the density rho^(d-1) / r^d overflows for large d.

Accuracy. The tail is evaluated as 1/2 (1 - betainc(1/2, (d - 1)/2, t^2)), accurate to ~1e-16
absolute for every t: the form of docs/math.md with the argument 1 - t^2 loses the digits of t^2
when t is small (an absolute error of about 1e-16 / t in the tail), and scipy's
betaincc(1/2, 1/2, x) is off by up to 6e-11 for x < 1e-12 (scipy 1.17; d = 2, small r s).
quad (QUADPACK QAGP, with break points at s = 1 - k/d where the weight d s^(d-1) is
concentrated for large d, and the upper limit min(1, 2/r) beyond which the integrand vanishes)
is asked for 1e-13 absolute. The result is accurate to better than 1e-12 absolute for
2 <= d <= 10^4 and r from 1e-9 to beyond 2 (measured worst 3e-14 against a 50-digit mpmath
evaluation of the independent lens-volume formula, tests/test_init_prob.py), well inside the
1e-10 the margin of Theorem 6 needs. The returned error is QUADPACK's estimate.
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
    for 0 <= t <= 1 and 0 beyond (absolute error ~1e-16; see the module docstring).
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
