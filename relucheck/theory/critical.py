"""Critical-point functions of Section 5: M_r, m_{jj'} and L_{jj'} (Eqns 10 to 14), and their
K = 2 in-plane reduction behind Conjecture 1 and Figure 10 (docs/math.md section 4).

:func:`L_jj` evaluates Eqn 14 as written (a batched solve; the reference); :func:`L_plane` the
K = 2 form without the cancellation of M_r^{-1} as a -> 0 (derived in docs/math.md section 4);
:func:`L_plane_textbook` the printed formula.
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_angle, unit

#: Below this |x|, sin x - x cos x is summed from its series (the direct form loses
#: about log10(3/x^2) digits; at 0.5 the series' 12 terms reach 1e-27 relative).
SERIES_CUTOFF = 0.5
_SERIES_TERMS = 12


def _h(t: np.ndarray, cos_t: np.ndarray, sin_t: np.ndarray) -> np.ndarray:
    """h(t) = (pi - t) cos t + sin t with cos t, sin t supplied (Section 5.2)."""
    return (np.pi - t) * cos_t + sin_t


def M_r(theta: np.ndarray) -> np.ndarray:
    """M_r = h(Theta) elementwise for a (..., K, K) matrix of angles theta_j^k (Eqn 13)."""
    theta = np.asarray(theta, dtype=float)
    return _h(theta, np.cos(theta), np.sin(theta))


def m_jj(theta: np.ndarray, j: int, jp: int) -> np.ndarray:
    """The vector m_{jj'} = (m_{jj',k})_k of Eqn 11 from the (..., K, K) angle matrix.

    m_{jj',k} = (pi - theta_j^k) cos theta_{j'}^k + sin theta_j^k cos theta_{j'}^j.
    """
    theta = np.asarray(theta, dtype=float)
    tj, tjp = theta[..., j, :], theta[..., jp, :]
    return (np.pi - tj) * np.cos(tjp) + np.sin(tj) * np.cos(theta[..., jp, j])[..., None]


def m_star_jj(theta_star: np.ndarray, theta: np.ndarray, j: int, jp: int) -> np.ndarray:
    """m*_{jj'} = (pi - theta*_j) cos theta*_{j'} + sin theta*_j cos theta_{j'}^j (Eqns 12, 14)."""
    ts = np.asarray(theta_star, dtype=float)
    theta = np.asarray(theta, dtype=float)
    return ((np.pi - ts[..., j]) * np.cos(ts[..., jp])
            + np.sin(ts[..., j]) * np.cos(theta[..., jp, j]))


def L_jj(E: np.ndarray, e_star: np.ndarray, j: int, jp: int) -> np.ndarray:
    """L_{jj'} of Eqn 14 for K weights E (..., K, d) and a teacher direction e* (..., d).

    Only directions matter (rows are normalised; a zero row raises ValueError). Angles come from
    the stable half-angle formula. M_r must be invertible: the e_l pairwise distinct.
    Proposition 1: the result is 0 when e* equals some e_l, and L_jj = 0 always.
    """
    E = unit(E, name="E")
    e_star = unit(e_star, name="e_star")
    theta = cos_sin_angle(E[..., :, None, :], E[..., None, :, :])[0]  # (..., K, K)
    theta_star = cos_sin_angle(E, e_star[..., None, :])[0]  # (..., K)
    v = M_r(theta_star)
    m = m_jj(theta, j, jp)
    x = np.linalg.solve(M_r(theta), m[..., None])[..., 0]
    return m_star_jj(theta_star, theta, j, jp) - np.sum(v * x, axis=-1)


def plane_angles(a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, ...]:
    """t1 = angle(e*, e1), t2 = angle(e*, e2) and their cosines and sines (K = 2, in plane).

    Angles are folded differences, never arccos of a dot product; the cosines and sines use only
    cos phi, sin phi, cos a, sin a (docs/math.md section 4, cheap evaluation):
    cos t1 = cos phi, sin t1 = |sin phi|, cos t2 = cos phi cos a + sin phi sin a,
    sin t2 = |sin phi cos a - cos phi sin a|.
    """
    a = np.asarray(a, dtype=float)
    phi = np.asarray(phi, dtype=float)
    t1 = np.pi - np.abs(np.pi - np.mod(phi, 2 * np.pi))
    t2 = np.pi - np.abs(np.pi - np.mod(phi - a, 2 * np.pi))
    cp, sp, ca, sa = np.cos(phi), np.sin(phi), np.cos(a), np.sin(a)
    return t1, t2, cp, np.abs(sp), cp * ca + sp * sa, np.abs(sp * ca - cp * sa)


def L_plane_textbook(a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L12, L21) for K = 2 in the plane, docs/math.md section 4 as printed (Eqn 14 with the
    explicit 2 x 2 inverse of M_r). Cancels catastrophically as a -> 0: kept as the trap to test
    against."""
    a = np.asarray(a, dtype=float)
    t1, t2, c1, s1, c2, s2 = plane_angles(a, phi)
    ca, sa = np.cos(a), np.sin(a)
    H = _h(a, ca, sa)
    det = np.pi**2 - H**2
    v1, v2 = _h(t1, c1, s1), _h(t2, c2, s2)
    m_diag, m_off = np.pi * ca, (np.pi - a) + sa * ca

    def quad(x1, x2):  # v^T M_r^{-1} (x1, x2)
        return (v1 * (np.pi * x1 - H * x2) + v2 * (np.pi * x2 - H * x1)) / det

    L12 = (np.pi - t1) * c2 + s1 * ca - quad(m_diag, m_off)
    L21 = (np.pi - t2) * c1 + s2 * ca - quad(m_off, m_diag)
    return L12, L21


def sin_minus_x_cos(x: np.ndarray) -> np.ndarray:
    """w(x) = sin x - x cos x (= x^3/3 - x^5/30 + ...), accurate to rounding for all x.

    Series sum_{k>=1} (-1)^(k+1) 2k x^(2k+1) / (2k+1)! below ``SERIES_CUTOFF``, direct above.
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < SERIES_CUTOFF
    xs = np.where(small, x, 0.0)
    x2 = xs * xs
    acc = np.zeros_like(xs)
    for k in range(_SERIES_TERMS, 0, -1):  # Horner in x^2, smallest terms first
        coef = (-1) ** (k + 1) * 2 * k / _factorial(2 * k + 1)
        acc = acc * x2 + coef
    series = acc * x2 * xs
    return np.where(small, series, np.sin(x) - x * np.cos(x))


def _factorial(n: int) -> float:
    out = 1.0
    for i in range(2, n + 1):
        out *= i
    return out


def pi_minus_h(a: np.ndarray) -> np.ndarray:
    """pi - h(a) = 2 pi sin^2(a/2) - (sin a - a cos a) for a in [0, pi], without cancellation
    (both terms are positive and the first is at least twice the second)."""
    a = np.asarray(a, dtype=float)
    return 2 * np.pi * np.sin(a / 2) ** 2 - sin_minus_x_cos(a)


def L_plane(a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L12, L21) for K = 2 in the plane by the reduced form of Eqn 14 (docs/math.md section 4).

    a in (0, pi) is the angle between e1 = (1, 0) and e2 = (cos a, sin a); phi is the angle of
    e* (any real, taken mod 2 pi). Equal to :func:`L_plane_textbook` in exact arithmetic, but
    without its 1/a^2 cancellation; one transcendental call set per point (the grid sweep in
    relucheck.proofs.conjecture1.grid avoids even that).
    """
    a = np.asarray(a, dtype=float)
    phi = np.asarray(phi, dtype=float)
    t1, t2, c1, s1, c2, s2 = plane_angles(a, phi)
    sa = np.sin(a)
    pmh = pi_minus_h(a)
    H = np.pi - pmh
    K_a = (np.pi - a) * sa / (pmh * (np.pi + H))
    h1, h2 = _h(t1, c1, s1), _h(t2, c2, s2)
    L12 = sa * ((np.pi - t1) * np.sin(phi) - K_a * (np.pi * h2 - H * h1))
    L21 = sa * (-(np.pi - t2) * np.sin(phi - a) - K_a * (np.pi * h1 - H * h2))
    return L12, L21
