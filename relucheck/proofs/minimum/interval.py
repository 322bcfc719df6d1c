"""Rigorous enclosures of the population loss J, its gradient (Eqn 8) and its Hessian in W over
a box of student weights, in python-flint ``arb`` balls: the angles from half-angle chords, and
the 1/sin t terms bounded without dividing by a ball that may contain 0 (docs/math.md sections 8
and 10; the derivation is section 10, "Enclosing J, its gradient and its Hessian").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.proofs._arb import arb, arb_mat, require_flint


class NotEnclosable(ValueError):
    """The box meets a point where the formulas are undefined (a zero student row)."""


@dataclass
class LossEnclosure:
    """Balls containing the exact values at every point of the box.

    ``grad`` lists the N = n d entries of grad_W J row by row (index j d + alpha); ``hess`` is
    the N x N arb matrix of d^2 J / dW_ja dW_lb (symmetric: the two enclosures of each pair of
    entries are intersected); ``loss`` is J. Each is None when not asked for.
    """

    grad: list | None
    hess: object | None
    loss: object | None


@dataclass
class _Pair:
    """Geometry of a student row u against a row v: pi - t, sin t, cos t and p = v^ - cos t u^."""

    pt: object
    s: object
    c: object
    p: list


def _sumsq(xs) -> object:
    s = arb(0)
    for x in xs:
        s += x * x
    return s.nonnegative_part()


def _pair(u: list, v: list, pi) -> _Pair:
    """The angle data of unit rows u, v (enclosures of exact unit vectors); docs/math.md
    section 10 gives the choice of formula."""
    c = arb(0)
    for x, y in zip(u, v, strict=True):
        c += x * y
    mid = float(c.mid())
    if mid > 0.5 or mid < -0.5:
        sign = -1 if mid > 0.5 else 1
        chord = [y + sign * x for x, y in zip(u, v, strict=True)]  # v^ -/+ u^
        h2 = _sumsq(chord)
        h = h2.sqrt() / 2  # sin(t/2) or cos(t/2)
        s = 2 * h * (1 - h * h).nonnegative_part().sqrt()
        half = 2 * h.asin()
        if sign < 0:
            pt, c = pi - half, 1 - h2 / 2
        else:
            pt, c = half, h2 / 2 - 1
        p = [z - sign * (h2 / 2) * x for z, x in zip(chord, u, strict=True)]
        return _Pair(pt, s, c, p)
    c = c.intersection(arb(0, 1))  # [-1, 1]: the exact cosine lies in both
    return _Pair(pi - c.acos(), (1 - c * c).nonnegative_part().sqrt(), c,
                 [y - c * x for x, y in zip(u, v, strict=True)])


def _over_sin(p: list, q: list, s, diagonal: bool) -> list[list]:
    """Enclosures of p_x q_y / sin t over the box (docs/math.md section 10); ``diagonal`` when
    q is p (then the diagonal entries are >= 0)."""
    d = len(p)
    if s > 0:
        inv = 1 / s
        pi_s = [x * inv for x in p]
        return [[pi_s[x] * q[y] for y in range(d)] for x in range(d)]
    mp = [x.abs_upper() for x in p]
    mq = [y.abs_upper() for y in q]
    zero = arb(0)
    out = []
    for x in range(d):
        row = []
        for y in range(d):
            m = mp[x] if mp[x] < mq[y] else mq[y]
            row.append(zero.union(m) if diagonal and x == y else m.union(-m))
        out.append(row)
    return out


def box(W0: np.ndarray, radius: float) -> list[list]:
    """Balls arb(W0_ja, radius): exact floats as midpoints (the box is what is meant exactly
    when radius is a power of two or 0)."""
    require_flint()
    W0 = np.asarray(W0, dtype=float)
    r = float(radius)
    return [[arb(float(x), r) if r else arb(float(x)) for x in row] for row in W0]


def enclose(W: list[list], W_star: np.ndarray, a: np.ndarray, a_star: np.ndarray, *,
            gradient: bool = True, hessian: bool = False, loss: bool = False) -> LossEnclosure:
    """Enclose J, grad_W J and the Hessian in W over the box ``W`` (rows of balls, from
    :func:`box`) for the teacher (W*, a*) and fixed student top weights a (floats, exact).

    Raises :class:`NotEnclosable` when a student row's box may contain 0.
    """
    require_flint()
    n, d = len(W), len(W[0])
    W_star = np.asarray(W_star, dtype=float)
    k = W_star.shape[0]
    pi = arb.pi()
    two_pi = 2 * pi
    V = [list(row) for row in W] + [[arb(float(x)) for x in row] for row in W_star]
    b = [arb(float(x)) for x in a] + [-arb(float(x)) for x in a_star]
    aa = [arb(float(x)) for x in a]
    norms = [_sumsq(row).sqrt() for row in V]
    units: list[list | None] = []
    for i, (row, nv) in enumerate(zip(V, norms, strict=True)):
        if not nv > 0:
            if i < n:
                raise NotEnclosable(f"the box of student unit {i} may contain w = 0")
            units.append(None)  # a zero teacher row contributes nothing
            continue
        inv = 1 / nv
        units.append([x * inv for x in row])
    m = n + k
    pairs: dict[tuple[int, int], _Pair] = {}
    rows = range(m) if loss else range(n)
    for j in rows:
        for ell in range(m):
            if ell != j and units[j] is not None and units[ell] is not None:
                pairs[j, ell] = _pair(units[j], units[ell], pi)

    grad = None
    if gradient:
        grad = []
        for j in range(n):
            acc = [arb(0)] * d
            radial = arb(0)
            for ell in range(m):
                if ell == j:
                    coef = b[j] * pi  # t = 0 with itself
                    acc = [x + coef * y for x, y in zip(acc, V[ell], strict=True)]
                    continue
                if units[ell] is None:
                    continue
                pr = pairs[j, ell]
                coef = b[ell] * pr.pt
                acc = [x + coef * y for x, y in zip(acc, V[ell], strict=True)]
                radial += b[ell] * norms[ell] * pr.s
            f = aa[j] / two_pi
            grad.extend(f * (x + radial * u) for x, u in zip(acc, units[j], strict=True))

    J = None
    if loss:
        J = arb(0)
        for p in range(m):
            if units[p] is None:
                continue
            J += b[p] * b[p] * norms[p] * norms[p] / 4  # 1/2 b_p^2 k(v_p, v_p), k = |v|^2 / 2
            for q in range(p + 1, m):
                if units[q] is None:
                    continue
                pr = pairs[p, q] if (p, q) in pairs else pairs[q, p]
                J += b[p] * b[q] * norms[p] * norms[q] * (pr.s + pr.pt * pr.c) / two_pi

    H = None
    if hessian:
        N = n * d
        M = [[None] * N for _ in range(N)]
        for j in range(n):
            u = units[j]
            D = [[arb(0)] * d for _ in range(d)]
            half_aa = aa[j] * aa[j] / 2
            for x in range(d):
                D[x][x] = half_aa
            for ell in range(m):
                if ell == j or units[ell] is None:
                    continue
                pr = pairs[j, ell]
                coef = aa[j] * b[ell] * norms[ell] / (two_pi * norms[j])
                PP = _over_sin(pr.p, pr.p, pr.s, True)
                for x in range(d):
                    Dx, PPx, ux, cs = D[x], PP[x], u[x], coef * pr.s
                    for y in range(d):
                        proj = (1 - ux * u[y]) if x == y else -(ux * u[y])
                        Dx[y] = Dx[y] + coef * PPx[y] + cs * proj
                if ell < n:
                    v = units[ell]
                    PQ = _over_sin(pr.p, pairs[ell, j].p, pr.s, False)
                    w = aa[j] * aa[ell] / two_pi
                    ws, wpt = w * pr.s, w * pr.pt
                    for x in range(d):
                        row, PQx, ux = M[j * d + x], PQ[x], u[x]
                        for y in range(d):
                            e = w * PQx[y] + ws * (ux * v[y])
                            row[ell * d + y] = e + wpt if x == y else e
            for x in range(d):
                M[j * d + x][j * d:(j + 1) * d] = D[x]
        for x in range(N):  # the exact Hessian is symmetric: keep what both enclosures allow
            for y in range(x + 1, N):
                e = M[x][y].intersection(M[y][x])
                M[x][y] = M[y][x] = e
        H = arb_mat(M)
    return LossEnclosure(grad, H, J)
