"""The K x K matrix of L_{jj'} (Eqn 14) for any K, in one call (Section 5.2; docs/math.md
section 4): one K x K solve of M_r serves all K^2 entries, whose m and m* come from
:mod:`relucheck.theory.critical`. :func:`L_matrix` refuses with :class:`DependentUnitsError`
where M_r is too ill-conditioned (dependent ReLU features) to leave half the digits.
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_units, unit
from relucheck.theory.critical import M_r, m_jj, m_star_jj, pi_minus_h

#: Refuse when cond(M_r) exceeds this: the solve would keep fewer than half of float64's
#: 16 digits (1 / sqrt(eps) = 6.7e7). For K = 2 it is an angle of about 2e-4 rad between e_1, e_2.
MAX_COND = 1e8


class DependentUnitsError(ValueError):
    """M_r of Eqn 13 is (numerically) singular: the units are (nearly) linearly dependent.

    Attributes
    ----------
    units : tuple of int
        The closest pair (j, k) of units, by angle: the pair to blame when two units are
        nearly parallel (the message says whether that pair alone makes M_r ill-conditioned).
    angle : float
        theta_j^l, their angle in radians.
    cond : float
        cond(M_r) (inf when M_r is singular to rounding).
    index : tuple of int
        Position in the batch (() for a single E).
    """

    def __init__(self, message: str, units: tuple[int, int], angle: float, cond: float,
                 index: tuple[int, ...]) -> None:
        super().__init__(message)
        self.units, self.angle, self.cond, self.index = units, angle, cond, index


def _check_independent(Mr: np.ndarray, theta: np.ndarray, max_cond: float) -> None:
    """Raise DependentUnitsError where cond(M_r) > max_cond (M_r symmetric, PSD in exact
    arithmetic, so its condition number is the ratio of extreme eigenvalues)."""
    lam = np.linalg.eigvalsh(Mr)
    lo, hi = lam[..., 0], lam[..., -1]
    bad = ~(lo * max_cond >= hi)  # also True for lo <= 0 and for NaN, without dividing
    if not np.any(bad):
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    th = np.array(theta[index], dtype=float)
    np.fill_diagonal(th, np.inf)
    j, k = (int(i) for i in np.unravel_index(np.argmin(th), th.shape))
    cond = float(hi[index] / lo[index]) if lo[index] > 0 else float("inf")
    where = f" at batch index {index}" if index else ""
    a = th[j, k]
    # The pair's own 2 x 2 M_r = [[pi, h(a)], [h(a), pi]] has cond (pi + h(a)) / (pi - h(a)).
    if (2 * np.pi - pi_minus_h(a)) > max_cond * pi_minus_h(a):
        why = (f"units {j} and {k} are nearly parallel (angle {a:.3g} rad), and parallel units "
               "make M_r singular (Section 5.3). For K = 2, relucheck.theory.critical.L_plane "
               "stays accurate at small angles.")
    else:
        why = (f"no two units are that close (the closest, units {j} and {k}, are at angle "
               f"{a:.3g} rad): the features relu(e_l . x) are nearly dependent in another way, "
               "e.g. more than d antiparallel pairs (relu(e.x) - relu(-e.x) = e.x, and d + 1 "
               "linear functions of x in R^d are dependent).")
    raise DependentUnitsError(
        f"L_matrix: the units of E{where} are (nearly) linearly dependent: M_r (Eqn 13) has "
        f"condition number {cond:.3g} > max_cond = {max_cond:.3g}, so Eqn 14 would keep fewer "
        f"than half of its digits; {why}",
        (j, k), float(th[j, k]), cond, index)


def L_matrix(E: np.ndarray, e_star: np.ndarray, *, max_cond: float = MAX_COND) -> np.ndarray:
    """The K x K matrix of L_{jj'} (Eqn 14) for K unit weights and one teacher direction.

    L_{jj'} = m*_{jj'} - v^T M_r^{-1} m_{jj'} (Eqns 11 to 14), with theta_j^k = angle(e_j, e_k),
    theta*_l = angle(e*, e_l), v_l = h(theta*_l), M_r[j, k] = h(theta_j^k) and
    m_{jj',k} = (pi - theta_j^k) cos theta_{j'}^k + sin theta_j^k cos theta_{j'}^j. It is the
    residual of the in-plane normal equation (j, j') (Eqn 10) once the diagonal constraints
    (Eqn 13) are solved for the norms: Theorem 3 says W is not a critical point when, for some
    (j, j'), L_{jj'} has one strict sign for every teacher unit.

    Parameters
    ----------
    E : array (..., K, d)
        The student weights; only their directions matter (rows are normalised). A zero or
        non-finite row raises ValueError.
    e_star : array (..., d)
        One teacher direction (normalised here); batch axes broadcast against E's.
    max_cond : float, optional
        Largest condition number of M_r accepted (default :data:`MAX_COND`, 1e8).

    Returns
    -------
    array (..., K, K)
        L[..., j, j'] = L_{jj'}. Proposition 1: the diagonal is 0, and the whole matrix is 0
        when e* equals some e_l (both up to rounding). Absolute accuracy about
        (16 + 4K) eps cond(M_r) (|m*| + |v| |M_r^{-1} v| max|m|).

    Raises
    ------
    DependentUnitsError
        (a ValueError) when cond(M_r) > max_cond: the units are (nearly) linearly dependent,
        typically two nearly parallel units; the message names the closest pair.

    Examples
    --------
    Two units at a = 3 pi / 8 and e* at phi = pi / 8, inside their cone (docs/math.md section 4
    lists L12 = 0.364462883427043, L21 = 0.304190189760724 here):

    >>> import numpy as np
    >>> a, phi = 3 * np.pi / 8, np.pi / 8
    >>> E = np.array([[1.0, 0.0], [np.cos(a), np.sin(a)]])
    >>> L = L_matrix(E, np.array([np.cos(phi), np.sin(phi)]))
    >>> print(f"{L[0, 1]:.12f} {L[1, 0]:.12f} {abs(L[0, 0]) < 1e-15}")
    0.364462883427 0.304190189761 True

    Two parallel units make M_r singular:

    >>> L_matrix(np.array([[1.0, 0.0], [2.0, 0.0]]), np.array([0.0, 1.0]))
    Traceback (most recent call last):
    ...
    relucheck.theory.lmatrix.DependentUnitsError: L_matrix: the units of E are (nearly) ...
    """
    E = unit(E, name="E")
    e_star = unit(e_star, name="e_star")
    if E.ndim < 2 or E.shape[-1] != e_star.shape[-1]:
        raise ValueError(f"E {E.shape} and e_star {e_star.shape}: expected (..., K, d) and "
                         "(..., d) with the same d")
    if not max_cond > 1:
        raise ValueError(f"max_cond: expected a number > 1, got {max_cond!r}")
    K = E.shape[-2]
    theta = cos_sin_units(E[..., :, None, :], E[..., None, :, :])[0]  # (..., K, K)
    theta_star = cos_sin_units(E, e_star[..., None, :])[0]  # (..., K)
    Mr = M_r(theta)
    _check_independent(Mr, theta, max_cond)
    v = M_r(theta_star)  # v_l = h(theta*_l): the same elementwise h
    batch = np.broadcast_shapes(Mr.shape[:-2], v.shape[:-1])
    x = np.linalg.solve(np.broadcast_to(Mr, batch + (K, K)),
                        np.broadcast_to(v, batch + (K,))[..., None])[..., 0]  # M_r^{-1} v
    j, jp = np.indices((K, K))
    m = m_jj(theta, j, jp)  # (..., K, K, K): m[..., j, j', k] = m_{jj',k} (Eqn 11)
    m_star = m_star_jj(theta_star, theta, j, jp)  # (..., K, K)
    return m_star - np.einsum("...pqk,...k->...pq", m, x)
