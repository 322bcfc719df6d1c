"""Closed forms of relucheck.proofs.families against the full k x k analytic functions.

(i) J, (ii) the fixed-space gradient, (iii) all k^2 Hessian eigenvalues from the blocks with
their multiplicities, (iv) mpmath at 50 digits against float64, (v) arb enclosures, at random
pattern points and at the critical points, for a spread of k (all of 6..30 for type A).
"""

from __future__ import annotations

import flint
import mpmath
import numpy as np
import pytest

from relucheck.proofs.families.kit import ARB, FLOAT, MP
from relucheck.proofs.families.newton import SEEDS, newton
from relucheck.proofs.families.patterns import (
    GLOBAL,
    PATTERNS,
    TYPE_A,
    TYPE_II,
    block_eigenvalues,
    spectrum,
)
from relucheck.theory.gradient import gradient_K, population_loss
from relucheck.theory.hessian import population_hessian

SPREAD = (6, 7, 8, 11, 16, 23, 30)
CASES = ([("A", k) for k in range(6, 31)] + [("II", k) for k in SPREAD]
         + [("global", k) for k in (4, 6, 11, 30)])


def _critical(name, k):
    """The pattern's critical point at k, continued in integer k from the seed."""
    k0, u = SEEDS[name]
    step = 1 if k >= k0 else -1
    for kk in range(k0, k + step, step):
        u, _, _ = newton(PATTERNS[name], u, kk)
    return u


def _random_point(name, k, rng):
    pat = PATTERNS[name]
    return np.asarray(_critical(name, min(k, 12))) + 0.2 * rng.normal(size=len(pat.unknowns))


def _points(name, k):
    rng = np.random.default_rng(1000 * k + len(name))
    return {"random": _random_point(name, k, rng), "critical": _critical(name, k)}


def _multiplicities_sum(pat, k):
    return sum(blk.dim(k) * len(blk.rules) for blk in pat.blocks)


@pytest.mark.parametrize("name", ["A", "II", "global"])
@pytest.mark.parametrize("k", [6, 7, 10, 101, 10_000])
def test_multiplicities_sum_to_k_squared(name, k):
    assert _multiplicities_sum(PATTERNS[name], k) == k * k


@pytest.mark.parametrize("name,k", CASES)
def test_closed_forms_match_full_matrices(name, k):
    pat = PATTERNS[name]
    for label, u in _points(name, k).items():
        W = pat.full_W(u, k)
        eye = np.eye(k)
        # (i) the loss: J is a difference of terms of size ~ k^2 / (4 pi) (both evaluations
        # cancel), so the tolerance is 1e-12 relative to that scale, and the closed form is
        # compared with its 50-digit value too (in test_mpmath_and_arb_agree_with_float)
        J0 = float(population_loss(W, eye))
        J = pat.loss(u, k, FLOAT)
        assert J == pytest.approx(J0, rel=1e-12, abs=1e-12 * k * k / (4 * np.pi)), label
        # (ii) the fixed-space gradient = coordinates of grad J on the basis E_p
        g0 = pat.project(gradient_K(W, eye))
        g = np.array(pat.gradient(u, k, FLOAT))
        assert np.abs(g - g0).max() <= 1e-12 * max(1.0, np.abs(g0).max()) * k, label
        # (iii) all k^2 eigenvalues, with multiplicities
        H = population_hessian(W, eye).reshape(k * k, k * k)
        e0 = np.linalg.eigvalsh(H)
        e = spectrum(pat, u, k)
        assert e.shape == (k * k,)
        assert np.abs(e - e0).max() <= 1e-12 * max(1.0, np.abs(e0).max()) * k, label


def test_global_minimum_spectrum():
    """W = I: a strict minimum, lambda_min = 0.0908450569081... (census value) for every k."""
    for k in (4, 10, 1000):
        sp_min = min(min(block_eigenvalues(B, G))
                     for _, B, G in GLOBAL.all_blocks([1.0, 0.0], k, FLOAT))
        assert sp_min == pytest.approx(0.09084505690810, abs=1e-12)
        assert GLOBAL.gradient([1.0, 0.0], k, FLOAT) == [0.0, 0.0]


def _flat(pat, u, k, kit):
    """Every closed form as one flat list: J, gradient, every block's B and Gamma entries."""
    out = [pat.loss(u, k, kit), *pat.gradient(u, k, kit)]
    for _, B, G in pat.all_blocks(u, k, kit):
        out += [x for row in B for x in row] + [x for row in G for x in row]
    return out


@pytest.mark.parametrize("name,k", [("A", 6), ("A", 23), ("II", 8), ("II", 16), ("A", 2000),
                                    ("global", 9)])
def test_mpmath_and_arb_agree_with_float(name, k):
    pat = PATTERNS[name]
    for label, u in _points(name, min(k, 30)).items():
        f = _flat(pat, u, k, FLOAT)
        # (iv) mpmath at 50 digits: the same closed form, float inputs taken exactly
        with mpmath.workdps(50):
            m = _flat(pat, [mpmath.mpf(x) for x in u], k, MP)
        scale = max(abs(x) for x in f)
        for x, y in zip(f, m, strict=True):
            assert abs(x - float(y)) <= 1e-11 * scale, label
        # (v) arb: the thin enclosure at 128 bits contains the 50-digit value ...
        old = flint.ctx.prec
        try:
            flint.ctx.prec = 128
            a = _flat(pat, [flint.arb(x) for x in u], k, ARB)
            for y, z in zip(m, a, strict=True):
                assert z.contains(flint.arb(mpmath.nstr(y, 45))) or z.rad() < 1e-40, label
                assert z.rad() < 1e-25 * max(1.0, scale)
            # ... and the enclosure over a box of radius 1e-9 contains the float value
            flint.ctx.prec = 64
            box = [flint.arb(x, 1e-9) for x in u]
            a = _flat(pat, box, k, ARB)
            for x, z in zip(f, a, strict=True):
                assert z.contains(flint.arb(x)), label
        finally:
            flint.ctx.prec = old


def test_global_minimum_arb_limits():
    """At W = I the student-teacher pairs are parallel (t = 0): the bounded 1/sin t forms give
    finite enclosures in arb, even over a box around (1, 0) (wide ones: t = acos(c) has a square
    root singularity at c = 1, so a 1e-8 box gives a ~1e-4 wide angle)."""
    old = flint.ctx.prec
    try:
        flint.ctx.prec = 64
        u = [flint.arb(1, 1e-8), flint.arb(0, 1e-8)]
        for blk, B, _ in GLOBAL.all_blocks(u, 10, ARB):
            for row in B:
                for z in row:
                    assert z.is_finite() and z.rad() < 1e-2, blk.name
    finally:
        flint.ctx.prec = old


@pytest.mark.parametrize("name", ["A", "II"])
def test_gram_matrices_are_diagonal(name):
    pat = PATTERNS[name]
    for blk, _, G in pat.all_blocks(_critical(name, 9), 9, FLOAT):
        G = np.array(G, dtype=float)
        assert np.all(np.diag(G) > 0), blk.name
        assert np.abs(G - np.diag(np.diag(G))).max() == 0.0, blk.name


def test_known_census_losses():
    """Type A at k = 8 and type II at k = 10 are the census families 1 and 2."""
    assert TYPE_A.loss(_critical("A", 8), 8, FLOAT) == pytest.approx(0.02150803717151284,
                                                                    rel=1e-11)
    assert TYPE_II.loss(_critical("II", 10), 10, FLOAT) == pytest.approx(0.035326880318935494,
                                                                       rel=1e-11)
