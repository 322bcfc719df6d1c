"""The arb enclosures of relucheck.proofs.minimum.interval against an independent reference.

Reference (mpmath, DPS = 110 significant digits). J is evaluated from the closed form only,

    J = 1/2 sum_{p,q} b_p b_q k(v_p, v_q),  k(u, v) = |u| |v| (sin t + (pi - t) cos t) / (2 pi),

over V = [W; W*], b = [a; -a*], with t = 2 atan2(|u^ - v^|, |u^ + v^|) (k(u, u) = |u|^2 / 2 comes
out of the same formula at t = 0; a zero row contributes 0). The closed form itself is checked
against direct quadrature of 1/2 E[(g* - g)^2] in d = 2 (k depends on |u|, |v|, t only, so d = 2
covers every d). The gradient and the Hessian are NOT taken from any analytic formula: they are
central differences of that J in mpmath, with the dyadic step h = 2^-116 (x +- h is exact),

    g_i = (J(x + h e_i) - J(x - h e_i)) / (2 h),
    H_ii = (J(x + h e_i) - 2 J(x) + J(x - h e_i)) / h^2,
    H_ij = (J(++) - J(+-) - J(-+) + J(--)) / (4 h^2),

where only the terms of J that involve the perturbed rows are evaluated (the others cancel
exactly; for i, j in different rows r, s only the term b_r b_s k(v_r, v_s)). Error: rounding at
110 digits is <= ~4 10^-110 |J_S| / h^2 ~ 3e-40 |J_S| (J_S the evaluated part); truncation
is O(h^2) ~ 1e-70 where J is smooth and O(h) ~ 1e-35 at exactly (anti)parallel pairs, where k is
only C^2 (h(t) = pi - pi t^2 / 2 + t^3 / 3 + ...). Every reference value is therefore turned into
the arb ball [x +- REF_ERR], REF_ERR = 1e-30 (x converted to arb exactly from its mantissa and
exponent), and the test requires that ball to lie inside the enclosure (arb ``contains``: a
rigorous inclusion, not an overlap). A NaN or infinite enclosure is a failure, never a pass,
and the tests that break the code on purpose show the check rejects errors of 2^-40.

Float64 values (population_loss, gradient_K, population_hessian and the compiled
kernels.loss / gradient_batch / hessian) must lie in the enclosure widened by
C eps S, eps = 2^-52, C = 4 (m^2 + 8 d + 16) (m = n + k rows), S the sum of the magnitudes of
the terms that make up the quantity: S_J = 1/2 sum |b_p b_q| |v_p| |v_q| (|k| <= |u||v|/2);
S_g(j) = |a_j| sum_l |b_l| |v_l| for the gradient row j; S_H = max_j [a_j^2 / 2 + |a_j| sum_l
|b_l| |v_l| / (pi |w_j|) + |a_j| sum_{l < n} |a_l|] for the Hessian. Why: each term is a product
of a handful of factors computed from the rows with absolute error <= (8 d + 16) eps relative to
the term's scale (norms and unit vectors ~ (d + 2) eps; the angle from the half-angle chord or
from acos with |cos t| <= 1/2 has absolute error ~ 4 (d + 2) eps; the unit p^ has error
~ (d + 2) eps / sin t but always comes multiplied by sin t), and recursive summation of at most
m^2 terms adds m^2 eps times the sum of their magnitudes; the factor 4 is slack. This is a
forward error bound in the usual first-order sense, not a proof; it is ~1e-13 S, far below
any formula error, and at the point boxes (radius 0, enclosure width ~1e-18) it is the dominant
width, so the float check is not carried by a wide enclosure (a float Hessian perturbed by a
relative 1e-9 is rejected).
"""

from __future__ import annotations

import inspect
import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from relucheck.descent import _kernels as kernels
from relucheck.proofs.minimum import interval as mi
from relucheck.theory.gradient import gradient_K, population_loss
from relucheck.theory.hessian import population_hessian

DPS = 110
STEP_EXP = 116  # h = 2^-116
REF_ERR = 1e-30
EPS = 2.0 ** -52
PREC = 64  # the precision of relucheck.proofs.minimum.proof


@pytest.fixture(autouse=True)
def _arb_precision():
    old = ctx.prec
    ctx.prec = PREC
    yield
    ctx.prec = old


# --- the independent reference ------------------------------------------------------------


def _geometry(row):
    """(|v|, v^) of an mpf row; v^ None for a zero row."""
    nv = mpmath.sqrt(mpmath.fsum([x * x for x in row]))
    return nv, ([x / nv for x in row] if nv else None)


def _k(g, h):
    """The arc-cosine kernel k(u, v) from the geometries of u and v."""
    (nu, uh), (nv, vh) = g, h
    if uh is None or vh is None:
        return mpmath.mpf(0)
    dm = mpmath.sqrt(mpmath.fsum([(x - y) * (x - y) for x, y in zip(uh, vh, strict=True)]))
    dp = mpmath.sqrt(mpmath.fsum([(x + y) * (x + y) for x, y in zip(uh, vh, strict=True)]))
    t = 2 * mpmath.atan2(dm, dp)
    c, s = mpmath.cos_sin(t)
    return nu * nv * (s + (mpmath.pi - t) * c) / (2 * mpmath.pi)


class Reference:
    """J, grad_W J and the Hessian in W at one float point, in mpmath (module docstring)."""

    def __init__(self, W, W_star, a, a_star, step_exp=STEP_EXP):
        W, W_star = np.asarray(W, dtype=float), np.asarray(W_star, dtype=float)
        self.n, self.d = W.shape
        self.m = self.n + W_star.shape[0]
        with mpmath.workdps(DPS):
            self.rows = [[mpmath.mpf(float(x)) for x in r] for r in np.vstack([W, W_star])]
            self.b = ([mpmath.mpf(float(x)) for x in a]
                      + [-mpmath.mpf(float(x)) for x in a_star])
            self.geo = [_geometry(r) for r in self.rows]
            self.h = mpmath.mpf(2) ** -step_exp
            self.loss = self._part(range(self.m), {})
            self.grad, self.hess = self._derivatives()

    def _part(self, S, shifts: dict, pairs=None) -> mpmath.mpf:
        """The terms of J that involve a row in S (or only the terms of ``pairs``), with
        coordinate i shifted by shifts[i]."""
        geo = list(self.geo)
        for j in S:
            row = list(self.rows[j])
            for i, dx in shifts.items():
                if i // self.d == j:
                    row[i % self.d] += dx
            geo[j] = _geometry(row)
        S = set(S)
        b = self.b
        terms = []
        for p in range(self.m):
            for q in range(p, self.m):
                if (p, q) in pairs if pairs is not None else (p in S or q in S):
                    w = b[p] * b[q] if p != q else b[p] * b[p] / 2
                    terms.append(w * _k(geo[p], geo[q]))
        return mpmath.fsum(terms)

    def _derivatives(self):
        N, d, h = self.n * self.d, self.d, self.h
        grad, hess = [None] * N, [[None] * N for _ in range(N)]
        mids = [self._part((j,), {}) for j in range(self.n)]
        for i in range(N):
            S = (i // d,)
            up, mid, down = self._part(S, {i: h}), mids[i // d], self._part(S, {i: -h})
            grad[i] = (up - down) / (2 * h)
            hess[i][i] = (up - 2 * mid + down) / (h * h)
        for i, j in itertools.combinations(range(N), 2):
            # rows r_i < r_j: of the terms of J only b_ri b_rj k(v_ri, v_rj) depends on both
            # rows, and the mixed difference of every other term cancels exactly
            S, pairs = (i // d, j // d), None if i // d == j // d else {(i // d, j // d)}
            f = [self._part(S, {i: si * h, j: sj * h}, pairs)
                 for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            hess[i][j] = hess[j][i] = (f[0] - f[1] - f[2] + f[3]) / (4 * h * h)
        return grad, hess


def _ball(x) -> arb:
    """[x +- REF_ERR] for an mpf x, x converted exactly (mantissa times a power of two)."""
    man, exp = x.man_exp  # |x| = man 2^exp (man_exp drops the sign)
    exact = arb(int(man)) * arb(2) ** int(exp)
    return (-exact if x < 0 else exact) + arb(0, REF_ERR)


def mp_misses(E, R: Reference) -> list[str]:
    """Entries of the enclosure E that do not contain the reference R (with REF_ERR)."""
    out = []

    def check(name, enc, x):
        if not (enc.is_finite() and enc.contains(_ball(x))):
            out.append(f"{name}: {enc} vs {mpmath.nstr(x, 25)}")

    if E.grad is not None:
        for i, g in enumerate(E.grad):
            check(f"grad[{i}]", g, R.grad[i])
    if E.hess is not None:
        N = len(R.grad)
        for i in range(N):
            for j in range(N):
                check(f"hess[{i},{j}]", E.hess[i, j], R.hess[i][j])
    if E.loss is not None:
        check("loss", E.loss, R.loss)
    return out


# --- float64 values and their rounding allowance ------------------------------------------


def float_values(W, W_star, a, a_star) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """(name, gradient, Hessian, loss) from the numpy and the compiled float64 code."""
    W, W_star = np.ascontiguousarray(W, dtype=float), np.ascontiguousarray(W_star, dtype=float)
    a, a_star = np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(a_star, dtype=float)
    n, d = W.shape
    Hn = population_hessian(W, W_star, a, a_star).reshape(n * d, n * d)
    gn = gradient_K(W, W_star, a, a_star).ravel()
    Jn = float(population_loss(W, W_star, a, a_star))
    Hc = np.empty((n * d, n * d))
    assert kernels.hessian(W, a, W_star, a_star, Hc)
    gc = kernels.gradient_batch(W[None], a[None], W_star, a_star, False)[0][0].ravel()
    Jc = float(kernels.loss(W, a, W_star, a_star))
    return [("numpy", gn, Hn, Jn), ("compiled", gc, Hc, Jc)]


def float_tolerances(W, W_star, a, a_star):
    """(tol_grad (N,), tol_hess, tol_loss): C eps S of the module docstring."""
    W, W_star = np.asarray(W, dtype=float), np.asarray(W_star, dtype=float)
    n, d = W.shape
    m = n + W_star.shape[0]
    V = np.vstack([W, W_star])
    b = np.abs(np.concatenate([a, -np.asarray(a_star)]))
    nv = np.sqrt((V * V).sum(axis=1))
    aa = np.abs(np.asarray(a, dtype=float))
    C = 4 * (m * m + 8 * d + 16) * EPS
    S_J = 0.5 * (b * nv).sum() ** 2
    S_g = aa * (b * nv).sum()
    S_H = max(aa[j] ** 2 / 2 + aa[j] * (b * nv).sum() / (np.pi * nv[j]) + aa[j] * aa.sum()
              for j in range(n))
    return C * np.repeat(S_g, d), C * S_H, C * S_J


def float_misses(E, W, W_star, a, a_star, values=None) -> list[str]:
    """Float values at the point W (default: all six from float_values) outside the
    enclosure E widened by their rounding allowance."""
    tg, tH, tJ = float_tolerances(W, W_star, a, a_star)
    values = float_values(W, W_star, a, a_star) if values is None else values
    out = []

    def check(name, enc, x, tol):
        if not (enc.is_finite() and (enc + arb(0, float(tol))).contains(arb(float(x)))):
            out.append(f"{name}: {enc} +- {tol:.2g} vs {x!r}")

    for src, g, H, J in values:
        if E.grad is not None:
            for i, gi in enumerate(E.grad):
                check(f"{src} grad[{i}]", gi, g[i], tg[i])
        if E.hess is not None:
            N = H.shape[0]
            for i in range(N):
                for j in range(N):
                    check(f"{src} hess[{i},{j}]", E.hess[i, j], H[i, j], tH)
        if E.loss is not None:
            check(f"{src} loss", E.loss, J, tJ)
    return out


# --- problems and points ------------------------------------------------------------------


def problem(rng, n, k, d, paper=False):
    """Random W0 (rows of norm in [0.5, 2]), W*, a, a* (general signs and sizes), or the
    paper's a = a* = 1, W* = [I 0] when ``paper``."""
    W0 = rng.standard_normal((n, d))
    W0 *= (rng.uniform(0.5, 2.0, n) / np.linalg.norm(W0, axis=1))[:, None]
    if paper:
        return W0, np.eye(k, d), np.ones(n), np.ones(k)
    W_star = rng.standard_normal((k, d)) * rng.uniform(0.5, 1.5, (k, 1))
    a = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.5, n)
    a_star = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 1.5, k)
    return W0, W_star, a, a_star


def in_box(P, W0, r) -> bool:
    """max |P - W0| <= r, exactly (rational arithmetic)."""
    return all(abs(Fraction(float(p)) - Fraction(float(c))) <= Fraction(r)
               for p, c in zip(np.ravel(P), np.ravel(W0), strict=True))


def points(rng, W0, r, corners=2, random=1) -> list[np.ndarray]:
    """The centre, ``corners`` random corners and ``random`` uniform points of the box, all
    floats inside it (W0 +- r are floats for these sizes, so rounding keeps points inside)."""
    pts = [W0.copy()]
    pts += [W0 + r * rng.choice([-1.0, 1.0], W0.shape) for _ in range(corners)]
    pts += [np.clip(W0 + r * rng.uniform(-1.0, 1.0, W0.shape), W0 - r, W0 + r)
            for _ in range(random)]
    assert all(in_box(P, W0, r) for P in pts)
    return pts


def enclose_all(W, W_star, a, a_star):
    return mi.enclose(W, W_star, a, a_star, gradient=True, hessian=True, loss=True)


def max_rad(E) -> float:
    N = E.hess.nrows()
    return max(float(E.hess[i, j].rad()) for i in range(N) for j in range(N))


# --- the reference itself -----------------------------------------------------------------


def test_reference_loss_matches_quadrature():
    """The closed-form J equals 1/2 E[(g* - g)^2] by quadrature in d = 2 (polar coordinates:
    E[f(x)] for f positively homogeneous of degree 2 is (1/pi) int_0^{2 pi} f(e_phi) dphi),
    split at every kink phi = angle(w) +- pi/2, to 40 digits."""
    rng = np.random.default_rng(11)
    for n, k in ((1, 1), (2, 3), (3, 2)):
        W, W_star, a, a_star = problem(rng, n, k, 2)
        R = Reference(W, W_star, a, a_star)
        with mpmath.workdps(45):
            rows = [[mpmath.mpf(float(x)) for x in r] for r in np.vstack([W, W_star])]
            b = [mpmath.mpf(float(x)) for x in a] + [-mpmath.mpf(float(x)) for x in a_star]

            def f(phi, rows=rows, b=b):
                c, s = mpmath.cos(phi), mpmath.sin(phi)
                return mpmath.fsum(bp * max(r[0] * c + r[1] * s, 0)
                                   for bp, r in zip(b, rows, strict=True)) ** 2

            kinks = sorted(mpmath.fmod(mpmath.atan2(r[1], r[0]) + sg * mpmath.pi / 2
                                       + 2 * mpmath.pi, 2 * mpmath.pi)
                           for r in rows for sg in (-1, 1))
            cuts = [mpmath.mpf(0), *kinks, 2 * mpmath.pi]
            J = mpmath.quad(f, cuts) / (2 * mpmath.pi)
            assert abs(J - R.loss) < mpmath.mpf(10) ** -38, (J, R.loss)


def test_reference_derivatives_do_not_depend_on_the_step():
    """The stated error of the central differences: h = 2^-116 and h = 2^-100 agree to far
    below REF_ERR at a generic point (O(h^2) truncation: ~1e-61 in the gradient, the Hessian
    limited by rounding, ~2e-41) and at the exactly parallel / antiparallel centre of
    degenerate() (O(h) truncation there: the difference is ~1e-30, so the error at 2^-116,
    2^16 times smaller, is ~1e-35)."""
    generic = problem(np.random.default_rng(12), 2, 2, 3)
    for args, bound in ((generic, 1e-36), (degenerate(), 1e-29)):
        fine, coarse = Reference(*args), Reference(*args, step_exp=100)
        diff = max(abs(x - y) for x, y in zip(fine.grad, coarse.grad, strict=True))
        diff = max(diff, max(abs(x - y) for rf, rc in zip(fine.hess, coarse.hess, strict=True)
                             for x, y in zip(rf, rc, strict=True)))
        assert diff < bound, (diff, bound)


# --- (a) random boxes ---------------------------------------------------------------------

CASES = [  # (n, k, d, seed, paper, a fixed radius exponent; a random one in [-30, -8] is added)
    (1, 1, 2, 1, False, -30),
    (2, 2, 2, 2, True, -8),
    (2, 3, 3, 3, False, -30),
    (3, 2, 3, 4, False, -8),
    (3, 3, 3, 5, True, -30),
    (4, 4, 2, 6, False, -8),
    (4, 3, 4, 7, False, -30),
    (4, 4, 4, 8, False, -8),
]


@pytest.mark.parametrize("n,k,d,seed,paper,e_fixed", CASES)
def test_enclosures_contain_reference_and_floats(n, k, d, seed, paper, e_fixed):
    """At the centre, corners and uniform points of boxes of radius 2^e around a random W0
    (e fixed and e drawn from [-30, -8]; general a, a*, W* unless ``paper``), the box
    enclosures of J, its gradient and Hessian contain the mpmath values and the float64
    values up to their rounding; so do the point enclosures (radius 0) at each point, which
    are ~1e-18 wide."""
    rng = np.random.default_rng(seed)
    W0, W_star, a, a_star = problem(rng, n, k, d, paper)
    small = n * d <= 9
    for e in sorted({e_fixed, int(rng.integers(-30, -7))}):
        r = 2.0 ** e
        E = enclose_all(mi.box(W0, r), W_star, a, a_star)
        assert max_rad(E) < 2.0 ** (e + 8)  # narrow: the checks below are not vacuous
        for P in points(rng, W0, r, corners=2 if small else 1, random=2 if small else 1):
            R = Reference(P, W_star, a, a_star)
            assert mp_misses(E, R) == []
            assert float_misses(E, P, W_star, a, a_star) == []
            E0 = enclose_all(mi.box(P, 0.0), W_star, a, a_star)
            assert max_rad(E0) < 1e-15
            assert mp_misses(E0, R) == []
            assert float_misses(E0, P, W_star, a, a_star) == []


# --- (b) exactly parallel and antiparallel pairs, a zero teacher row ----------------------


def degenerate():
    """w_2 = 3 w_1, w_3 = -w_1 / 2 (student pairs parallel and antiparallel), w*_1 = 2 w_1,
    w*_2 = -w_1 (student-teacher parallel and antiparallel), w*_3 = 0, w*_4 generic; all exact
    floats."""
    w = np.array([0.75, -0.5, 1.25])
    W0 = np.array([w, 3 * w, -0.5 * w])
    W_star = np.array([2 * w, -w, np.zeros(3), [0.25, 1.0, -0.5]])
    a = np.array([1.0, -0.75, 1.25])
    a_star = np.array([0.8, 1.1, 1.0, -0.6])
    return W0, W_star, a, a_star


@pytest.mark.parametrize("e", [-30, -12])
def test_parallel_pairs_and_zero_teacher_row(e):
    """Boxes around a centre with exact (anti)parallel pairs: the enclosures are finite and
    narrow (the 1/sin t terms become [-m, m], m ~ r) and contain the reference and the floats
    at the centre (exactly parallel, 1/sin t terms at their limit 0), at corners and at a
    random point (pairs no longer parallel)."""
    rng = np.random.default_rng(30 - e)
    W0, W_star, a, a_star = degenerate()
    r = 2.0 ** e
    E = enclose_all(mi.box(W0, r), W_star, a, a_star)
    assert max_rad(E) < 2.0 ** (e + 8)
    for P in points(rng, W0, r):
        R = Reference(P, W_star, a, a_star)
        assert mp_misses(E, R) == []
        assert float_misses(E, P, W_star, a, a_star) == []
    E0 = enclose_all(mi.box(W0, 0.0), W_star, a, a_star)  # the exactly parallel point itself
    assert max_rad(E0) < 1e-15
    R0 = Reference(W0, W_star, a, a_star)
    assert mp_misses(E0, R0) == []
    assert float_misses(E0, W0, W_star, a, a_star) == []


def test_parallel_centre_uses_the_limit():
    """At the exactly parallel centre the Hessian blocks take the t = 0 / t = pi limits: the
    w_1 - w_2 block (t = 0) is a_1 a_2 I / 2, the w_1 - w_3 block (t = pi) is 0 (an
    independent check of the reference itself, and of the enclosures, at the kink)."""
    W0, W_star, a, a_star = degenerate()
    R = Reference(W0, W_star, a, a_star)
    E0 = enclose_all(mi.box(W0, 0.0), W_star, a, a_star)
    for x, y in itertools.product(range(3), range(3)):
        par = a[0] * a[1] / 2 if x == y else 0.0
        assert abs(R.hess[x][3 + y] - par) < 1e-30
        assert abs(R.hess[x][6 + y]) < 1e-30
        assert E0.hess[x, 3 + y].contains(arb(par)) and E0.hess[x, 6 + y].contains(0)


# --- (c) widths shrink with the box -------------------------------------------------------


@pytest.mark.parametrize("which", ["generic", "degenerate"])
def test_widths_shrink_linearly(which):
    """max radius of the Hessian (and gradient) enclosure at r = 2^-30 is >= 2^7.5 times
    smaller than at r = 2^-22 (linear in r would be 2^8)."""
    if which == "generic":
        W0, W_star, a, a_star = problem(np.random.default_rng(40), 3, 3, 3)
    else:
        W0, W_star, a, a_star = degenerate()
    wide = enclose_all(mi.box(W0, 2.0 ** -22), W_star, a, a_star)
    narrow = enclose_all(mi.box(W0, 2.0 ** -30), W_star, a, a_star)
    assert max_rad(wide) >= 2.0 ** 7.5 * max_rad(narrow)
    assert max_rad(narrow) < 2.0 ** -20
    g_wide = max(float(g.rad()) for g in wide.grad)
    g_narrow = max(float(g.rad()) for g in narrow.grad)
    assert g_wide >= 2.0 ** 7.5 * g_narrow


# --- (d) a box that may contain a zero student row ----------------------------------------


def test_zero_student_row_is_not_enclosable():
    W_star, a, a_star = np.eye(2, 3), np.ones(2), np.ones(2)
    W0 = np.array([[2.0 ** -31, 0.0, 0.0], [0.0, 1.0, 0.5]])
    for kw in ({}, {"hessian": True}, {"gradient": False, "loss": True}):
        with pytest.raises(mi.NotEnclosable):
            mi.enclose(mi.box(W0, 2.0 ** -30), W_star, a, a_star, **kw)
    with pytest.raises(mi.NotEnclosable):
        mi.enclose(mi.box(np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.5]]), 0.0), W_star, a,
                   a_star)
    # a box well away from 0 (|x_1| >= 2^-31 - 2^-34) is enclosable, a zero teacher row is fine
    # (at 2^-32 the ball squares [2^-31 +- 2^-32]^2 already reach below 0: conservative)
    E = enclose_all(mi.box(W0, 2.0 ** -34), np.vstack([W_star, np.zeros((1, 3))]), a,
                    np.ones(3))
    assert E.loss.is_finite() and all(g.is_finite() for g in E.grad)


# --- (e) the checks have power: broken copies must fail them ------------------------------


def _mutated_enclose(old: str, new: str):
    """A copy of minimum.interval.enclose with ``old`` replaced by ``new`` in its source."""
    src = inspect.getsource(mi.enclose)
    assert src.count(old) == 1, old
    ns = dict(vars(mi))
    exec(compile(src.replace(old, new), mi.__file__, "exec"), ns)
    return ns["enclose"]


MUTATIONS = [  # (replaced text, replacement, the quantity it breaks)
    ("proj = (1 - ux * u[y])", "proj = (1 + ux * u[y])", "hess"),
    ("row[ell * d + y] = e + wpt if x == y", "row[ell * d + y] = e - wpt if x == y", "hess"),
    ("coef = b[j] * pi  #", "coef = b[j] * pi / 2  #", "grad"),
    ("radial += b[ell] * norms[ell] * pr.s", "radial -= b[ell] * norms[ell] * pr.s", "grad"),
    ("norms[p] * norms[p] / 4", "norms[p] * norms[p] / 2", "loss"),
]


def _broken_case(r=2.0 ** -30):
    rng = np.random.default_rng(50)
    W0, W_star, a, a_star = problem(rng, 3, 3, 2)
    return W0, W_star, a, a_star, points(rng, W0, r, corners=1, random=1), r


@pytest.mark.parametrize("old,new,part", MUTATIONS)
def test_a_mutated_copy_fails_the_check(monkeypatch, old, new, part):
    W0, W_star, a, a_star, pts, r = _broken_case()
    E = enclose_all(mi.box(W0, r), W_star, a, a_star)
    refs = [Reference(P, W_star, a, a_star) for P in pts]
    assert all(mp_misses(E, R) == [] for R in refs)  # the genuine code passes
    monkeypatch.setattr(mi, "enclose", _mutated_enclose(old, new))
    E = enclose_all(mi.box(W0, r), W_star, a, a_star)
    missed = [m for R in refs for m in mp_misses(E, R)]
    assert missed and all(m.startswith(part) for m in missed)
    assert float_misses(E, pts[0], W_star, a, a_star)


def test_zero_over_sin_fails_the_check(monkeypatch):
    """_over_sin returning zeros (dropping every p p^T / sin t, p q^T / sin t term) breaks the
    Hessian at generic points, for the reference and for the floats."""
    W0, W_star, a, a_star, pts, r = _broken_case()
    d = W0.shape[1]
    monkeypatch.setattr(mi, "_over_sin",
                        lambda p, q, s, diagonal: [[arb(0)] * d for _ in range(d)])
    E = enclose_all(mi.box(W0, r), W_star, a, a_star)
    missed = [m for P in pts for m in mp_misses(E, Reference(P, W_star, a, a_star))]
    assert missed and all(m.startswith("hess") for m in missed)
    assert float_misses(E, pts[0], W_star, a, a_star)


def test_an_angle_off_by_2_to_the_minus_40_fails_the_check(monkeypatch):
    """pi - t shifted by 2^-40 ~ 1e-12 in every pair (a wrapped _pair): the point enclosures
    (radius 0) no longer contain the reference gradient and loss."""
    _, W_star, a, a_star, pts, _ = _broken_case()
    genuine = mi._pair

    def shifted(u, v, pi):
        pr = genuine(u, v, pi)
        return mi._Pair(pr.pt + arb(2.0 ** -40), pr.s, pr.c, pr.p)

    R = Reference(pts[0], W_star, a, a_star)
    assert mp_misses(enclose_all(mi.box(pts[0], 0.0), W_star, a, a_star), R) == []
    monkeypatch.setattr(mi, "_pair", shifted)
    missed = mp_misses(enclose_all(mi.box(pts[0], 0.0), W_star, a, a_star), R)
    assert any(m.startswith("grad") for m in missed)
    assert any(m.startswith("loss") for m in missed)


def test_the_float_check_rejects_a_relative_error_of_1e_9():
    """A float Hessian, gradient and loss each perturbed by a relative 1e-9 in one entry fall
    outside the point enclosure widened by the rounding allowance."""
    rng = np.random.default_rng(60)
    W, W_star, a, a_star = problem(rng, 3, 2, 3)
    E = enclose_all(mi.box(W, 0.0), W_star, a, a_star)
    (src, g, H, J), _ = float_values(W, W_star, a, a_star)
    assert float_misses(E, W, W_star, a, a_star, [(src, g, H, J)]) == []
    H2 = H.copy()
    H2[1, 4] *= 1 + 1e-9
    g2 = g.copy()
    g2[2] *= 1 + 1e-9
    missed = float_misses(E, W, W_star, a, a_star, [(src, g2, H2, J * (1 + 1e-9))])
    assert {m.split()[1].split("[")[0].rstrip(":") for m in missed} == {"grad", "hess", "loss"}
