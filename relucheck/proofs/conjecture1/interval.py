"""Rigorous enclosures of Conjecture 1's G12, G21 and dG/dphi (L = sin a G; docs/math.md
section 4) on boxes in (a, x) away from a = 0, in python-flint ``arb`` balls: the pieces A to D,
the hand-made cancellations, the second-order Taylor form and the corner a = pi (Lemma P).
The derivation is docs/proof-conjecture1.md, section 11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from relucheck.proofs._arb import arb, float_bounds, hull, precision

IN, OUT = "in", "out"
REGIONS = (IN, OUT)


def _w_point(t):
    """w(t) = sin t - t cos t at a (narrow) ball; absolute error ~ |t| 2^-prec, tracked."""
    return t.sin() - t * t.cos()


def _w_interval(t):
    """w over the ball t (inside [-pi, pi], where w is increasing): [w(lo), w(hi)]."""
    return _w_point(t.lower()).union(_w_point(t.upper()))


def _p_point(a):
    """p(a) = pi - h(a) = 2 pi sin^2(a/2) - w(a), both terms positive, no cancellation of p."""
    return 2 * arb.pi() * (a / 2).sin() ** 2 - _w_point(a)


class Jet:
    """A quantity with its gradient and Hessian in (a, x), each an arb ball enclosing it over a
    box (or at a point): second-order forward differentiation for the Taylor (mean value) form
    of an enclosure. Components: v; da, dx; aa, ax, xx."""

    __slots__ = ("aa", "ax", "da", "dx", "v", "xx")

    def __init__(self, v, da=0, dx=0, aa=0, ax=0, xx=0):
        self.v, self.da, self.dx, self.aa, self.ax, self.xx = v, da, dx, aa, ax, xx

    @staticmethod
    def variable(value, axis: str) -> Jet:
        """The coordinate a or x itself over ``value``."""
        return Jet(value, 1, 0) if axis == "a" else Jet(value, 0, 1)

    @staticmethod
    def lift(c) -> Jet:
        return c if isinstance(c, Jet) else Jet(c)

    def __add__(self, o):
        o = Jet.lift(o)
        return Jet(self.v + o.v, self.da + o.da, self.dx + o.dx, self.aa + o.aa,
                   self.ax + o.ax, self.xx + o.xx)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.da, -self.dx, -self.aa, -self.ax, -self.xx)

    def __sub__(self, o):
        return self + (-Jet.lift(o))

    def __rsub__(self, o):
        return Jet.lift(o) + (-self)

    def __mul__(self, o):
        if not isinstance(o, Jet):  # a constant: no cross terms
            return Jet(self.v * o, self.da * o, self.dx * o, self.aa * o, self.ax * o,
                       self.xx * o)
        f, g = self, o
        return Jet(f.v * g.v,
                   f.da * g.v + f.v * g.da,
                   f.dx * g.v + f.v * g.dx,
                   f.aa * g.v + 2 * f.da * g.da + f.v * g.aa,
                   f.ax * g.v + f.da * g.dx + f.dx * g.da + f.v * g.ax,
                   f.xx * g.v + 2 * f.dx * g.dx + f.v * g.xx)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Jet):
            return self * (1 / arb(o))
        r = 1 / o.v  # 1/u: first derivative -1/u^2, second 2/u^3
        return self * o.chain(r, -r * r, 2 * r * r * r)

    def chain(self, f0, f1, f2) -> Jet:
        """f(self) from f, f', f'' enclosed over self.v."""
        return Jet(f0, f1 * self.da, f1 * self.dx,
                   f2 * self.da * self.da + f1 * self.aa,
                   f2 * self.da * self.dx + f1 * self.ax,
                   f2 * self.dx * self.dx + f1 * self.xx)

    def sin(self):
        s, c = self.v.sin(), self.v.cos()
        return self.chain(s, c, -s)

    def cos(self):
        s, c = self.v.sin(), self.v.cos()
        return self.chain(c, -s, -c)

    def union(self, o):
        return Jet(*(arb(x).union(y) for x, y in zip(
            (self.v, self.da, self.dx, self.aa, self.ax, self.xx),
            (o.v, o.da, o.dx, o.aa, o.ax, o.xx), strict=True)))


def _pi():
    return arb.pi()


def _w_of(t):
    """w(t) = sin t - t cos t over t (arb or Jet); the value by monotone hull on [-pi, pi]."""
    if isinstance(t, Jet):  # w' = t sin t, w'' = sin t + t cos t
        v = t.v
        return t.chain(_w_of(v), v * v.sin(), v.sin() + v * v.cos())
    pi = _pi()
    if t >= -pi and t <= pi:
        return _w_interval(t)
    return _w_point(t)


def _p_and_D(A):
    """p = pi - h(a) and D = p (2 pi - p) over A (arb or Jet with A.dx = 0); both increase
    with a (p' = (pi - a) sin a > 0, p <= pi), so their values are the hulls at the ends."""
    a = A.v if isinstance(A, Jet) else A
    two_pi = 2 * _pi()
    if a >= 0 and a <= _pi():  # certainly inside [0, pi], where the monotonicity holds
        lo, hi = a.lower(), a.upper()
        p_lo, p_hi = _p_point(lo), _p_point(hi)
        p = p_lo.union(p_hi)
        D = (p_lo * (two_pi - p_lo)).union(p_hi * (two_pi - p_hi))
    else:  # a ball reaching past 0 or pi (only ever a box too wide to certify): directly
        p = _p_point(a)
        D = p * (two_pi - p)
    if not isinstance(A, Jet):
        return p, D
    dp = (_pi() - a) * a.sin()  # p' ; p'' = (pi - a) cos a - sin a
    ddp = (_pi() - a) * a.cos() - a.sin()
    dD = (two_pi - 2 * p) * dp
    ddD = (two_pi - 2 * p) * ddp - 2 * dp * dp
    return A.chain(p, dp, ddp), A.chain(D, dD, ddD)


@dataclass(frozen=True)
class _Piece:
    """One piece: its folded angles on the box and the signs eps1, eps2."""

    name: str
    t1: object
    t2: object
    eps1: int
    eps2: int


def a_bounds(a_lo: float, a_hi: float, from_pi: bool = False):
    """The ends (lo, hi) of the box's a range as arb balls around the exact reals: the floats
    themselves, or with ``from_pi`` (the a -> pi end piece, whose boxes are given in
    e = pi - a) pi - a_hi and pi - a_lo, formed in arb from pi (never from a rounded float)."""
    if not from_pi:
        return arb(a_lo), arb(a_hi)
    return _pi() - arb(a_hi), _pi() - arb(a_lo)


def pi_minus_up(x: float) -> float:
    """pi - x rounded *up* to a float, decided in arb at 256 bits (a float subtraction
    np.pi - x is off by up to 1.2e-16 in either direction: np.pi is below pi)."""
    with precision(256):
        return float_bounds(arb.pi() - arb(x))[1]


def _pieces_met(region: str, a_lo: float, a_hi: float, x_lo: float,
               x_hi: float, from_pi: bool = False) -> list[tuple[str, float, float]]:
    """The pieces (A to D) the box may meet, each with an x range (float, rounded outward)
    holding every point of the box that lies in the piece.

    Outside the cone the piece boundaries are s_pi(a) = (pi - a)/(2 pi - a) (phi = pi),
    decreasing in a, and s_pia(a) = pi/(2 pi - a) (phi = a + pi), increasing in a, so
    B: s <= s_pi(a_lo); C: s_pi(a_hi) <= s <= s_pia(a_hi); D: s >= s_pia(a_lo). Restricting
    a piece's (analytic) formula to its part of the box keeps its continuation beyond the
    piece, which can curve away, out of the enclosure. ``from_pi``: see :func:`a_bounds`.
    """
    if region == IN:
        return [("A", x_lo, x_hi)]
    pi = _pi()

    def s_pi(a):
        return (pi - a) / (2 * pi - a)

    def s_pia(a):
        return pi / (2 * pi - a)

    lo_a, hi_a = a_bounds(a_lo, a_hi, from_pi)
    ranges = [("B", x_lo, min(x_hi, float_bounds(s_pi(lo_a))[1])),
              ("C", max(x_lo, float_bounds(s_pi(hi_a))[0]),
               min(x_hi, float_bounds(s_pia(hi_a))[1])),
              ("D", max(x_lo, float_bounds(s_pia(lo_a))[0]), x_hi)]
    return [(name, lo, hi) for name, lo, hi in ranges if lo <= hi]


def _piece(name: str, A, X) -> _Piece:
    """t1, t2 of a piece as functions of (a, x) (proof page section 11), for arb or Jet."""
    two_pi = 2 * _pi()
    if name == "A":
        return _Piece(name, A * X, A * (1 - X), 1, -1)
    q = two_pi - A
    if name == "B":
        return _Piece(name, A * (1 - X) + two_pi * X, X * q, 1, 1)
    if name == "C":
        return _Piece(name, (1 - X) * q, X * q, -1, 1)
    return _Piece(name, (1 - X) * q, two_pi * (1 - X) + A * X, -1, -1)


def _g(t):
    return (_pi() - t) * t.sin()


def value_forms(region: str, name: str, A, X):
    """(G12, G21) on one piece, over arb or Jet args (proof page section 11)."""
    pi = _pi()
    pc = _piece(name, A, X)
    p, D = _p_and_D(A)
    K = (pi - A) * A.sin() / D
    half = A * (X - 0.5) if region == IN else A * (0.5 - X) + 2 * pi * X  # phi - a/2
    dc = 2 * (A * 0.5).sin() * half.sin()  # cos t2 - cos t1, a product: no cancellation
    w1, w2 = _w_of(pc.t1), _w_of(pc.t2)
    h1, h2 = pi * pc.t1.cos() + w1, pi * pc.t2.cos() + w2
    g12 = pc.eps1 * _g(pc.t1) - K * (pi * (pi * dc + w2 - w1) + p * h1)
    g21 = -pc.eps2 * _g(pc.t2) - K * (pi * (-pi * dc + w1 - w2) + p * h2)
    return g12, g21


def slope_forms(region: str, name: str, A, X):
    """(dG12/dphi, dG21/dphi) on one piece, over arb or Jet args (proof page section 11)."""
    pi = _pi()
    pc = _piece(name, A, X)
    p, D = _p_and_D(A)
    H = pi - p
    K = (pi - A) * A.sin() / D
    g1, g2 = _g(pc.t1), _g(pc.t2)
    d12 = (pi - pc.t1) * pc.t1.cos() - pc.t1.sin() + K * (pi * pc.eps2 * g2 - H * pc.eps1 * g1)
    d21 = pc.t2.sin() - (pi - pc.t2) * pc.t2.cos() + K * (pi * pc.eps1 * g1 - H * pc.eps2 * g2)
    return d12, d21


FORMS = {"value": value_forms, "slope": slope_forms}


class PairEnclosure(NamedTuple):
    """Enclosures of F12 and F21 over a box, and how much of their width comes from the spread
    of a and of x (the radii of the gradient terms of the centred form): the side to bisect."""

    f12: object
    f21: object
    spread_a: float
    spread_x: float


def enclose(form: str, region: str, a_lo: float, a_hi: float, x_lo: float,
            x_hi: float, from_pi: bool = False) -> PairEnclosure:
    """Enclosures of (F12, F21), F = G (``form`` 'value') or dG/dphi ('slope'), over the box.

    Each piece the box may meet (on the part of the box's x range given by :func:`_pieces_met`)
    contributes the intersection of three enclosures: the direct one; the first-order form
    F(c) + grad F(sub-box) . d; and the second-order (Taylor) form
    F(c) + grad F(c) . d + d^T Hess F(sub-box) d / 2, with d = (a - a_c, x - x_c) and the
    centre c the float midpoint of the sub-box (Taylor's theorem with the Lagrange remainder:
    the piece's formula is analytic on the whole sub-box). The box's enclosure is the union
    over those pieces. ``from_pi``: a_lo, a_hi are e = pi - a (the a -> pi end piece); the
    centre is then a_c = pi - e_c, an arb ball around the exact real, and a - a_c = -(e - e_c).
    """
    f = FORMS[form]
    e_c = 0.5 * (a_lo + a_hi)
    dE = hull(a_lo, a_hi) - e_c
    if from_pi:
        A_c, dA = _pi() - arb(e_c), -dE
    else:
        A_c, dA = arb(e_c), dE
    A_lo, A_hi = a_bounds(a_lo, a_hi, from_pi)
    A_box = A_lo.union(A_hi)
    dA2 = arb(0).union(dA.abs_upper() ** 2)
    out = [None, None]
    spread_a = spread_x = 0.0
    for name, xl, xh in _pieces_met(region, a_lo, a_hi, x_lo, x_hi, from_pi):
        # the Taylor forms on the part of the box that can lie in this piece
        x_c = 0.5 * (xl + xh)
        dX = hull(xl, xh) - x_c
        dX2 = arb(0).union(dX.abs_upper() ** 2)
        dAX = dA * dX
        at_c = (Jet.variable(A_c, "a"), Jet.variable(arb(x_c), "x"))
        on_box = (Jet.variable(A_box, "a"), Jet.variable(hull(xl, xh), "x"))
        centre = f(region, name, *at_c)
        jets = f(region, name, *on_box)
        for k in range(2):
            c, j = centre[k], jets[k]
            first = c.v + j.da * dA + j.dx * dX
            ta, tx = c.da * dA, c.dx * dX
            qa, qx, qax = j.aa * dA2 / 2, j.xx * dX2 / 2, j.ax * dAX
            second = c.v + ta + tx + qa + qx + qax
            e = intersect(intersect(second, first), j.v)
            # what halving each side would remove, roughly: the side to bisect
            spread_a = max(spread_a, _radius(ta) + _radius(qa) + _radius(qax) / 2)
            spread_x = max(spread_x, _radius(tx) + _radius(qx) + _radius(qax) / 2)
            out[k] = e if out[k] is None else out[k].union(e)
    return PairEnclosure(out[0], out[1], spread_a, spread_x)


# --- the corner a = pi (the a -> pi end piece) --------------------------------------------------

#: The piece holding each line near a = pi, by region and line x_L.
LINE_PIECE = {(IN, 0.0): "A", (IN, 1.0): "A", (OUT, 0.0): "B", (OUT, 1.0): "D"}


def degenerate_index(region: str, x_line: float) -> int:
    """0 (G12) or 1 (G21): the function with a double zero where the line x = x_line meets
    a = pi. At a = pi, K_a = 0 and G12 = eps1 g(t1), G21 = -eps2 g(t2) with g(t) = (pi - t) sin t,
    g(pi) = g'(pi) = 0: G12 on phi = a (t1 = pi there), G21 on phi = 0 (t2 = pi)."""
    on_phi_a = (region == IN) == (x_line == 1.0)
    return 0 if on_phi_a else 1


def corner_enclose(region: str, e_hi: float, x_lo: float, x_hi: float) -> PairEnclosure:
    """The corner property of a box [pi - e_hi, pi] x [x_lo, x_hi] touching exactly one line
    x_L (docs/proof-conjecture1.md, Lemma P): for the function with the double zero at
    (pi, x_L), a quantity whose strict sign sigma S (sigma = +1 for x_L = 0, -1 for x_L = 1;
    S the claimed sign of G) proves G's strict sign S on the box off the line; for the other
    function the enclosure of dG/dphi (the slope property, same required sign sigma S).

    With eps = pi - a and G(a, x_L) = 0, d_x G(pi, x_L) = 0 on the line's piece:

    - line piece (A inside; B for x_L = 0, D for x_L = 1 outside), Taylor in x from the line and
      in a from pi: G = (x - x_L) [-eps M + (x - x_L)/2 H_xx], M = d2G/(da dx) on
      [pi - e_hi, pi] x {x_L}, H_xx = d2G/dx2 on the sub-box. Inside: hull(-M, sigma H_xx).
      Outside the piece is a wedge of width |x - x_L| <= eps / (pi + eps) <= eps / pi, so
      G / ((x - x_L) eps) = -M + sigma [0, 1/(2 pi)] H_xx.
    - piece C (outside), which reaches the corner P = (pi, x_L) where G_C(P) = 0 and
      grad G_C(P) = 0: G_C = d^T H d / 2 on the segment from P (Lagrange), strictly of sign S
      when H_aa, H_xx have sign S and H_ax^2 < H_aa H_xx: the quantity sigma hull(H_aa, H_xx).
    - any other piece: not certified (a box that wide is bisected).
    """
    x_line = 0.0 if x_lo == 0.0 else 1.0
    sigma = 1 if x_line == 0.0 else -1
    k = degenerate_index(region, x_line)
    slope = enclose("slope", region, 0.0, e_hi, x_lo, x_hi, from_pi=True)
    A_lo, A_hi = a_bounds(0.0, e_hi, True)
    A_box = Jet.variable(A_lo.union(A_hi), "a")
    line_piece = LINE_PIECE[(region, x_line)]
    undecided = arb(0).union(arb(1)).union(arb(-1))
    q = None
    for name, xl, xh in _pieces_met(region, 0.0, e_hi, x_lo, x_hi, True):
        if not xl <= x_line <= xh:  # the segment from the corner must lie in the sub-box
            part = undecided
        elif name == line_piece:
            M = value_forms(region, name, A_box, Jet.variable(arb(x_line), "x"))[k].ax
            Hxx = value_forms(region, name, A_box, Jet.variable(hull(xl, xh), "x"))[k].xx
            if region == IN:
                part = (-M).union(sigma * Hxx)
            else:
                part = -M + sigma * arb(0).union(1 / (2 * _pi())) * Hxx
        elif name == "C":
            j = value_forms(region, name, A_box, Jet.variable(hull(xl, xh), "x"))[k]
            part = sigma * arb(j.aa).union(j.xx) if j.ax * j.ax < j.aa * j.xx else undecided
        else:
            part = undecided
        q = part if q is None else q.union(part)
    out = [slope.f12, slope.f21]
    out[k] = q
    return PairEnclosure(out[0], out[1], slope.spread_a, slope.spread_x)


def _radius(x) -> float:
    return float(x.rad()) + abs(float(x.mid())) if x.is_finite() else float("inf")


def intersect(x, y):
    """x intersected with y (both enclose the same quantity, so they overlap)."""
    if not (x.is_finite() and y.is_finite()):
        return x if x.is_finite() else y
    return x.intersection(y)
