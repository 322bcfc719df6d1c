"""The census's families against the continued symmetric families: each census family's isotropy
group read off its representative (figures/census_representatives.csv, k = 4..12), and the
census's type A (Delta S_{k-1}) and type II (Delta(S_2 x S_{k-2})) families equal the continued
ones at the same k (loss within 1e-12, the point itself up to the symmetry)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from relucheck.descent.symmetry import isotropy, symmetric_distance
from relucheck.output.writers import read_csv
from relucheck.proofs.families.continuation import follow_integers
from relucheck.proofs.families.patterns import PATTERNS

FIGURES = Path(__file__).resolve().parent.parent / "figures"


@pytest.fixture(scope="module")
def census():
    fam = read_csv(FIGURES / "census_families.csv")
    reps = read_csv(FIGURES / "census_representatives.csv")
    out = []
    for i in np.flatnonzero(fam["k"] == fam["n"]):
        k, f = int(fam["k"][i]), int(fam["family"][i])
        m = (reps["k"] == k) & (reps["n"] == k) & (reps["family"] == f)
        W = np.zeros((k, k))
        W[reps["row"][m].astype(int), reps["col"][m].astype(int)] = reps["value"][m]
        out.append((k, f, str(fam["class"][i]), float(fam["loss"][i]), W))
    return out


def test_census_families_are_the_continued_ones(census):
    traces = {n: follow_integers(n, 12) for n in ("A", "II")}
    group = {"A": "Delta S_{}", "II": "Delta(S_2 x S_{})"}
    shift = {"A": 1, "II": 2}
    found = {"A": [], "II": []}
    for k, f, cls, loss, W in census:
        iso = isotropy(W, k)
        if cls == "teacher":
            assert iso == f"Delta S_{k}", (k, f, iso)
            continue
        for name in ("A", "II"):
            if iso == group[name].format(k - shift[name]):
                p = traces[name][k]
                assert abs(loss - p.loss) <= 1e-12, (name, k, loss, p.loss)
                V = PATTERNS[name].full_W(p.u, k)
                assert symmetric_distance(W, V, k) < 1e-6
                found[name].append(k)
    # type A from k = 7, type II from k = 9 in the census (both are minima earlier, and rarer)
    assert found == {"A": [7, 8, 9, 10, 11, 12], "II": [9, 10, 11, 12]}


def test_isotropy_of_patterns_up_to_permutation_and_noise():
    rng = np.random.default_rng(1)
    for name, k, want in (("A", 8, "Delta S_7"), ("II", 10, "Delta(S_2 x S_8)"),
                          ("global", 6, "Delta S_6")):
        u = follow_integers(name, k)[k].u if name != "global" else np.array([1.0, 0.0])
        W = PATTERNS[name].full_W(u, k)
        P, Q = rng.permutation(k), rng.permutation(k)
        assert isotropy(W[P][:, Q] + 1e-9 * rng.standard_normal((k, k)), k) == want
    assert isotropy(rng.standard_normal((5, 5)), 5) == "trivial"
    # an extra unit at zero: the teacher's Delta S_4, the zero row alone
    assert isotropy(np.vstack([np.eye(4), np.zeros((1, 4))]), 4) == "Delta S_4"
    # rows that may be permuted alone: two equal rows
    W = np.array([[1.0, 0.5], [1.0, 0.5], [0.2, 0.9]])
    assert isotropy(W, 2) == "S_2 on units"
