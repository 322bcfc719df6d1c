"""verify-formula (Figure 7) as a library call: claims, table, determinism, validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from relucheck.experiments import verify_formula as vf
from relucheck.numerics.stats import LineFit
from relucheck.result import PASS, THEOREM

SLOPE = "Gaussian error falls like N^(-1/2) (Fig. 7b)"
UNBIASED = "Eqn 5 is unbiased: mean of F/N = E[F]/N"
GAUSS_BIAS = "Gaussian input: no relative bias resolved at any d (Fig. 7d)"


@pytest.fixture(scope="module")
def quick_result():
    return vf.run(vf.quick(vf.Params()), np.random.default_rng(np.random.SeedSequence(0)))


def test_quick_run_claims_hold(quick_result):
    theorem = [c for c in quick_result.claims if c.level == THEOREM]
    assert len(theorem) == 4
    assert all(c.verdict == PASS for c in theorem), [c for c in theorem if c.verdict != PASS]
    assert quick_result.exit_code == 0


def test_table_has_every_panel(quick_result):
    main = quick_result.tables["main"]
    p = vf.quick(vf.Params())
    counts = {k: int(np.sum(main["panel"] == k)) for k in "abcd"}
    assert counts == {"a": p.pairs_angle, "b": len(vf.sample_grid(p)),
                      "c": len(vf.sample_grid(p)), "d": 2 * len(p.dims)}
    lengths = {len(v) for v in main.values()}
    assert len(lengths) == 1
    a = main["panel"] == "a"
    assert np.all(np.diff(main["angle_rad"][a]) >= 0) and main["angle_rad"][a].max() <= np.pi


def test_same_seed_same_numbers_other_seed_other_numbers():
    p = dataclasses.replace(vf.quick(vf.Params()), dims=(2, 5))
    r1 = vf.run(p, np.random.default_rng(np.random.SeedSequence(1)))
    r2 = vf.run(p, np.random.default_rng(np.random.SeedSequence(1)))
    r3 = vf.run(p, np.random.default_rng(np.random.SeedSequence(2)))
    for k in r1.tables["main"]:
        np.testing.assert_array_equal(r1.tables["main"][k], r2.tables["main"][k])
    assert not np.array_equal(r1.tables["main"]["rel_err"], r3.tables["main"]["rel_err"])


def _rows(result, dist: str, d: int) -> dict:
    """The panel (d) row of one (distribution, d) cell."""
    m = result.tables["main"]
    k = np.flatnonzero((m["panel"] == "d") & (m["distribution"] == dist) & (m["d"] == d))
    assert k.size == 1
    return {c: m[c][k[0]] for c in m}


def _panel(result, panel: str) -> dict:
    m = result.tables["main"]
    k = m["panel"] == panel
    return {c: m[c][k] for c in m}


def test_a_cell_does_not_depend_on_the_other_cells():
    """Streams are keyed by content: the d = 5 cells, the sweeps and the unbiasedness blocks are
    the same numbers whether dims is (2, 5) or (5, 2, 10), and whatever the distributions'
    order or number."""
    small = dict(n_angle=2000, pairs_angle=20, n_max=5000, n_steps=5, n_dim=4000,
                 pairs_dim=8, blocks=5, block_size=1000, pairs_unbiased=4)
    p = dataclasses.replace(vf.Params(), **small, dims=(2, 5))
    seed = np.random.SeedSequence(3)
    a = vf.run(p, np.random.default_rng(seed))
    b = vf.run(dataclasses.replace(p, dims=(5, 2, 10), distributions=("uniform", "gaussian")),
               np.random.default_rng(seed))
    c = vf.run(dataclasses.replace(p, dims=(10, 5), distributions=("uniform",)),
               np.random.default_rng(seed))
    for dist in ("gaussian", "uniform"):
        for k, v in _rows(a, dist, 5).items():
            np.testing.assert_array_equal(v, _rows(b, dist, 5)[k])
    for k, v in _rows(a, "uniform", 5).items():
        np.testing.assert_array_equal(v, _rows(c, "uniform", 5)[k])
    for other in (b, c):
        for panel in ("a", "c"):
            for k, v in _panel(a, panel).items():
                np.testing.assert_array_equal(v, _panel(other, panel)[k])
        for k, v in a.tables["unbiased"].items():
            np.testing.assert_array_equal(v, other.tables["unbiased"][k])
    for k, v in _panel(a, "b").items():
        np.testing.assert_array_equal(v, _panel(b, "b")[k])


def _slope_claim(low: float, high: float):
    p = dataclasses.replace(vf.Params(), dims=(2, 5), distributions=("gaussian",))
    fit = LineFit((low + high) / 2, 0.0, low, high, p.level, p.n_steps)
    bias = {("gaussian", d): (0.0, 1e-4) for d in p.dims}
    claims = vf._claims(p, {"gaussian": fit}, bias, np.array([0.5]))
    return next(c for c in claims if c.name == SLOPE)


def test_slope_claim_is_an_equivalence_test():
    """PASS needs the interval to contain -1/2 AND to lie within -1/2 +- slope_tol: a wide
    interval (an imprecise run) fails as well as one that excludes -1/2."""
    tol = vf.Params().slope_tol
    assert _slope_claim(-0.5 - tol / 2, -0.5 + tol / 2).verdict == PASS
    assert _slope_claim(-0.5 - 1.2 * tol, -0.5 + tol / 2).verdict == "FAIL"  # too wide
    assert _slope_claim(-0.5 - tol / 2, -0.5 + 1.2 * tol).verdict == "FAIL"  # too wide
    assert _slope_claim(-0.5 + tol / 10, -0.5 + tol / 2).verdict == "FAIL"  # excludes -1/2


def test_wrong_formula_is_caught(monkeypatch):
    """The claims have power at --quick sizes: Eqn 5 scaled as a whole by 1.03 (every component
    3 % too large) fails the unbiasedness test (over 30 seeds: Bonferroni p at most 1.3e-5
    against 0.01) and the slope claim (the 3 % floor flattens the fit: its interval excluded
    -1/2 in 30 of 30 seeds), so the run exits 1."""
    real = vf.expected_F
    monkeypatch.setattr(vf, "expected_F", lambda e, w: real(e, w) * 1.03)
    p = dataclasses.replace(vf.quick(vf.Params()), distributions=("gaussian",))
    r = vf.run(p, np.random.default_rng(np.random.SeedSequence(0)))
    verdicts = {c.name: c.verdict for c in r.claims}
    assert verdicts[UNBIASED] == "FAIL"
    assert verdicts[SLOPE] == "FAIL"
    assert r.exit_code == 1


def test_bias_bound_covers_a_known_bias(monkeypatch):
    """With E[F] scaled by c the true RMS relative bias is |1 - c|/c at every d (the samples are
    unbiased for E[F], the model says c E[F]): the U-statistic must agree with it within a
    two-sided t interval on bias_blocks - 1 dof (Bonferroni over d, level 0.99), and the
    reported simultaneous upper bound must cover it (0 of 60 seeds missed either, at c = 1.05
    and 1.1)."""
    c = 1.05
    real = vf.expected_F
    monkeypatch.setattr(vf, "expected_F", lambda e, w: real(e, w) * c)
    p = dataclasses.replace(vf.quick(vf.Params()), distributions=("gaussian",), n_steps=3,
                            n_max=1000, blocks=5, block_size=1000, pairs_unbiased=4)
    r = vf.run(p, np.random.default_rng(np.random.SeedSequence(4)))
    m = r.tables["main"]
    k = m["panel"] == "d"
    b, se = m["rel_bias_sq"][k], m["rel_bias_sq_se"][k]
    truth = abs(1 - c) / c
    q = stats.t.ppf(1 - (1 - p.level) / (2 * b.size), p.bias_blocks - 1)
    assert np.all(np.abs(b - truth**2) < q * se), (b, truth**2, se)
    upper = vf.bias_upper_bound(b, se, p.level, p.bias_blocks)
    assert np.all(upper >= truth)
    claim = next(cl for cl in r.claims if cl.name == GAUSS_BIAS)
    assert f"< {upper.max():.3f} at every d" in claim.measured


@pytest.mark.parametrize("field,value", [("d", 1), ("n_min", 1), ("n_steps", 2), ("dims", (5,)),
                                         ("distributions", ("cauchy",)), ("blocks", 2),
                                         ("slope_tol", 0.0), ("slope_tol", 0.5)])
def test_validation_names_the_parameter(field, value):
    p = dataclasses.replace(vf.Params(), **{field: value})
    with pytest.raises(ValueError, match=field.split("_")[0]):
        p.validate()
