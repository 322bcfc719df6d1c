"""Rigorous enclosures of Conjecture 1's functions on boxes that contain a = 0 (the a -> 0 end
piece): the patches in, B, C, D, the rescaled F = G / a^k and Taylor models in a that never divide
by a ball containing 0 (docs/proof-conjecture1.md section 5: Lemmas Z1, Z2 and T).
"""

from __future__ import annotations

from typing import NamedTuple

from relucheck.proofs._arb import arb, arb_series, ctx, hull
from relucheck.proofs.conjecture1 import interval as iv

PATCHES = ("in", "B", "C", "D")
#: The rescaling F = G / a^k of each patch.
RESCALE = {"in": 2, "B": 1, "C": 2, "D": 1}
#: Claimed sign of G (and F) in each patch.
SIGN = {"in": 1, "B": -1, "C": -1, "D": -1}
#: Terms kept beyond the vanishing order (the remainder is a^J times a Taylor coefficient).
J = 4


class Jets(NamedTuple):
    """F (value) and its partial derivatives over a box, for F12 and F21 (arb balls)."""

    f: tuple
    dx: tuple
    da: tuple | None


def _angles(patch: str, a, X):
    """(t1, t2, eps1, eps2) of the patch, for a series a and a ball X."""
    pi = arb.pi()
    if patch == "in":
        return a * X, a * (1 - X), 1, -1
    if patch == "B":
        return a + X * (pi - a), X * (pi - a), 1, 1
    if patch == "C":
        return pi - X * a, pi - (1 - X) * a, -1, 1
    if patch == "D":
        return (1 - X) * (pi - a), pi - X * (pi - a), -1, -1
    raise ValueError(f"unknown patch {patch!r}")


def numerators(patch: str, A0, X, m: int):
    """Power series in a around the ball A0 (length m + 1) of N12, N21, Ns12, Ns21 and D
    (docs/math.md section 4 with the common denominator D; docs/proof-conjecture1.md section 5)."""
    saved = ctx.cap
    ctx.cap = m + 1
    try:
        pi = arb.pi()
        a = arb_series([A0, 1])
        t1, t2, e1, e2 = _angles(patch, a, X)
        s1, c1 = t1.sin(), t1.cos()
        s2, c2 = t2.sin(), t2.cos()
        sa, ca = a.sin(), a.cos()
        g1, g2 = (pi - t1) * s1, (pi - t2) * s2
        h1, h2 = (pi - t1) * c1 + s1, (pi - t2) * c2 + s2
        H = (pi - a) * ca + sa
        p = pi - H
        D = p * (2 * pi - p)
        k = (pi - a) * sa  # K_a D
        N12 = e1 * g1 * D - k * (pi * h2 - H * h1)
        N21 = -e2 * g2 * D - k * (pi * h1 - H * h2)
        Ns12 = ((pi - t1) * c1 - s1) * D + k * (pi * e2 * g2 - H * e1 * g1)
        Ns21 = (s2 - (pi - t2) * c2) * D + k * (pi * e1 * g1 - H * e2 * g2)
        return [[s[j] for j in range(m + 1)] for s in (N12, N21, Ns12, Ns21, D)]
    finally:
        ctx.cap = saved


def _horner(coeffs, A):
    out = arb(0)
    for c in reversed(coeffs):
        out = out * A + c
    return out


def quotient_model(c0, cb, v: int, A, deriv: bool = False):
    """(f/a^v, d/da (f/a^v)) over the ball A (within [0, a_hi]) from the Taylor coefficients
    c0 at the exact point 0 and cb at the ball [0, a_hi] (Lemma T). The coefficients
    c0[0..v-1] are zero by Lemma Z1; a ball of them excluding 0 means a bug and raises."""
    m = len(c0) - 1
    for j in range(v):
        if not c0[j].contains(0):
            raise ArithmeticError(f"Lemma Z1 contradicted: Taylor coefficient {j} = {c0[j]}")
    poly = [c0[j] for j in range(v, m)] + [cb[m]]
    value = _horner(poly, A)
    if not deriv:
        return value, None
    n = len(poly) - 1  # = J
    dpoly = [i * poly[i] for i in range(1, n)] + [n * cb[m]]
    return value, _horner(dpoly, A)


def _models(patch: str, A, X, a_hi: float, deriv: bool):
    """(N12~, N21~, Ns12~, Ns21~, D~) as (value, derivative in a) pairs over A x X."""
    k = RESCALE[patch]
    m_val = k + 2 + J
    zero = numerators(patch, arb(0), X, m_val)
    ball = numerators(patch, hull(0.0, a_hi), X, m_val)
    orders = (k + 2, k + 2, 3, 3, 2)
    return [quotient_model(z, b, v, A, deriv) for z, b, v in zip(zero, ball, orders,
                                                                   strict=True)]


def _cx(patch: str, A):
    return arb(1) if patch in ("in", "C") else arb.pi() - A


def evaluate(patch: str, a_lo: float, a_hi: float, x_lo: float, x_hi: float,
             deriv: bool = False) -> Jets:
    """F = G / a^k (value: the direct enclosure intersected with the centred form in x),
    dF/dx and, with ``deriv``, dF/da, for F12 and F21 over [a_lo, a_hi] x [x_lo, x_hi]
    (0 <= a_lo, a_hi small)."""
    A, X = hull(a_lo, a_hi), hull(x_lo, x_hi)
    x_c = 0.5 * (x_lo + x_hi)
    box = _models(patch, A, X, a_hi, deriv)
    mid = _models(patch, A, arb(x_c), a_hi, False)
    (Dv, Dd) = box[4]
    cx = _cx(patch, A)
    f, dx, da = [], [], []
    for i in (0, 1):
        (Nv, Nd), (Sv, _) = box[i], box[2 + i]
        direct = Nv / Dv
        slope = cx * Sv / Dv
        centred = mid[i][0] / mid[4][0] + slope * (X - x_c)
        f.append(iv.intersect(direct, centred))
        dx.append(slope)
        if deriv:
            da.append((Nd * Dv - Nv * Dd) / (Dv * Dv))
    return Jets(tuple(f), tuple(dx), tuple(da) if deriv else None)


def value_at(patch: str, a: float, x: float):
    """(F12, F21) at the point (a, x) (a > 0 or a = 0, the limit)."""
    j = evaluate(patch, a, a, x, x)
    return j.f


def enclose(method: str, patch: str, a_lo: float, a_hi: float, x_lo: float,
            x_hi: float) -> iv.PairEnclosure:
    """The enclosures the method of a box of the a -> 0 end piece uses, for F12 and F21:

    - ``value``: F = G / a^k (strict sign SIGN[patch] proves G's sign for every a > 0);
    - ``slope``: dF/dx (the box touches a line, where F = 0);
    - ``gradient`` (B with x_hi = 1, D with x_lo = 0: the box reaches phi = pi, where F -> 0
      as a -> 0, Lemma Z2): on B hull(dF/da, -dF/dx), on D hull(dF/da, dF/dx), joined with F
      at the anchor (a_lo, x_edge) when a_lo > 0; strictly negative proves F < 0 for a > 0 by
      the mean value theorem along the segment from the anchor (F = 0 there when a_lo = 0).

    The spreads (which side to bisect) are |dF/da| and |dF/dx| times the box's sides."""
    j = evaluate(patch, a_lo, a_hi, x_lo, x_hi, deriv=True)
    if method == "value":
        out = j.f
    elif method == "slope":
        out = j.dx
    elif method == "gradient":
        edge = 1.0 if patch == "B" else 0.0
        sx = -1 if patch == "B" else 1
        out = []
        for i in (0, 1):
            q = j.da[i].union(sx * j.dx[i])
            if a_lo > 0:
                q = q.union(value_at(patch, a_lo, edge)[i])
            out.append(q)
    else:
        raise ValueError(f"unknown method {method!r}")
    spread_a = max(_mag(d) for d in j.da) * (a_hi - a_lo)
    spread_x = max(_mag(d) for d in j.dx) * (x_hi - x_lo)
    return iv.PairEnclosure(out[0], out[1], spread_a, spread_x)


def _mag(x) -> float:
    return float(x.abs_upper()) if x.is_finite() else float("inf")
