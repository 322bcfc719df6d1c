"""Proved birth brackets (saddle -> minimum in real k) of the type A and type II families."""

from __future__ import annotations

import pytest

from relucheck.proofs.families.birth import birth_bracket, negative_direction
from relucheck.proofs.families.continuation import follow_integers
from relucheck.proofs.families.proof import default_radius


@pytest.mark.parametrize("name,k_star,mult", [("A", 5.5855052474, "k - 2"),
                                              ("II", 7.5611904979, "k - 3")])
def test_bracket(name, k_star, mult):
    b = birth_bracket(name)
    assert b.proved, (b.rayleigh_hi, b.upper.reason)
    assert b.width <= 1e-8
    assert b.k_lo < k_star < b.k_hi or abs(b.k_star_float - k_star) < 1e-9
    assert b.block == "standard" and b.multiplicity == mult
    assert float(b.rayleigh_hi) < 0
    assert [x.name for x in b.upper.blocks if float(x.lower) <= 0] == []


def test_negative_direction_at_a_minimum_is_refused():
    """At k = 8, type A is a minimum: no negative Rayleigh quotient can be proved."""
    p = follow_integers("A", 8)[8]
    ok, ray = negative_direction("A", 8.0, list(p.u), default_radius(p.u, 8), "standard")
    assert ok and not ray < 0
