"""Continuation of the type A and type II critical points in integer and real k."""

from __future__ import annotations

import numpy as np
import pytest

from relucheck.proofs.families.continuation import (
    birth,
    block_minima,
    follow_integers,
    smallest_minimum,
)
from relucheck.proofs.families.kit import FLOAT
from relucheck.proofs.families.patterns import PATTERNS


@pytest.fixture(scope="module")
def traces():
    return {name: follow_integers(name, 60) for name in ("A", "II")}


@pytest.mark.parametrize("name", ["A", "II"])
def test_integer_points_are_critical(traces, name):
    pat = PATTERNS[name]
    for k, p in traces[name].items():
        g = np.array(pat.gradient(p.u, k, FLOAT))
        assert np.abs(g).max() < 1e-11, k
        assert p.loss == pytest.approx(pat.loss(p.u, k, FLOAT))


def test_census_losses_along_the_trace(traces):
    """The census families (figures/census_families.csv): type A = family 1 (k = 7..12),
    type II = family 2 (k = 9..12)."""
    census_a = {7: 0.023202714913566957, 8: 0.02150803717151284, 9: 0.020014175808497292,
                10: 0.018702194585580756, 11: 0.017546675908679532, 12: 0.01652379271278903}
    census_ii = {9: 0.03748896279963532, 10: 0.035326880318935494, 11: 0.0333475700923902,
                 12: 0.031551183932844395}
    for k, J in census_a.items():
        assert traces["A"][k].loss == pytest.approx(J, rel=1e-10)
    for k, J in census_ii.items():
        assert traces["II"][k].loss == pytest.approx(J, rel=1e-10)


def test_minima_from(traces):
    assert smallest_minimum("A", traces["A"]) == 6
    assert smallest_minimum("II", traces["II"]) == 8
    pat = PATTERNS["II"]
    assert block_minima(pat, traces["II"][7].u, 7)["standard"] < 0


@pytest.mark.parametrize("name,k_star", [("A", 5.5855052474259), ("II", 7.5611904979454)])
def test_birth(traces, name, k_star):
    ks, blk, lo, hi = birth(name, traces[name])
    assert blk == "standard"
    assert ks == pytest.approx(k_star, abs=1e-11)
    assert hi.k - lo.k <= 1e-12
