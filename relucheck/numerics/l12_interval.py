"""Rigorous enclosures of Conjecture 1's functions on boxes, in python-flint ``arb`` balls.

K = 2 in the plane (MATH.md section 4; :mod:`relucheck.theory.critical`): L12 = sin a G12 and
L21 = sin a G21 with, for H = h(a), p = pi - H, K_a = (pi - a) sin a / (p (pi + H)),

    G12 = (pi - t1) sin phi        - K_a (pi h(t2) - H h(t1))
    G21 = -(pi - t2) sin(phi - a)  - K_a (pi h(t1) - H h(t2)).

sin a > 0 on (0, pi), so sign L = sign G and the proof works with G, which stays O(1) as a -> pi
where L -> 0 like sin a.

Coordinates. The cone collapses as a -> 0, so boxes live in coordinates that keep it fixed:
inside the cone phi = u a (u in [0, 1]); outside phi = a + s (2 pi - a) (s in [0, 1]). The
lines where L = 0 by Proposition 1 (phi = 0 and phi = a) are u = 0, 1 and s = 0, 1.

Pieces. On each piece the folded angles t1 = angle(e*, e1), t2 = angle(e*, e2) are affine in
(a, phi) and sin phi = eps1 sin t1, sin(phi - a) = eps2 sin t2, d t_i / d phi = eps_i:

    piece A  0 <= phi <= a          t1 = u a             t2 = (1 - u) a           eps = (+, -)
    piece B  a <= phi <= pi         t1 = a + s q         t2 = s q                 eps = (+, +)
    piece C  pi <= phi <= a + pi    t1 = (1 - s) q       t2 = s q                 eps = (-, +)
    piece D  a + pi <= phi <= 2 pi  t1 = (1 - s) q       t2 = 2 pi - s q          eps = (-, -)

with q = 2 pi - a, each written so that every variable occurs once where it can (the dependency
problem of interval arithmetic). A box that may meet several pieces is enclosed by the union of
the pieces' enclosures, each piece's formula evaluated on the whole box (a superset of the part
that lies in it, so the union is sound) with t_i clipped to [0, pi], where it lies on that part.

Cancellation. As a -> 0 the two terms of G are O(a) and cancel to O(a^2) (O(a) in the bulk
outside). Evaluating h(t) = (pi - t) cos t + sin t on an interval would widen by 2 |t| where the
true spread is pi t |t|, so h(t) = pi cos t + w(t) with w(t) = sin t - t cos t, which increases
on [-pi, pi] (w' = t sin t) and is enclosed by its values at the ends; cos t2 - cos t1 =
2 sin(a/2) sin(phi - a/2) (a product, no difference); p = 2 pi sin^2(a/2) - w(a) and
D = p (2 pi - p) increase with a and are enclosed by their values at the ends of [a].

Derivatives (for boxes on the lines, where the value cannot have a strict sign), with
g(t) = (pi - t) sin t = -h'(t):

    dG12/dphi = (pi - t1) cos t1 - sin t1 + K_a (pi eps2 g(t2) - H eps1 g(t1))
    dG21/dphi = sin t2 - (pi - t2) cos t2 + K_a (pi eps1 g(t1) - H eps2 g(t2)).

``flint`` is imported when the module is; :func:`require_flint` gives the install hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

try:  # python-flint is the optional extra ``certify``
    from flint import arb, ctx
except ImportError:  # pragma: no cover - exercised by require_flint's message
    arb = ctx = None

IN, OUT = "in", "out"
REGIONS = (IN, OUT)
FLINT_HINT = ("the interval proof needs python-flint (arb ball arithmetic): "
              "pip install 'relucheck[certify]'")


def require_flint() -> None:
    """Raise ImportError with the install hint when python-flint is missing."""
    if arb is None:
        raise ImportError(FLINT_HINT)


def set_precision(bits: int) -> None:
    """Working precision of every arb operation in this process (python-flint's global ctx)."""
    require_flint()
    ctx.prec = int(bits)


def hull(lo: float, hi: float):
    """The ball containing the closed interval [lo, hi] (floats are exact dyadics)."""
    return arb(lo).union(arb(hi))


def _w_point(t):
    """w(t) = sin t - t cos t at a (narrow) ball; absolute error ~ |t| 2^-prec, tracked."""
    return t.sin() - t * t.cos()


def w_interval(t):
    """w over the ball t (inside [-pi, pi], where w is increasing): [w(lo), w(hi)]."""
    return _w_point(t.lower()).union(_w_point(t.upper()))


def _p_point(a):
    """p(a) = pi - h(a) = 2 pi sin^2(a/2) - w(a), both terms positive, no cancellation of p."""
    return 2 * arb.pi() * (a / 2).sin() ** 2 - _w_point(a)


class Jet:
    """A value and its gradient in (a, x), each an arb ball enclosing the quantity over a box:
    first-order forward differentiation, for the centred (mean value) form of an enclosure."""

    __slots__ = ("da", "dx", "v")

    def __init__(self, v, da, dx):
        self.v, self.da, self.dx = v, da, dx

    @staticmethod
    def lift(c) -> Jet:
        return c if isinstance(c, Jet) else Jet(c, 0, 0)

    def __add__(self, o):
        o = Jet.lift(o)
        return Jet(self.v + o.v, self.da + o.da, self.dx + o.dx)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, -self.da, -self.dx)

    def __sub__(self, o):
        return self + (-Jet.lift(o))

    def __rsub__(self, o):
        return Jet.lift(o) + (-self)

    def __mul__(self, o):
        o = Jet.lift(o)
        return Jet(self.v * o.v, self.da * o.v + self.v * o.da, self.dx * o.v + self.v * o.dx)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Jet.lift(o)
        q = self.v / o.v
        return Jet(q, (self.da - q * o.da) / o.v, (self.dx - q * o.dx) / o.v)

    def chain(self, value, slope) -> Jet:
        """f(self) given f's value and f' enclosed over self.v."""
        return Jet(value, slope * self.da, slope * self.dx)

    def sin(self):
        return self.chain(self.v.sin(), self.v.cos())

    def cos(self):
        return self.chain(self.v.cos(), -self.v.sin())

    def union(self, o):
        return Jet(self.v.union(o.v), arb(self.da).union(o.da), arb(self.dx).union(o.dx))


def _pi():
    return arb.pi()


def w_of(t):
    """w(t) = sin t - t cos t over t (arb or Jet); the value by monotone hull on [-pi, pi]."""
    if isinstance(t, Jet):
        return t.chain(w_of(t.v), t.v * t.v.sin())
    pi = _pi()
    if t >= -pi and t <= pi:
        return w_interval(t)
    return _w_point(t)


def _p_and_D(A):
    """p = pi - h(a) and D = p (2 pi - p) over A (arb or Jet with A.dx = 0); both increase
    with a (p' = (pi - a) sin a > 0, p <= pi), so their values are the hulls at the ends."""
    a = A.v if isinstance(A, Jet) else A
    lo, hi = a.lower(), a.upper()
    two_pi = 2 * _pi()
    p_lo, p_hi = _p_point(lo), _p_point(hi)
    p = p_lo.union(p_hi)
    D = (p_lo * (two_pi - p_lo)).union(p_hi * (two_pi - p_hi))
    if not isinstance(A, Jet):
        return p, D
    dp = (_pi() - a) * a.sin()
    return A.chain(p, dp), A.chain(D, (two_pi - 2 * p) * dp)


@dataclass(frozen=True)
class Piece:
    """One piece: its folded angles on the box and the signs eps1, eps2."""

    name: str
    t1: object
    t2: object
    eps1: int
    eps2: int


def pieces_met(region: str, a_lo: float, a_hi: float, x_lo: float, x_hi: float) -> list[str]:
    """The pieces (A to D) the box may meet, decided conservatively in arb."""
    if region == IN:
        return ["A"]
    A, X, pi = hull(a_lo, a_hi), hull(x_lo, x_hi), _pi()
    phi_minus_pi = 2 * pi * X - pi + A * (1 - X)  # one occurrence of a
    sq_minus_pi = X * (2 * pi - A) - pi  # phi - (a + pi)
    met = []
    if not phi_minus_pi > 0:
        met.append("B")
    if not phi_minus_pi < 0 and not sq_minus_pi > 0:
        met.append("C")
    if not sq_minus_pi < 0:
        met.append("D")
    return met


def piece(name: str, A, X) -> Piece:
    """t1, t2 of a piece as functions of (a, x) (module docstring), for arb or Jet."""
    two_pi = 2 * _pi()
    if name == "A":
        return Piece(name, A * X, A * (1 - X), 1, -1)
    q = two_pi - A
    if name == "B":
        return Piece(name, A * (1 - X) + two_pi * X, X * q, 1, 1)
    if name == "C":
        return Piece(name, (1 - X) * q, X * q, -1, 1)
    return Piece(name, (1 - X) * q, two_pi * (1 - X) + A * X, -1, -1)


def _g(t):
    return (_pi() - t) * t.sin()


def value_forms(region: str, name: str, A, X):
    """(G12, G21) on one piece, over arb or Jet arguments (module docstring)."""
    pi = _pi()
    pc = piece(name, A, X)
    p, D = _p_and_D(A)
    K = (pi - A) * A.sin() / D
    half = A * (X - 0.5) if region == IN else A * (0.5 - X) + 2 * pi * X  # phi - a/2
    dc = 2 * (A * 0.5).sin() * half.sin()  # cos t2 - cos t1, a product: no cancellation
    w1, w2 = w_of(pc.t1), w_of(pc.t2)
    h1, h2 = pi * pc.t1.cos() + w1, pi * pc.t2.cos() + w2
    g12 = pc.eps1 * _g(pc.t1) - K * (pi * (pi * dc + w2 - w1) + p * h1)
    g21 = -pc.eps2 * _g(pc.t2) - K * (pi * (-pi * dc + w1 - w2) + p * h2)
    return g12, g21


def slope_forms(region: str, name: str, A, X):
    """(dG12/dphi, dG21/dphi) on one piece, over arb or Jet arguments (module docstring)."""
    pi = _pi()
    pc = piece(name, A, X)
    p, D = _p_and_D(A)
    H = pi - p
    K = (pi - A) * A.sin() / D
    g1, g2 = _g(pc.t1), _g(pc.t2)
    d12 = (pi - pc.t1) * pc.t1.cos() - pc.t1.sin() + K * (pi * pc.eps2 * g2 - H * pc.eps1 * g1)
    d21 = pc.t2.sin() - (pi - pc.t2) * pc.t2.cos() + K * (pi * pc.eps1 * g1 - H * pc.eps2 * g2)
    return d12, d21


FORMS = {"value": value_forms, "slope": slope_forms}


class Enclosure(NamedTuple):
    """Enclosures of F12 and F21 over a box, and how much of their width comes from the spread
    of a and of x (the radii of the gradient terms of the centred form): the side to bisect."""

    f12: object
    f21: object
    spread_a: float
    spread_x: float


def enclose(form: str, region: str, a_lo: float, a_hi: float, x_lo: float,
            x_hi: float) -> Enclosure:
    """Enclosures of (F12, F21), F = G (``form`` 'value') or dG/dphi ('slope'), over the box.

    Each piece the box may meet contributes its centred form
    F(c) + dF/da [a - a_c] + dF/dx [x - x_c] (mean value theorem; the gradient enclosed over the
    whole box by :class:`Jet`, the piece's formula being analytic there) intersected with the
    direct enclosure; the box's enclosure is the union over those pieces.
    """
    f = FORMS[form]
    a_c, x_c = 0.5 * (a_lo + a_hi), 0.5 * (x_lo + x_hi)
    dA, dX = hull(a_lo, a_hi) - a_c, hull(x_lo, x_hi) - x_c  # a - a_c, x - x_c
    A = Jet(hull(a_lo, a_hi), arb(1), arb(0))
    X = Jet(hull(x_lo, x_hi), arb(0), arb(1))
    out = [None, None]
    spread_a = spread_x = 0.0
    for name in pieces_met(region, a_lo, a_hi, x_lo, x_hi):
        centre = f(region, name, arb(a_c), arb(x_c))
        jets = f(region, name, A, X)
        for k in range(2):
            j = jets[k]
            ta, tx = j.da * dA, j.dx * dX
            spread_a = max(spread_a, _radius(ta))
            spread_x = max(spread_x, _radius(tx))
            e = _intersect(centre[k] + ta + tx, j.v)
            out[k] = e if out[k] is None else out[k].union(e)
    return Enclosure(out[0], out[1], spread_a, spread_x)


def _radius(x) -> float:
    return float(x.rad()) + abs(float(x.mid())) if x.is_finite() else float("inf")


def _intersect(x, y):
    """x intersected with y (both enclose the same quantity, so they overlap)."""
    if not (x.is_finite() and y.is_finite()):
        return x if x.is_finite() else y
    return x.intersection(y)
