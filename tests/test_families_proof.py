"""Interval proofs: strict local minima of the full loss for type A (k >= 6) and type II
(k >= 8); honest failures where the family is a saddle or the box is wrong."""

from __future__ import annotations

import flint
import pytest

from relucheck.proofs.families.arbtools import ldl_positive, outward_decimals
from relucheck.proofs.families.continuation import follow_integers, point_at
from relucheck.proofs.families.proof import prove_point


@pytest.fixture(scope="module")
def traces():
    return {name: follow_integers(name, 30) for name in ("A", "II")}


@pytest.mark.parametrize("name,ks", [("A", range(6, 31)), ("II", range(8, 31))])
def test_minima_proved(traces, name, ks):
    for k in ks:
        r = prove_point(name, k, traces[name][k].u)
        assert r.proved, (k, r.reason)
        assert all(float(b.lower) > 0 for b in r.blocks)
        lo, hi = (float(x) for x in r.loss)
        assert lo <= traces[name][k].loss <= hi or abs(hi - lo) < 1e-9


@pytest.mark.parametrize("name,k", [("A", 10_000), ("II", 10_000), ("A", 997)])
def test_large_k(name, k):
    r = prove_point(name, k, point_at(name, k).u)
    assert r.proved, r.reason


def test_saddles_are_not_proved(traces):
    """Type II at k = 6, 7 and type A at k = 5 are saddles: the standard block fails."""
    for name, k in (("II", 6), ("II", 7)):
        r = prove_point(name, k, traces[name][k].u)
        assert not r.proved and "standard" in r.reason
    a5 = follow_integers("A", 8, k_min=5)[5]
    r = prove_point("A", 5, a5.u)
    assert not r.proved and "standard" in r.reason


def test_wrong_centre_is_not_proved(traces):
    """A centre off by 1e-6 (far more than the box radius): Krawczyk refuses; with retries
    the box is recentred by an arb Newton step and the recorded (new) centre is proved."""
    u = traces["A"][10].u.copy()
    u[0] += 1e-6
    r = prove_point("A", 10, u, retries=0)
    assert not r.proved and "Krawczyk" in r.reason
    r = prove_point("A", 10, u)
    assert r.proved and r.attempts == 2
    assert abs(r.center[0] - traces["A"][10].u[0]) < 1e-12


def test_box_too_small_is_not_proved(traces):
    """A box of radius 1e-30 cannot hold the float point's error: Krawczyk refuses."""
    u = traces["A"][10].u
    r = prove_point("A", 10, u, radius=[1e-30] * 5, retries=0)
    assert not r.proved and "Krawczyk" in r.reason


def test_ldl_and_rounding():
    ok, _ = ldl_positive([[flint.arb(2), 0], [flint.arb(1), flint.arb(1)]])
    assert ok
    ok, _ = ldl_positive([[flint.arb(1), 0], [flint.arb(2), flint.arb(1)]])
    assert not ok  # [[1, 2], [2, 1]] is indefinite
    lo, hi = outward_decimals(flint.arb(1) / 3, 5)
    assert (lo, hi) == ("0.33333", "0.33334")


def test_outward_decimals_use_exact_endpoints():
    """The decimals enclose the exact mid -+ rad of the ball (computed here independently),
    also when its lower end is 1e-25 below a 12-digit decimal."""
    from fractions import Fraction

    from relucheck.proofs.families.arbtools import exact_fraction

    old = flint.ctx.prec
    try:
        flint.ctx.prec = 53
        mid = flint.arb(flint.fmpq(123456789012, 10**15)) + flint.arb(2.0**-80)
        ball = flint.arb(mid.mid(), 2.0**-80 + 2.0**-83)
        lo, hi = outward_decimals(ball)
        m, r = exact_fraction(ball.mid()), exact_fraction(ball.rad())
        e_lo, e_hi = m - r, m + r
        assert Fraction(lo) <= e_lo and e_hi <= Fraction(hi)
        assert Fraction(lo) < Fraction(123456789012, 10**15)
    finally:
        flint.ctx.prec = old
