"""The exact lemmas of the proof of Conjecture 1 (docs/proof-conjecture1.md, Lemmas Z1, Z2 and
P, and the identities they start from), proved by exact computer algebra (sympy), so that the
proof rests on arb, Lemma T and the checker alone.

Nothing here is decided numerically. The chain:

1. *From the paper.* L12 and L21 are built from Eqns 11 to 14 (m_{jj',k}, m*_{jj'}, M_r = h(Theta),
   v, M_r^{-1} = adj M_r / det M_r) with h(t) = (pi - t) cos t + sin t, on each piece A to D of
   the circle, where the folded angles t1, t2 are affine in (a, phi) (checked: cos t1 = cos phi,
   cos t2 = cos(phi - a), both in [0, pi] at the piece's corners). Proved: det M_r = D and
   D L = sin a N with the numerators N of section 2; at a = pi, L = 0.
2. *The code's form.* N12, N21 (with eps1, eps2: section 5, small_a.numerators) equal
   section 2's, and N_s = D dG/dphi equals dN/dphi (D does not depend on phi).
3. *The patches* of section 5 are those pieces with phi affine in (a, x).
4. *Lemma Z1*: the Taylor coefficients in a of N, N_s and D of each patch, up to the stated
   order, are computed by exact truncated power series (sin and cos as their Taylor polynomials
   with rational coefficients, in the ring Q[pi, x, sin(pi x), cos(pi x)][a]; cross-checked
   with sympy's `series`), and are identically 0 below the stated orders; the first ones equal
   the closed forms of LEADING (the doc's table).
5. *Lemma Z2*, the anchors of the gradient boxes, and section 6's slopes at a = pi: the same
   series.
6. *Lemma P*: the facts at the corners a = pi, from exact second-order series of N and D in
   (a - pi, x - x_L) and the quotient rule (cross-checked with sympy's own derivatives).

How 0 is decided: a trigonometric polynomial in angles t_i is rewritten by the angle-addition
formulas (sympy's `expand_trig`) as a polynomial in sin t_i, cos t_i, the other symbols and pi,
put into sympy's exact polynomial ring over Q, and reduced modulo sin^2 t_i + cos^2 t_i = 1
(lex order, sines first: a Groebner basis, so the remainder is a normal form of degree <= 1 in
each sine). A zero remainder proves the identity (only sin^2 + cos^2 = 1 was used; pi is a
symbol of the ring). The truncated series of step 4 live in the same kind of ring, with
s = sin(pi x), c = cos(pi x) reduced the same way. sympy's `simplify` is never relied on.

That the symbolic functions are the ones the certificate encloses: the code's arb formulas
(small_a.numerators, interval.value_forms / slope_forms and their Jets) agree with them
at random rational points (and at a = pi) to 45 digits (mpmath at 60 digits, arb at 256
bits).

Each check is shown to have power: a patch or piece with a wrong sign of eps2 (or a wrong
angle), a claimed order raised by one and a wrong constant are detected.
"""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction
from functools import cache

import mpmath as mp
import pytest
import sympy as sp
from sympy import QQ
from sympy.polys.rings import ring

from relucheck import proofs
from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import small_a as sa

a, phi, x = sp.symbols("a phi x")
PI = sp.pi


def h(t):
    return (PI - t) * sp.cos(t) + sp.sin(t)


@pytest.fixture
def prec():
    """arb at 256 bits for the test (the code's formulas, compared with mpmath at 60 digits)."""
    with proofs.precision(256):
        yield


# --- exact zero tests --------------------------------------------------------------------------


def trig_normal(expr, angles):
    """The normal form of a polynomial in the angles, their sines and cosines (and pi) modulo
    sin^2 + cos^2 = 1: expand_trig (angle addition), then the exact polynomial ring
    Q[sines, cosines, symbols, pi] and the remainder modulo the relations (lex order, sines
    first: degree <= 1 in each sine). 0 exactly when expr is identically 0."""
    expr = sp.expand_trig(expr)
    sines = sp.symbols(f"s0:{len(angles)}")
    cosines = sp.symbols(f"c0:{len(angles)}")
    rep = {}
    for t, s, c in zip(angles, sines, cosines, strict=True):
        rep[sp.sin(t)], rep[sp.cos(t)] = s, c
    expr = expr.xreplace(rep)
    if expr.has(sp.sin, sp.cos):
        raise ValueError(f"a trigonometric function of another angle: {expr}")
    others = sorted(expr.free_symbols - set(sines) - set(cosines), key=str)
    R, *_ = ring([*sines, *cosines, *others, PI], QQ)
    return R(expr).rem([R(s ** 2 + c ** 2 - 1) for s, c in zip(sines, cosines, strict=True)])


def is_zero(expr, angles=(a, phi)) -> bool:
    return trig_normal(expr, list(angles)) == 0


# --- the paper's definitions (Eqns 11 to 14), K = 2 ----------------------------------------------


def paper_det_and_DL(t1, t2):
    """det M_r and det M_r * (L12, L21) from the paper: Theta = [theta_j^k] the angles between
    the students (theta_1^2 = a), theta*_l = angle(e*, e_l) = t_l, M_r = h(Theta) (Eqn 13),
    v = (h(theta*_1), h(theta*_2)), m_{jj',k} (Eqn 11), m*_{jj'} (after Eqn 14, like Eqn 12),
    L_{jj'} = m*_{jj'} - v^T M_r^{-1} m_{jj'} (Eqn 14), M_r^{-1} = adj(M_r) / det(M_r)."""
    theta = sp.Matrix([[0, a], [a, 0]])
    star = (t1, t2)
    M_r = theta.applyfunc(h)
    v = sp.Matrix([h(t) for t in star])

    def m(j, jp):
        return sp.Matrix([(PI - theta[j, k]) * sp.cos(theta[jp, k])
                          + sp.sin(theta[j, k]) * sp.cos(theta[jp, j]) for k in range(2)])

    def m_star(j, jp):
        return (PI - star[j]) * sp.cos(star[jp]) + sp.sin(star[j]) * sp.cos(theta[jp, j])

    det = M_r.det()
    DL = tuple(det * m_star(j, jp) - (v.T * M_r.adjugate() * m(j, jp))[0, 0]
               for j, jp in ((0, 1), (1, 0)))
    return det, DL


def section2_N(t1, t2, ph):
    """(N12, N21) = D (G12, G21) as docs/proof-conjecture1.md section 2 writes G: with sin phi
    and sin(phi - a), H = h(a), p = pi - H, D = p (2 pi - p), K_a D = (pi - a) sin a."""
    H = h(a)
    p = PI - H
    D = p * (2 * PI - p)
    KD = (PI - a) * sp.sin(a)
    return (D * (PI - t1) * sp.sin(ph) - KD * (PI * h(t2) - H * h(t1)),
            -D * (PI - t2) * sp.sin(ph - a) - KD * (PI * h(t1) - H * h(t2)))


def D_of(A):
    p = PI - h(A)
    return p * (2 * PI - p)


# --- the code's (section 5) form, written once for sympy and for the series engine --------------


def eps_forms(t1, t2, eps, A, op):
    """{N12, N21, Ns12, Ns21, D} as docs/proof-conjecture1.md section 5 and
    small_a.numerators write them (sin phi = eps1 sin t1, sin(phi - a) = eps2 sin t2,
    g(t) = (pi - t) sin t), over ``op`` (sympy expressions or truncated series)."""
    pi, mul = op.pi, op.mul
    e1, e2 = eps
    s1, c1 = op.sin_cos(t1)
    s2, c2 = op.sin_cos(t2)
    sa_, ca_ = op.sin_cos(A)
    g1, g2 = mul(pi - t1, s1), mul(pi - t2, s2)
    h1, h2 = mul(pi - t1, c1) + s1, mul(pi - t2, c2) + s2
    H = mul(pi - A, ca_) + sa_
    p = pi - H
    D = mul(p, 2 * pi - p)
    KD = mul(pi - A, sa_)
    return {
        "N12": e1 * mul(g1, D) - mul(KD, pi * h2 - mul(H, h1)),
        "N21": -e2 * mul(g2, D) - mul(KD, pi * h1 - mul(H, h2)),
        "Ns12": mul(mul(pi - t1, c1) - s1, D) + mul(KD, pi * e2 * g2 - e1 * mul(H, g1)),
        "Ns21": mul(s2 - mul(pi - t2, c2), D) + mul(KD, pi * e1 * g1 - e2 * mul(H, g2)),
        "D": D,
    }


class Sym:
    """eps_forms over sympy expressions."""

    pi = PI

    @staticmethod
    def mul(*factors):
        return sp.Mul(*factors)

    @staticmethod
    def sin_cos(t):
        return sp.sin(t), sp.cos(t)


# --- pieces (a, phi) and patches (a, x) ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Piece:
    """A piece of the circle (docs/proof-conjecture1.md section 2): lo <= phi <= hi, with the
    folded angles t1, t2 as functions of (a, phi) and the signs eps."""

    name: str
    lo: sp.Expr
    hi: sp.Expr
    t1: sp.Expr
    t2: sp.Expr
    eps: tuple[int, int]


PIECES = {
    "A": Piece("A", sp.S(0), a, phi, a - phi, (1, -1)),
    "B": Piece("B", a, PI, phi, phi - a, (1, 1)),
    "C": Piece("C", PI, PI + a, 2 * PI - phi, phi - a, (-1, 1)),
    "D": Piece("D", PI + a, 2 * PI, 2 * PI - phi, 2 * PI - phi + a, (-1, -1)),
}


@dataclasses.dataclass(frozen=True)
class Patch:
    """A row of the table of docs/proof-conjecture1.md section 5."""

    name: str
    piece: str
    phi: sp.Expr
    t1: sp.Expr
    t2: sp.Expr
    eps: tuple[int, int]
    k: int
    c_x: sp.Expr


PATCHES = {
    "in": Patch("in", "A", x * a, x * a, (1 - x) * a, (1, -1), 2, sp.S(1)),
    "B": Patch("B", "B", a + x * (PI - a), a + x * (PI - a), x * (PI - a), (1, 1), 1, PI - a),
    "C": Patch("C", "C", PI + x * a, PI - x * a, PI - (1 - x) * a, (-1, 1), 2, sp.S(1)),
    "D": Patch("D", "D", PI + a + x * (PI - a), (1 - x) * (PI - a), PI - x * (PI - a),
               (-1, -1), 1, PI - a),
}


def flip_eps1(obj):
    return dataclasses.replace(obj, eps=(-obj.eps[0], obj.eps[1]))


def flip_eps2(obj):
    return dataclasses.replace(obj, eps=(obj.eps[0], -obj.eps[1]))


def piece_corners(pc: Piece):
    """The corners of the piece {0 <= a <= pi, lo <= phi <= hi} in the (a, phi) plane."""
    pts = set()
    for av in (sp.S(0), PI):
        for ph in (pc.lo.subs(a, av), pc.hi.subs(a, av)):
            pts.add((av, ph))
    return sorted(pts, key=str)


def piece_problems(pc: Piece) -> list[str]:
    """The piece's t1, t2 are the angles angle(e*, e1), angle(e*, e2) (cosines and range) and
    sin phi = eps1 sin t1, sin(phi - a) = eps2 sin t2."""
    out = []
    for name, t, target, e in (("t1", pc.t1, phi, pc.eps[0]), ("t2", pc.t2, phi - a, pc.eps[1])):
        if not is_zero(sp.cos(t) - sp.cos(target)):
            out.append(f"{pc.name}: cos {name} != cos({target})")
        if not is_zero(sp.sin(target) - e * sp.sin(t)):
            out.append(f"{pc.name}: sin({target}) != {e} sin {name}")
        for av, ph in piece_corners(pc):  # t is affine: its range is the hull of the corners'
            tv = t.subs({a: av, phi: ph})
            if not (tv >= 0 and tv <= PI):
                out.append(f"{pc.name}: {name} = {tv} at (a, phi) = ({av}, {ph})")
    return out


def bridge_problems(pc: Piece) -> list[str]:
    """det M_r = D, det M_r L = sin a N (paper -> section 2), and the section 5 forms with the
    piece's eps equal section 2's N and dN/dphi (N_s = D dG/dphi = dN/dphi)."""
    out = []
    det, DL = paper_det_and_DL(pc.t1, pc.t2)
    N = section2_N(pc.t1, pc.t2, phi)
    if not is_zero(det - D_of(a)):
        out.append(f"{pc.name}: det M_r != D")
    for i, name in enumerate(("12", "21")):
        if not is_zero(DL[i] - sp.sin(a) * N[i]):
            out.append(f"{pc.name}: det M_r L{name} != sin a N{name} (section 2)")
    f = eps_forms(pc.t1, pc.t2, pc.eps, a, Sym)
    for i, name in enumerate(("12", "21")):
        if not is_zero(f["N" + name] - N[i]):
            out.append(f"{pc.name}: section 5's N{name} != section 2's")
        if not is_zero(f["Ns" + name] - sp.diff(N[i], phi)):
            out.append(f"{pc.name}: section 5's Ns{name} != dN{name}/dphi")
    return out


def patch_problems(pt: Patch) -> list[str]:
    """The patch is its piece with phi = phi(a, x): x in [0, 1] runs over the piece, the angles
    and signs are the piece's, and dphi/dx = c_x a^(k-1) (so dF/dx = c_x (N_s/a^3)/(D/a^2))."""
    pc = PIECES[pt.piece]
    out = []
    if sp.expand(pt.phi.subs(x, 0) - pc.lo) != 0 or sp.expand(pt.phi.subs(x, 1) - pc.hi) != 0:
        out.append(f"{pt.name}: x = 0, 1 are not the piece's ends")
    for name, t in (("t1", pt.t1), ("t2", pt.t2)):
        if sp.expand(t - getattr(pc, name).subs(phi, pt.phi)) != 0:
            out.append(f"{pt.name}: {name} is not the piece's at phi(a, x)")
    if pt.eps != pc.eps:
        out.append(f"{pt.name}: eps {pt.eps} != the piece's {pc.eps}")
    if sp.expand(sp.diff(pt.phi, x) - pt.c_x * a ** (pt.k - 1)) != 0:
        out.append(f"{pt.name}: dphi/dx != c_x a^(k-1)")
    return out


@pytest.mark.parametrize("name", list(PIECES))
def test_piece_angles_are_the_folded_angles(name):
    assert piece_problems(PIECES[name]) == []


@pytest.mark.parametrize("name", list(PIECES))
def test_paper_to_section_2_to_section_5(name):
    """Eqns 11 to 14 give det M_r L = sin a N with section 2's N, and section 5's forms (the
    code's) are the same functions: so G = N / D = L / sin a, N_s = D dG/dphi."""
    assert bridge_problems(PIECES[name]) == []


@pytest.mark.parametrize("name", list(PATCHES))
def test_patches_are_the_pieces_in_x(name):
    assert patch_problems(PATCHES[name]) == []


def test_h_decreases_from_pi_to_0_so_D_is_positive():
    """h' = -g (g(t) = (pi - t) sin t > 0 on (0, pi)), h(0) = pi, h(pi) = 0: so 0 <= h(a) < pi
    and D = (pi - h(a)) (pi + h(a)) > 0 for a in (0, pi] (calculus from these exact facts)."""
    t = sp.Symbol("t")
    assert sp.expand(sp.diff(h(t), t) + (PI - t) * sp.sin(t)) == 0
    assert h(sp.S(0)) == PI and h(PI) == 0
    assert sp.expand(D_of(a) - (PI - h(a)) * (PI + h(a))) == 0


def test_at_a_equals_pi_L_vanishes_for_every_phi():
    """Section 1: at a = pi, det M_r = pi^2 and det M_r L = 0 on every piece (so L = 0)."""
    for pc in PIECES.values():
        det, DL = paper_det_and_DL(pc.t1, pc.t2)
        assert det.subs(a, PI) == PI ** 2
        assert all(is_zero(f.subs(a, PI), (phi,)) for f in DL), pc.name


def test_proposition_1_G_vanishes_on_the_lines_for_every_a():
    """G12 = G21 = 0 on phi = 0 and phi = a (Proposition 1), on the pieces that hold the lines:
    A at phi = 0 and phi = a, B at phi = a, D at phi = 2 pi. (The slope boxes of both end
    pieces and Lemma P use it.)"""
    for name, line in (("A", 0), ("A", a), ("B", a), ("D", 2 * PI)):
        pc = PIECES[name]
        N = section2_N(pc.t1.subs(phi, line), pc.t2.subs(phi, line), line)
        assert all(is_zero(n, (a,)) for n in N), (name, line)


def test_G_is_C1_across_the_piece_boundaries():
    """At phi = pi (B | C) and phi = pi + a (C | D) the two pieces' N and dN/dphi agree for
    every a: G is C^1 there (used by the value and slope properties of boxes meeting several
    pieces)."""
    for left, right, line in (("B", "C", PI), ("C", "D", PI + a)):
        fl = section2_N(PIECES[left].t1, PIECES[left].t2, phi)
        fr = section2_N(PIECES[right].t1, PIECES[right].t2, phi)
        for u, w in zip(fl, fr, strict=True):
            assert is_zero((u - w).subs(phi, line), (a,)), (left, right)
            assert is_zero(sp.diff(u - w, phi).subs(phi, line), (a,)), (left, right)


@pytest.mark.parametrize("name", list(PIECES))
def test_power_of_the_bridge_a_wrong_eps2_or_angle_is_detected(name):
    pc = PIECES[name]
    assert any("sin(" in p for p in piece_problems(flip_eps2(pc)))
    assert any("section 5" in p for p in bridge_problems(flip_eps2(pc)))
    wrong_t2 = dataclasses.replace(pc, t2=pc.t2 + a)
    assert piece_problems(wrong_t2) and bridge_problems(wrong_t2)


@pytest.mark.parametrize("name", list(PATCHES))
def test_power_of_the_patch_table_a_wrong_row_is_detected(name):
    pt = PATCHES[name]
    assert patch_problems(flip_eps2(pt))
    assert patch_problems(dataclasses.replace(pt, t1=pt.t1.subs(x, 1 - x)))
    assert patch_problems(dataclasses.replace(pt, k=pt.k + 1))


# --- exact truncated power series in a ---------------------------------------------------------

#: The highest power of a kept: small_a uses the coefficients up to a^(k + 2 + J) = a^8.
ORDER = 8
_P, _X, _S, _C, _A = sp.symbols("P X S C A")  # pi, x, sin(pi x), cos(pi x) and a
RS, P, X, S, C, A = ring([_P, _X, _S, _C, _A], QQ)
CIRCLE = S ** 2 + C ** 2 - 1
S_PX, C_PX = sp.sin(PI * x), sp.cos(PI * x)


def to_series(expr):
    """A polynomial in a, x, pi, sin(pi x), cos(pi x) (a sympy expression) as a ring element."""
    expr = expr.xreplace({S_PX: _S, C_PX: _C}).xreplace({PI: _P, x: _X, a: _A})
    return RS(expr).rem([CIRCLE])


def as_sympy(coeff):
    """A coefficient (a ring element in pi, x, s, c) as a sympy expression in x."""
    return coeff.as_expr().xreplace({_P: PI, _X: x, _S: S_PX, _C: C_PX})


class Truncated:
    """Exact truncated power series for eps_forms: elements of a polynomial ring over Q whose
    monomials of degree > order (degree: a function of the exponent vector) are dropped, and
    reduced modulo the relations (s^2 + c^2 - 1). Products of series are exact up to the order;
    sin and cos of t = t0 + r (t0 the part of degree 0, r of degree >= 1) by the angle-addition
    formula and the Taylor polynomials of sin r and cos r, exact up to the order (r^j has
    degree >= j); sin t0 and cos t0 are given exactly by ``sin_cos_const``."""

    def __init__(self, R, pi, degree, order, sin_cos_const, relations=()):
        self.R, self.pi, self.degree, self.order = R, pi, degree, order
        self.sin_cos_const, self.relations = sin_cos_const, list(relations)

    def truncate(self, p):
        p = self.R({m: c for m, c in p.items() if self.degree(m) <= self.order})
        return p.rem(self.relations) if self.relations else p

    def mul(self, *factors):
        out = self.R.one
        for f in factors:
            out = self.truncate(out * f)
        return out

    def sin_cos(self, t):
        t0 = self.R({m: c for m, c in t.items() if self.degree(m) == 0})
        r = t - t0
        s0, c0 = self.sin_cos_const(t0)
        sin_r, cos_r, term = self.R.zero, self.R.zero, self.R.one
        for j in range(self.order + 1):  # term = r^j / j!
            if j % 2:
                sin_r += (-1) ** (j // 2) * term
            else:
                cos_r += (-1) ** (j // 2) * term
            term = self.truncate(term * r).quo_ground(QQ(j + 1))
        mul = self.mul
        return mul(s0, cos_r) + mul(c0, sin_r), mul(c0, cos_r) - mul(s0, sin_r)


def _sin_cos_pi_m_n_x(t0):
    """sin and cos of t0 = pi (m + n x), integers m and n with |n| <= 1: 0, +-1, +-s, +-c."""
    m_, n_ = t0.coeff(P), t0.coeff(P * X)
    if t0 != m_ * P + n_ * P * X or m_.denominator != 1 or n_ not in (-1, 0, 1):
        raise ValueError(f"sin({t0} + O(a)): the constant part is not pi (m + n x)")
    sign = -1 if m_.numerator % 2 else 1
    return (RS.zero, RS(sign)) if n_ == 0 else (sign * n_ * S, sign * C)


#: Power series in a (the variable A of the ring RS), coefficients in Q[pi, x, s, c] modulo
#: s^2 + c^2 = 1, s = sin(pi x), c = cos(pi x).
Series = Truncated(RS, P, lambda m: m[4], ORDER, _sin_cos_pi_m_n_x, [CIRCLE])


def coefficients(p):
    """[the coefficient of a^j for j = 0..ORDER] of a series of RS."""
    out = [RS.zero] * (ORDER + 1)
    for m, c in Series.truncate(p).items():
        out[m[4]] += RS({(*m[:4], 0): c})
    return out


@cache
def patch_series(pt: Patch):
    """The Taylor coefficients in a (a^0 .. a^ORDER) of N12, N21, Ns12, Ns21 and D on the
    patch: section 5's forms with the patch's own angles and signs."""
    f = eps_forms(to_series(pt.t1), to_series(pt.t2), pt.eps, A, Series)
    return {name: coefficients(v) for name, v in f.items()}


# --- Lemma Z1 ----------------------------------------------------------------------------------

#: The first non-vanishing Taylor coefficients (docs/proof-conjecture1.md, Lemma Z1's table):
#: of a^(k+2) in N12, N21, of a^3 in Ns12, Ns21, of a^2 in D.
LEADING = {
    "in": {"N12": 2 * PI ** 2 / 3 * x * (1 - x) * (2 - x),
           "N21": 2 * PI ** 2 / 3 * x * (1 - x) * (1 + x),
           "Ns12": 2 * PI ** 2 / 3 * (3 * x ** 2 - 6 * x + 2),
           "Ns21": 2 * PI ** 2 / 3 * (1 - 3 * x ** 2),
           "D": PI ** 2},
    "B": {"N12": -PI ** 2 / 3 * (x + 2) * S_PX,
          "N21": -PI ** 2 / 3 * (4 - x) * S_PX,
          "Ns12": -PI / 3 * (PI * (x + 2) * C_PX + S_PX),
          "Ns21": PI / 3 * (S_PX - PI * (4 - x) * C_PX),
          "D": PI ** 2},
    "C": {"N12": PI ** 2 / 3 * (2 * x ** 3 - 6 * x ** 2 + 3 * x - 1),
          "N21": -PI ** 2 / 3 * (2 * x ** 3 - 3 * x + 2),
          "Ns12": PI ** 2 * (2 * x ** 2 - 4 * x + 1),
          "Ns21": PI ** 2 * (1 - 2 * x ** 2),
          "D": PI ** 2},
    "D": {"N12": -PI ** 2 / 3 * (x + 3) * S_PX,
          "N21": -PI ** 2 / 3 * (3 - x) * S_PX,
          "Ns12": -PI / 3 * (PI * (x + 3) * C_PX + S_PX),
          "Ns21": PI / 3 * (S_PX - PI * (3 - x) * C_PX),
          "D": PI ** 2},
}


def z1_orders(pt: Patch) -> dict[str, int]:
    """Lemma Z1's vanishing orders: N = O(a^(k+2)), N_s = O(a^3), D = O(a^2) (the code's
    small_a._models uses the same)."""
    return {"N12": pt.k + 2, "N21": pt.k + 2, "Ns12": 3, "Ns21": 3, "D": 2}


def z1_problems(pt: Patch, orders=None, leading=None) -> list[str]:
    """Lemma Z1 on the patch: the coefficients below the orders are identically 0 (as
    functions of x), and the coefficient at the order is the stated leading term."""
    orders = orders or z1_orders(pt)
    leading = leading or LEADING[pt.name]
    out = []
    for name, coeffs in patch_series(pt).items():
        v = orders[name]
        out += [f"{pt.name} {name}: a^{j} coefficient {as_sympy(coeffs[j])} is not 0"
                for j in range(v) if coeffs[j] != 0]
        if (coeffs[v] - to_series(leading[name])).rem([CIRCLE]) != 0:
            out.append(f"{pt.name} {name}: leading a^{v} coefficient {as_sympy(coeffs[v])}")
    return out


@pytest.mark.parametrize("name", list(PATCHES))
def test_lemma_z1_orders_and_leading_terms(name):
    assert z1_problems(PATCHES[name]) == []


def test_lemma_z1_the_code_drops_exactly_the_proved_zeros(monkeypatch, prec):
    """small_a drops, for N12, N21, Ns12, Ns21 and D, the coefficients below the orders it
    passes to quotient_model: those are the orders proved here (k = RESCALE), the kept terms
    reach a^(k + 2 + J) <= ORDER, and the claimed signs are section 5's."""
    seen = []
    real = sa.quotient_model

    def spy(c0, cb, v, A, deriv=False):
        seen.append(v)
        return real(c0, cb, v, A, deriv)

    monkeypatch.setattr(sa, "quotient_model", spy)
    for name, pt in PATCHES.items():
        assert sa.RESCALE[name] == pt.k and 2 + pt.k + sa.J <= ORDER
        assert sa.SIGN[name] == (1 if name == "in" else -1)
        seen.clear()
        sa.evaluate(name, 0.0, 0.01, 0.25, 0.5, deriv=True)
        orders = [z1_orders(pt)[f] for f in ("N12", "N21", "Ns12", "Ns21", "D")]
        assert seen == orders * 2  # the box and its centre


def test_lemma_z1_the_stated_limits_and_slopes():
    """What docs/proof-conjecture1.md says of the limits F(0, x) = N_(k+2)(x) / pi^2 and of
    dF/dx(0, x) = c_x(0) Ns_3(x) / pi^2, from the leading terms (exactly)."""
    def F0(name, f):
        return sp.expand(LEADING[name][f] / PI ** 2)

    def slope0(name, f):
        return PATCHES[name].c_x.subs(a, 0) * LEADING[name]["Ns" + f[1:]] / PI ** 2

    # inside: the closed forms, strictly positive on (0, 1), their slopes at x = 0, 1
    assert F0("in", "N12") == sp.expand(sp.Rational(2, 3) * x * (1 - x) * (2 - x))
    assert F0("in", "N21") == sp.expand(sp.Rational(2, 3) * x * (1 - x) * (1 + x))
    for f, ends in (("N12", (sp.Rational(4, 3), -sp.Rational(2, 3))),
                    ("N21", (sp.Rational(2, 3), -sp.Rational(4, 3)))):
        assert [sp.cancel(slope0("in", f).subs(x, e)) for e in (0, 1)] == list(ends)
        assert sp.expand(slope0("in", f) - sp.diff(F0("in", f), x)) == 0
    # C: F12 -1/3, -1/4, -2/3 at x = 0, 1/2, 1; F21 mirrored; |F| >= 0.19 on [0, 1]
    F12, F21 = F0("C", "N12"), F0("C", "N21")
    assert [F12.subs(x, v) for v in (0, sp.Rational(1, 2), 1)] == [
        -sp.Rational(1, 3), -sp.Rational(1, 4), -sp.Rational(2, 3)]
    assert sp.expand(F21 - F12.subs(x, 1 - x)) == 0
    bound = sp.Poly(F12 + sp.Rational(19, 100), x)  # < 0 on [0, 1]: no root there, < 0 at 0
    assert bound.count_roots(0, 1) == 0 and bound.eval(0) < 0
    # B and D: the limit vanishes on the line and at phi = pi (x = 0 and x = 1)
    for name in ("B", "D"):
        for f in ("N12", "N21"):
            assert [F0(name, f).subs(x, e) for e in (0, 1)] == [0, 0]


#: The anchors of the gradient boxes (Lemma Z2): x there, dF12/da and dF21/da, dF/dx at a = 0.
ANCHORS = {"B": (1, (-sp.Rational(1, 3), -sp.Rational(2, 3)), PI),
           "D": (0, (-sp.Rational(2, 3), -sp.Rational(1, 3)), -PI)}


def anchor_problems(name: str, anchor=None) -> list[str]:
    """At the anchor (a, x) = (0, x_P) of the gradient boxes: F = N_(k+2) / D_2 = 0 there
    (F_B(0, 1) = F_D(0, 0) = 0), dF/da = (N_(k+3) D_2 - N_(k+2) D_3) / D_2^2 and
    dF/dx = c_x Ns_3 / D_2 take the values docs/proof-conjecture1.md states."""
    pt = PATCHES[name]
    x_p, da, dx = anchor or ANCHORS[name]
    ser = patch_series(pt)
    v = pt.k + 2
    D2, D3 = (as_sympy(ser["D"][j]) for j in (2, 3))
    out = []
    for i, f in enumerate(("N12", "N21")):
        Nv, Nv1 = (as_sympy(ser[f][j]).subs(x, x_p) for j in (v, v + 1))
        Ns3 = as_sympy(ser["Ns" + f[1:]][3]).subs(x, x_p)
        if Nv != 0:
            out.append(f"{name} {f}: F = {Nv / D2} at the anchor")
        if sp.cancel((Nv1 * D2 - Nv * D3) / D2 ** 2 - da[i]) != 0:
            out.append(f"{name} {f}: dF/da = {sp.cancel((Nv1 * D2 - Nv * D3) / D2 ** 2)}")
        if sp.cancel(pt.c_x.subs(a, 0) * Ns3 / D2 - dx) != 0:
            out.append(f"{name} {f}: dF/dx = {sp.cancel(pt.c_x.subs(a, 0) * Ns3 / D2)}")
    return out


@pytest.mark.parametrize("name", list(ANCHORS))
def test_lemma_z2_the_gradient_anchors(name):
    assert anchor_problems(name) == []


# --- Lemma Z2 ----------------------------------------------------------------------------------

#: G(a, pi) = c a^2 + O(a^3).
Z2 = {"N12": -sp.Rational(1, 3), "N21": -sp.Rational(2, 3)}


def z2_problems(pc: Piece, claims=Z2, order=3) -> list[str]:
    """G(a, pi) = c a^2 + O(a^order) on the piece (B or C, which meet at phi = pi). As
    D = pi^2 a^2 (1 + O(a)), this is N - c a^2 D = O(a^(order + 2)) (G = O(a^2) included)."""
    t1, t2 = (to_series(t.subs(phi, PI)) for t in (pc.t1, pc.t2))
    f = eps_forms(t1, t2, pc.eps, A, Series)
    out = []
    for name, c in claims.items():
        rest = coefficients(f[name] - Series.mul(QQ(c.p, c.q) * A ** 2, f["D"]))
        out += [f"{pc.name} {name}(a, pi): a^{j} coefficient {as_sympy(rest[j])}"
                for j in range(order + 2) if rest[j] != 0]
    return out


@pytest.mark.parametrize("name", ["B", "C"])
def test_lemma_z2_the_anchor_at_phi_pi(name):
    assert z2_problems(PIECES[name]) == []


# --- section 6: the slopes on the lines near a = pi --------------------------------------------


#: (piece, line, function, c): on the line, near a = pi, dG/dphi = Ns / D = c e + O(e^3) with
#: e = pi - a (docs/proof-conjecture1.md section 6: G12 on phi = a from both sides, G21 on
#: phi = 0, which is phi = 2 pi on D).
SLOPES_AT_PI = (("A", a, "Ns12", -2), ("B", a, "Ns12", -2), ("A", 0, "Ns21", 2),
                ("D", 2 * PI, "Ns21", 2))


def slope_at_pi_problems(pieces=PIECES, order=3, claims=SLOPES_AT_PI) -> list[str]:
    """Ns / D = c e + O(e^order), i.e. Ns - c e D = O(e^order) (D(pi) = pi^2 != 0): series in
    e, a = pi - e."""
    out = []
    for name, line, f, c in claims:
        pc = pieces[name]
        t1, t2 = (to_series(t.subs(phi, line).subs(a, PI - a)) for t in (pc.t1, pc.t2))
        forms = eps_forms(t1, t2, pc.eps, P - A, Series)  # the series variable A is e here
        rest = coefficients(forms[f] - Series.mul(c * A, forms["D"]))
        out += [f"{name} {f}: e^{j} coefficient {as_sympy(rest[j])}" for j in range(order)
                if rest[j] != 0]
    return out


def test_slopes_on_the_lines_near_a_pi():
    assert slope_at_pi_problems() == []


# --- Lemma P: the corners at a = pi ------------------------------------------------------------


def bulk_phi(region: str):
    """phi in the coordinates of the bisection and of the a -> pi piece: u inside, s outside."""
    return x * a if region == "in" else a + x * (2 * PI - a)


_N, _D = sp.Function("N"), sp.Function("D")
JET_ORDERS = ((0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2))


def _d(f, i, j):
    for _ in range(i):
        f = sp.diff(f, a)
    for _ in range(j):
        f = sp.diff(f, x)
    return f


#: The derivatives of G = N / D in terms of those of N(a, x) and D(a) (the quotient rule, by
#: sympy on the undefined functions N and D).
QUOTIENT = {o: _d(_N(a, x) / _D(a), *o) for o in JET_ORDERS}


def piece_G_parts(pc: Piece, region: str):
    """(N12, N21), D of section 5's forms (the piece's eps) in the coordinates (a, x)."""
    f = eps_forms(pc.t1, pc.t2, pc.eps, a, Sym)
    ph = bulk_phi(region)
    return tuple(f[n].subs(phi, ph) for n in ("N12", "N21")), f["D"]


_E, _Y = sp.symbols("E Y")  # a = pi + E, x = x_L + Y
RJ, PJ, E, Y = ring([_P, _E, _Y], QQ)


def _sin_cos_m_pi(t0):
    """sin and cos of t0 = m pi, m an integer (the angles at the corners)."""
    m_ = t0.coeff(PJ)
    if t0 != m_ * PJ or m_.denominator != 1:
        raise ValueError(f"sin({t0} + O(E, Y)): the constant part is not m pi")
    return RJ.zero, RJ(-1 if m_.numerator % 2 else 1)


#: Second-order jets at a corner: series in (E, Y) truncated above total degree 2.
Jet2 = Truncated(RJ, PJ, lambda m: m[1] + m[2], 2, _sin_cos_m_pi)


def _jet_derivative(p, i, j):
    """d^(i+j) p / dE^i dY^j at E = Y = 0 (a sympy expression in pi)."""
    c = sum((sp.Rational(int(v.numerator), int(v.denominator)) * PI ** m[0]
             for m, v in p.items() if m[1:] == (i, j)), sp.S(0))
    return c * sp.factorial(i) * sp.factorial(j)


@cache
def corner_jet(pc: Piece, region: str, x_line):
    """[{(i, j): d^(i+j) G / da^i dx^j at (pi, x_line)} for G12 and G21] on the piece, exactly:
    the second-order jets of N (section 5's forms with the piece's eps) and D from the series
    in (a - pi, x - x_line), then G = N / D by the quotient rule."""
    at = {a: PI + _E, x: x_line + _Y}
    t1, t2 = (RJ(t.subs(phi, bulk_phi(region)).subs(at).xreplace({PI: _P}))
              for t in (pc.t1, pc.t2))
    f = eps_forms(t1, t2, pc.eps, PJ + E, Jet2)
    rep = {_d(_D(a), i, 0): _jet_derivative(f["D"], i, 0) for i in range(3)}
    out = []
    for name in ("N12", "N21"):
        rep.update({_d(_N(a, x), *o): _jet_derivative(f[name], *o) for o in JET_ORDERS})
        out.append({o: sp.cancel(q.xreplace(rep)) for o, q in QUOTIENT.items()})
    return out


@cache
def vanishes_on_the_line(pc: Piece, region: str, x_line) -> bool:
    """N12 = N21 = 0 on x = x_line for every a (trigonometric normal form in a)."""
    Ns, _ = piece_G_parts(pc, region)
    return all(is_zero(n.subs(x, x_line), (a,)) for n in Ns)


@dataclasses.dataclass(frozen=True)
class Corner:
    """Lemma P at (a, x) = (pi, x_line): the line's piece, the function k (0: G12, 1: G21) with
    the double zero, M = d2G/(da dx) and H_xx = d2G/dx2 there on the line's piece, and
    (H_aa, H_ax, H_xx) there on C (outside only)."""

    region: str
    x_line: int
    line_piece: str
    k: int
    M: sp.Expr
    H_xx: sp.Expr
    on_C: tuple | None


CORNERS = [
    Corner("in", 1, "A", 0, 2 * PI, 2 * PI ** 2, None),
    Corner("in", 0, "A", 1, -2 * PI, 2 * PI ** 2, None),
    Corner("out", 0, "B", 0, 2 * PI, 2 * PI ** 2, (-4, -2 * PI, -2 * PI ** 2)),
    Corner("out", 1, "D", 1, -2 * PI, 2 * PI ** 2, (-4, 2 * PI, -2 * PI ** 2)),
]


def p_problems(cn: Corner, pieces=PIECES) -> list[str]:
    """Lemma P's exact facts and constants at the corner (docs/proof-conjecture1.md)."""
    out = []
    where = f"{cn.region} x_L = {cn.x_line}"
    line = pieces[cn.line_piece]
    if not vanishes_on_the_line(line, cn.region, cn.x_line):
        out.append(f"{where}: G != 0 on the line for some a")
    jet = corner_jet(line, cn.region, cn.x_line)
    g = jet[cn.k]
    if g[(0, 0)] != 0 or g[(0, 1)] != 0:
        out.append(f"{where}: G{'12' if cn.k == 0 else '21'} has no double zero at the corner")
    if jet[1 - cn.k][(0, 1)] == 0:
        out.append(f"{where}: the other function has a double zero too")
    if sp.expand(g[(1, 1)] - cn.M) != 0 or sp.expand(g[(0, 2)] - cn.H_xx) != 0:
        out.append(f"{where}: (M, H_xx) = ({g[(1, 1)]}, {g[(0, 2)]})")
    if cn.on_C is not None:
        gc = corner_jet(pieces["C"], cn.region, cn.x_line)[cn.k]
        if any(gc[o] != 0 for o in ((0, 0), (1, 0), (0, 1))):
            out.append(f"{where}: G_C or its gradient is not 0 at the corner")
        got = tuple(gc[o] for o in ((2, 0), (1, 1), (0, 2)))
        if any(sp.expand(u - w) != 0 for u, w in zip(got, cn.on_C, strict=True)):
            out.append(f"{where}: C's (H_aa, H_ax, H_xx) = {got}")
    return out


@pytest.mark.parametrize("cn", CORNERS, ids=lambda c: f"{c.region}-{c.x_line}")
def test_lemma_p_the_corner_facts_and_constants(cn):
    assert p_problems(cn) == []


@pytest.mark.parametrize("cn", CORNERS, ids=lambda c: f"{c.region}-{c.x_line}")
def test_lemma_p_the_code_uses_the_proved_function_and_piece(cn):
    """interval's corner quantity is built for the function and on the line's piece that
    the lemma's facts hold for."""
    assert iv.degenerate_index(cn.region, float(cn.x_line)) == cn.k
    assert iv.LINE_PIECE[(cn.region, float(cn.x_line))] == cn.line_piece


@pytest.mark.parametrize("cn", CORNERS, ids=lambda c: f"{c.region}-{c.x_line}")
def test_lemma_p_the_constants_meet_the_lemma_at_the_corner(cn):
    """With sigma = +1 (x_L = 0) or -1 and S the claimed sign: inside -M and sigma H_xx have the
    sign sigma S; outside -M + sigma [0, 1/(2 pi)] H_xx does (the wedge), and on C H_aa, H_xx have
    the sign S with H_ax^2 < H_aa H_xx. (The certificate's enclosures decide the boxes; this
    is why boxes at the corner can be certified.)"""
    sigma = 1 if cn.x_line == 0 else -1
    S_ = 1 if cn.region == "in" else -1
    ends = [-cn.M, sigma * cn.H_xx] if cn.region == "in" else [
        -cn.M, -cn.M + sigma * cn.H_xx / (2 * PI)]
    assert all(sigma * S_ * e > 0 for e in ends)
    if cn.on_C is not None:
        H_aa, H_ax, H_xx = cn.on_C
        assert S_ * H_aa > 0 and S_ * H_xx > 0 and H_ax ** 2 < H_aa * H_xx


def test_lemma_p_K_and_the_wedge():
    """K_a = (pi - a) sin a / D and K_a' vanish at a = pi (D(pi) = pi^2); the piece B outside is
    s <= s_pi(a) = (pi - a) / (2 pi - a) = eps / (pi + eps) <= eps / pi (eps = pi - a), D is
    1 - s <= the same (phi = pi and phi = pi + a in s)."""
    K = (PI - a) * sp.sin(a) / D_of(a)
    assert D_of(a).subs(a, PI) == PI ** 2
    assert K.subs(a, PI) == 0 and sp.diff(K, a).subs(a, PI) == 0
    e = sp.Symbol("e", positive=True)
    s_pi, s_pia = (PI - a) / (2 * PI - a), PI / (2 * PI - a)
    out = bulk_phi("out")
    assert sp.cancel(out.subs(x, s_pi) - PI) == 0 and sp.cancel(out.subs(x, s_pia) - PI - a) == 0
    assert sp.cancel(s_pi.subs(a, PI - e) - e / (PI + e)) == 0
    assert sp.cancel((1 - s_pia).subs(a, PI - e) - e / (PI + e)) == 0
    assert sp.cancel(e / PI - e / (PI + e) - e ** 2 / (PI * (PI + e))) == 0  # >= 0


# --- the two series engines against sympy's own series and derivatives ---------------------------


@pytest.mark.parametrize("name", list(PATCHES))
def test_the_series_engine_agrees_with_sympy_series(name):
    """Series.sin_cos (the engine's only analytic step; the rest is ring arithmetic) gives
    sympy.series' coefficients of sin t and cos t up to a^ORDER, for the patch's angles and a."""
    pt = PATCHES[name]
    for t in (pt.t1, pt.t2, pt.phi, a):
        for f, mine in zip((sp.sin(t), sp.cos(t)), Series.sin_cos(to_series(t)), strict=True):
            ref = sp.series(f, a, 0, ORDER + 1).removeO()
            got = coefficients(mine)
            for j in range(ORDER + 1):
                assert to_series(sp.expand_trig(sp.expand(ref.coeff(a, j)))) == got[j], (t, j)


@pytest.mark.parametrize("region, piece, x_line", [("in", "A", 1), ("out", "C", 0)])
def test_the_corner_jets_agree_with_sympy_derivatives(region, piece, x_line):
    """corner_jet (second-order series at (pi, x_L)) against sympy's derivatives of G = N / D."""
    Ns, D = piece_G_parts(PIECES[piece], region)
    jets = corner_jet(PIECES[piece], region, x_line)
    for N, jet in zip(Ns, jets, strict=True):
        for o in JET_ORDERS:
            ref = _d(N / D, *o).subs({a: PI, x: x_line})
            assert sp.cancel(sp.expand(ref) - jet[o]) == 0, (o, ref, jet[o])


# --- the symbolic functions are the code's (mpmath at 60 digits, arb at 256 bits) ---------------

DIGITS = 60
TOL = 1e-45


def _arb(q: Fraction):
    return iv.arb(q.numerator) / q.denominator


def _mpf(q: Fraction):
    return mp.mpf(q.numerator) / q.denominator


def _close(ball, value, tol=TOL) -> bool:
    """The arb ball and the mpmath number agree to tol (relative to max(1, |value|))."""
    diff = ball - iv.arb(mp.nstr(value, DIGITS - 5))
    return float(diff.abs_upper()) <= tol * max(1.0, float(abs(value)))


def _rationals(seed: int, lo: float, hi: float, n: int) -> list[Fraction]:
    rnd = random.Random(seed)
    return [Fraction(rnd.uniform(lo, hi)).limit_denominator(10 ** 6) for _ in range(n)]


def patch_functions(pt: Patch):
    """N12, N21, Ns12 = dN12/dphi, Ns21, D on the patch as functions of (a, x), from section 2's
    N (proved equal to the paper's D L / sin a), independent of the code's formulas."""
    pc = PIECES[pt.piece]
    N = section2_N(pc.t1, pc.t2, phi)
    exprs = [*N, *(sp.diff(n, phi) for n in N)]
    exprs = [e.subs(phi, pt.phi) for e in exprs] + [D_of(a)]
    return [sp.lambdify((a, x), e, "mpmath") for e in exprs]


def _eval_coefficient(p, x0: Fraction):
    """A coefficient of RS (a polynomial in pi, x, sin(pi x), cos(pi x)) at x0, in mpmath."""
    xv = _mpf(x0)
    values = (mp.pi, xv, mp.sin(mp.pi * xv), mp.cos(mp.pi * xv))
    return mp.fsum(mp.mpf(int(v.numerator)) / int(v.denominator)
                   * mp.fprod(b ** e for b, e in zip(values, m[:4], strict=True))
                   for m, v in p.items())


@pytest.mark.parametrize("name", list(PATCHES))
def test_the_code_numerators_are_the_symbolic_functions(name, prec):
    """small_a.numerators (the Taylor coefficients in a the a -> 0 end piece encloses): at
    rational points a0 in (0, 1/4], x0 in [0, 1] its coefficients are mpmath's Taylor
    coefficients of the symbolic functions; at a0 = 0 they are the exact coefficients of
    Lemma Z1 (so the dropped ones are the ones proved 0)."""
    pt = PATCHES[name]
    m = pt.k + 2 + sa.J
    funcs = patch_functions(pt)
    ser = patch_series(pt)
    names = ("N12", "N21", "Ns12", "Ns21", "D")
    with mp.workdps(DIGITS):
        for a0, x0 in zip(_rationals(1, 0.01, 0.25, 2), _rationals(2, 0, 1, 2), strict=True):
            code = sa.numerators(name, _arb(a0), _arb(x0), m)
            for f, cs, key in zip(funcs, code, names, strict=True):
                ref = mp.taylor(lambda t, f=f, x0=x0: f(t, _mpf(x0)), _mpf(a0), m)
                for j in range(m + 1):
                    assert _close(cs[j], ref[j]), (name, key, a0, x0, j, cs[j], ref[j])
        for x0 in [Fraction(0), Fraction(1), *_rationals(3, 0, 1, 2)]:
            code = sa.numerators(name, iv.arb(0), _arb(x0), m)
            for key, cs in zip(names, code, strict=True):
                for j in range(m + 1):
                    value = _eval_coefficient(ser[key][j], x0)
                    assert _close(cs[j], value), (name, key, x0, j, cs[j], value)
                    if ser[key][j] == 0:
                        assert cs[j].contains(0)


def bulk_G(region: str, piece: str):
    """G and dG/dphi on the piece in the coordinates (a, x), from section 2's N."""
    pc = PIECES[piece]
    N = section2_N(pc.t1, pc.t2, phi)
    G = [n / D_of(a) for n in N]
    dG = [sp.diff(n, phi) / D_of(a) for n in N]
    ph = bulk_phi(region)
    return ([sp.lambdify((a, x), g.subs(phi, ph), "mpmath") for g in G],
            [sp.lambdify((a, x), g.subs(phi, ph), "mpmath") for g in dG])


def _s_range(piece: str, a0: float) -> tuple[float, float]:
    s_pi, s_pia = (mp.pi - a0) / (2 * mp.pi - a0), mp.pi / (2 * mp.pi - a0)
    return {"B": (0.0, float(s_pi)), "C": (float(s_pi), float(s_pia)),
            "D": (float(s_pia), 1.0)}[piece]


@pytest.mark.parametrize("region, piece", [("in", "A"), ("out", "B"), ("out", "C"),
                                           ("out", "D")])
def test_the_code_piece_formulas_are_the_symbolic_functions(region, piece, prec):
    """interval.value_forms (with its Jets: the gradient and Hessian in (a, x) that the
    Taylor forms and Lemma P's corner quantity use) and slope_forms, at rational points of the
    piece and at the corners a = pi (a as arb's pi), against the symbolic G = N / D and its
    derivatives (mpmath's numerical derivatives at 60 digits)."""
    G, dG = bulk_G(region, piece)
    J = iv.Jet
    pts = []
    for a0 in _rationals(4, 0.05, 3.1, 2):
        lo, hi = (0.0, 1.0) if region == "in" else _s_range(piece, float(a0))
        pts += [(a0, v) for v in _rationals(5, lo, hi, 1)]
    corners = {"A": (0, 1), "B": (0,), "C": (0, 1), "D": (1,)}[piece]
    pts += [(None, Fraction(xl)) for xl in corners]  # a = pi
    orders = {"v": (0, 0), "da": (1, 0), "dx": (0, 1), "aa": (2, 0), "ax": (1, 1), "xx": (0, 2)}
    with mp.workdps(DIGITS):
        for a0, x0 in pts:
            A_arb, a_mp = (iv.arb.pi(), mp.pi) if a0 is None else (_arb(a0), _mpf(a0))
            jets = iv.value_forms(region, piece, J.variable(A_arb, "a"),
                                  J.variable(_arb(x0), "x"))
            slopes = iv.slope_forms(region, piece, A_arb, _arb(x0))
            for i in (0, 1):
                for comp, o in orders.items():
                    ref = mp.diff(G[i], (a_mp, _mpf(x0)), o)
                    got = getattr(jets[i], comp)
                    assert _close(got, ref), (region, piece, a_mp, x0, i, comp, got, ref)
                ref = dG[i](a_mp, _mpf(x0))
                assert _close(slopes[i], ref), (region, piece, a_mp, x0, i, slopes[i])


# --- the checks have power -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PATCHES))
def test_power_of_lemma_z1(name):
    """A wrong sign of eps1 or eps2 in the patch's row, each order raised by one and each
    leading term changed are detected. On in, B and D a wrong sign already breaks an order; on
    C every term of N and N_s has the order by itself (g(pi - tau) = O(tau^2),
    h(pi - tau) = O(tau^3)), so only the leading terms see it."""
    pt = PATCHES[name]
    for wrong in (flip_eps2(pt), flip_eps1(pt)):
        problems = z1_problems(wrong)
        assert problems
        assert any("is not 0" in p for p in problems) == (name != "C"), problems
    assert z1_problems(dataclasses.replace(pt, t2=pt.t2.subs(x, 1 - x)))
    for f, v in z1_orders(pt).items():
        raised = z1_problems(pt, orders={**z1_orders(pt), f: v + 1})
        assert any(p.startswith(f"{name} {f}: a^{v} coefficient") for p in raised), raised
        wrong_lead = z1_problems(pt, leading={**LEADING[name], f: LEADING[name][f] * (1 + x)})
        assert wrong_lead and all(p.startswith(f"{name} {f}: leading") for p in wrong_lead)


@pytest.mark.parametrize("name", ["B", "C"])
def test_power_of_lemma_z2(name):
    """O(a^3) raised to O(a^4) fails (the a^3 coefficients of G12(a, pi) and G21(a, pi) are
    1/(9 pi) and -1/(9 pi)), the two constants swapped fail, and a wrong eps2 fails for G21
    (eps1 does not enter: it multiplies g(t1) = g(pi) = 0)."""
    pc = PIECES[name]
    assert len(z2_problems(pc, order=4)) == 2
    assert len(z2_problems(pc, claims={"N12": Z2["N21"], "N21": Z2["N12"]})) == 2
    assert [p.split(":")[0] for p in z2_problems(flip_eps2(pc))] == [f"{name} N21(a, pi)"]
    assert z2_problems(flip_eps1(pc)) == []


def test_power_of_the_slopes_near_a_pi():
    """O(e^3) raised to O(e^4) fails for each of the four; a wrong constant or a wrong angle
    on the line fails. (The signs eps do not enter on the lines: there g(t) = g(0) = 0 or
    K_a H g(t1) = O(e^7).)"""
    assert len(slope_at_pi_problems(order=4)) == 4
    for name, _, f, _ in SLOPES_AT_PI:
        pc = PIECES[name]
        angle = "t1" if f == "Ns12" else "t2"  # the angle of the function's first term
        wrong = dataclasses.replace(pc, **{angle: getattr(pc, angle) + a})
        assert any(p.startswith(f"{name} {f}") for p in slope_at_pi_problems(
            {**PIECES, name: wrong})), (name, f)
        assert slope_at_pi_problems({**PIECES, name: flip_eps2(flip_eps1(pc))}) == []
    wrong_c = tuple((n, line, f, -c) for n, line, f, c in SLOPES_AT_PI)
    assert len(slope_at_pi_problems(claims=wrong_c)) == 4


@pytest.mark.parametrize("name", list(ANCHORS))
def test_power_of_the_anchors(name):
    """The anchor moved to x = 1/2, the two a-slopes swapped, the x-slope's sign flipped: each
    is detected."""
    x_p, da, dx = ANCHORS[name]
    assert anchor_problems(name, (sp.Rational(1, 2), da, dx))
    assert len(anchor_problems(name, (x_p, da[::-1], dx))) == 2
    assert len(anchor_problems(name, (x_p, da, -dx))) == 2


def test_power_of_the_identities():
    """Proposition 1, the C^1 gluing and L = 0 at a = pi are not vacuous: off the line (a wrong
    angle t2 = a + phi on A), between pieces that do not meet (B and D at phi = pi) and at
    a = pi/2 the same checks fail."""
    pc = dataclasses.replace(PIECES["A"], t2=a + phi)
    N = section2_N(pc.t1.subs(phi, a), pc.t2.subs(phi, a), a)
    assert not all(is_zero(n, (a,)) for n in N)
    fb = section2_N(PIECES["B"].t1, PIECES["B"].t2, phi)
    fd = section2_N(PIECES["D"].t1, PIECES["D"].t2, phi)
    assert not all(is_zero((u - w).subs(phi, PI), (a,)) for u, w in zip(fb, fd, strict=True))
    _, DL = paper_det_and_DL(PIECES["B"].t1, PIECES["B"].t2)
    assert not all(is_zero(f.subs(a, PI / 2), (phi,)) for f in DL)


@pytest.mark.parametrize("cn", CORNERS, ids=lambda c: f"{c.region}-{c.x_line}")
def test_power_of_lemma_p(cn):
    """Lemma P's checks fail for: the other function (no double zero there), a wrong sign of
    the degenerate function's own eps (eps1 for G12, eps2 for G21) on the line's piece or on C,
    and each constant changed. (The other eps does not enter that function.)"""
    assert p_problems(dataclasses.replace(cn, k=1 - cn.k))
    own = flip_eps1 if cn.k == 0 else flip_eps2
    other = flip_eps2 if cn.k == 0 else flip_eps1
    line = PIECES[cn.line_piece]
    assert p_problems(cn, {**PIECES, cn.line_piece: own(line)})
    assert p_problems(cn, {**PIECES, cn.line_piece: other(line)}) == []
    assert p_problems(dataclasses.replace(cn, M=-cn.M))
    assert p_problems(dataclasses.replace(cn, H_xx=-cn.H_xx))
    if cn.on_C is not None:
        assert p_problems(cn, {**PIECES, "C": own(PIECES["C"])})
        for i in range(3):
            wrong = tuple(-c if j == i else c for j, c in enumerate(cn.on_C))
            assert p_problems(dataclasses.replace(cn, on_C=wrong))


def test_power_of_the_code_comparison(prec):
    """The code's numerators are not those of a patch with a wrong eps2: at one point the
    symbolic N21 (and Ns12, Ns21) of such a patch differ from the code's by far more than TOL."""
    pt = flip_eps2(PATCHES["in"])
    f = eps_forms(pt.t1, pt.t2, pt.eps, a, Sym)
    a0, x0 = Fraction(1, 10), Fraction(1, 3)
    with mp.workdps(DIGITS):
        code = sa.numerators("in", _arb(a0), _arb(x0), 0)
        for key, cs in zip(("N12", "N21", "Ns12", "Ns21", "D"), code, strict=True):
            value = sp.lambdify((a, x), f[key], "mpmath")(_mpf(a0), _mpf(x0))
            assert _close(cs[0], value) == (key in ("N12", "D")), key
