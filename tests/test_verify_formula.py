"""verify-formula (Figure 7) as a library call: claims, table, determinism, validation."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from relucheck.experiments import verify_formula as vf
from relucheck.result import FAIL, PASS, THEOREM, UNDECIDED
from relucheck.sampling.stats import LineFit, line_pvalue

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


# ------------------------------------------------ three-way claims on constructed data
# Each statistical claim is PASS on conclusive agreeing data, FAIL on data built to refute it and
# UNDECIDED on data built to be inconclusive (too few or too noisy to tell either way).
P0 = vf.Params()


def _line(slope: float, noise: float, n: int = 9, seed: int = 0, floor: float = 0.0):
    """The slope claim on log RMS errors that fall like N^slope (down to an error ``floor``,
    as a wrong E[F] leaves), with Gaussian noise of sd ``noise`` on each log error, over n
    log-spaced N from 100 to 10^6 (as panel (b))."""
    x = np.log(np.geomspace(100, 1e6, n))
    y = 0.5 * np.log(np.exp(2 + 2 * slope * x) + floor**2)
    y += noise * np.random.default_rng(seed).standard_normal(n)
    return vf.slope_claim(P0, vf.fit_line(x, y, P0.level), line_pvalue(x, y, -0.5))


def test_slope_claim_three_ways_on_constructed_fits():
    """PASS: an error falling like N^-1/2 with little noise (the interval fits the margin);
    FAIL: like N^-0.4, or like N^-1/2 down to a 1 % floor (the F test rejects a line of slope
    -1/2); UNDECIDED: like N^-1/2 with so much noise, or so few points, that the interval
    contains -1/2 but reaches beyond the margin. The UNDECIDED text says what would decide,
    and the number of sample sizes it names does decide."""
    assert _line(-0.5, 0.01).verdict == PASS
    assert _line(-0.4, 0.01).verdict == FAIL
    bent = _line(-0.5, 0.01, floor=0.01)
    assert bent.verdict == FAIL and "F-test p = " in bent.measured
    noisy = _line(-0.5, 0.2)
    assert noisy.verdict == UNDECIDED and noisy.level == THEOREM
    assert "sample sizes (--n-steps)" in noisy.measured and "pairs (--pairs)" in noisy.measured
    few = _line(-0.5, 0.02, n=3)
    assert few.verdict == UNDECIDED and "3 points: no bend testable" in few.measured
    assert _line(-0.4, 0.001, n=3).verdict == FAIL  # 3 points: the interval excludes -1/2
    steps = int(re.search(r"about ([\d,]+) sample sizes", noisy.measured)[1].replace(",", ""))
    assert steps > 9  # twice the named size at the same noise decides (three noise draws)
    assert all(_line(-0.5, 0.2, n=2 * steps, seed=k).verdict == PASS for k in range(3))


@pytest.mark.parametrize("low,high,line_p,verdict", [
    (-0.525, -0.475, 0.5, PASS),            # inside the margin, contains -1/2, a line
    (-0.525, -0.475, 0.001, FAIL),          # the same interval, but the data bend: refuted
    (-0.5 - 0.06, -0.475, 0.5, UNDECIDED),  # contains -1/2, too wide on one side
    (-0.6, -0.4, 0.5, UNDECIDED),           # wider than the margin on both sides
    (-0.49, -0.47, 0.5, UNDECIDED),         # excludes -1/2, but the F test does not reject
    (-0.49, -0.47, 0.001, FAIL),
    (-0.49, -0.47, float("nan"), FAIL),     # 3 points: the interval excluding -1/2 refutes
    (-0.525, -0.475, float("nan"), PASS),
])
def test_slope_rule_at_its_edges(low, high, line_p, verdict):
    fit = LineFit((low + high) / 2, 0.0, low, high, P0.level, P0.n_steps)
    assert vf.slope_claim(P0, fit, line_p).verdict == verdict


def _unbiased(offset: float, blocks: int, noise: float, pairs: int = 8, seed: int = 0):
    """The unbiasedness claim on block means built around E[F] (plus ``offset`` |w| along e),
    each block mean with Gaussian noise of sd ``noise`` per coordinate."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0, 0.5, (pairs, 2))
    inplane = mu + np.array([offset, 0.0]) + noise * rng.standard_normal((blocks, pairs, 2))
    pvals, ellipse = vf.unbiased_tests(inplane, mu, np.ones(pairs), P0.level)
    return vf.unbiased_claim(replace(P0, blocks=blocks), pvals, ellipse)


def test_unbiased_claim_three_ways_on_constructed_blocks():
    """PASS: unbiased block means, precise enough that every ellipse fits within the margin;
    FAIL: block means off by 0.01 |w| (less than the margin: a bias the data resolve is a
    bias); UNDECIDED: unbiased but few, noisy blocks (no rejection, the ellipses too wide)."""
    assert _unbiased(0.0, 100, 0.005).verdict == PASS
    assert _unbiased(0.01, 100, 0.005).verdict == FAIL
    few = _unbiased(0.0, 5, 0.01)
    assert few.verdict == UNDECIDED, few.measured
    assert "blocks (--blocks)" in few.measured and "(--block-size)" in few.measured


def _bias(b: dict, noise: float, B: int = 8, P: int = 16, dim: int = 4, seed: int = 0):
    """Block deltas (B, P, dim) for each cell d of ``b``: a bias of relative size b[d] along a
    fixed direction plus Gaussian noise of sd ``noise`` (relative), through the block
    U-statistic and its jackknife (sampling.stats.squared_bias), keyed as the experiment's."""
    out = {}
    for i, (key, size) in enumerate(b.items()):
        rng = np.random.default_rng([seed, i])
        deltas = size / np.sqrt(dim) + noise * rng.standard_normal((B, P, dim))
        out[key] = vf.squared_bias(deltas, np.ones(P))
    return out


DIMS = (2, 5, 20)


def test_uniform_bias_claim_three_ways_on_constructed_blocks():
    """PASS: a bias of 0.1 at the smallest d and none at the largest (shrinks); FAIL: the
    reverse (grows, at the level); UNDECIDED: both biases buried in noise."""
    p = replace(P0, dims=DIMS)
    shrinks = _bias({("uniform", 2): 0.1, ("uniform", 20): 0.0}, 0.01)
    assert vf.uniform_bias_claim(p, shrinks).verdict == PASS
    grows = _bias({("uniform", 2): 0.0, ("uniform", 20): 0.1}, 0.01)
    assert vf.uniform_bias_claim(p, grows).verdict == FAIL
    buried = vf.uniform_bias_claim(p, _bias({("uniform", 2): 0.01, ("uniform", 20): 0.0}, 0.3))
    assert buried.verdict == UNDECIDED, buried.measured
    assert "samples (--n-dim)" in buried.measured or "no size in reach" in buried.measured


def test_uniform_bias_claim_compares_the_smallest_d_with_the_largest():
    """dims given in any order: the claim reads the smallest and the largest d."""
    shrinks = _bias({("uniform", 2): 0.1, ("uniform", 5): 0.05, ("uniform", 20): 0.0}, 0.01)
    claim = vf.uniform_bias_claim(replace(P0, dims=(20, 2, 5)), shrinks)
    assert claim.verdict == PASS and "(d=2) vs" in claim.measured and "(d=20)" in claim.measured


def test_gauss_bias_claim_three_ways_on_constructed_blocks():
    """PASS: no bias and little noise (the bound is far below the margin); FAIL: a relative
    bias of 0.05 resolved (below the margin, but resolved); UNDECIDED: no bias, but so much
    noise that the bound exceeds the margin."""
    p = replace(P0, dims=DIMS)
    clean = _bias({("gaussian", d): 0.0 for d in DIMS}, 0.005)
    assert vf.gauss_bias_claim(p, clean).verdict == PASS
    biased = _bias({("gaussian", d): 0.05 if d == 5 else 0.0 for d in DIMS}, 0.002)
    assert vf.gauss_bias_claim(p, biased).verdict == FAIL
    noisy = vf.gauss_bias_claim(p, _bias({("gaussian", d): 0.0 for d in DIMS}, 0.2))
    assert noisy.verdict == UNDECIDED, noisy.measured
    assert "samples (--n-dim)" in noisy.measured


def test_wrong_formula_is_caught(monkeypatch):
    """The claims have power at --quick sizes: Eqn 5 scaled as a whole by 1.03 (every component
    3 % too large) fails the unbiasedness test (over 30 seeds: Bonferroni p at most 1.3e-5
    against 0.01) and the slope claim (the 3 % floor bends the log-log line: the F test of a
    line of slope -1/2 rejected it in 30 of 30 seeds), so the run exits 1: FAIL, not
    UNDECIDED."""
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
                                         ("dims", (5, 5)), ("distributions", ("cauchy",)),
                                         ("blocks", 2), ("slope_tol", 0.0), ("slope_tol", 0.5),
                                         ("unbiased_tol", 0.0), ("gauss_bias_tol", 1.0)])
def test_validation_names_the_parameter(field, value):
    p = dataclasses.replace(vf.Params(), **{field: value})
    with pytest.raises(ValueError, match=field.split("_")[0]):
        p.validate()


def test_a_grid_of_fewer_than_three_sample_sizes_is_refused():
    """N from 100 to 101 holds two integers: the slope could never be decided, so the run is
    refused before any work (a ValueError naming the range, exit 2 from the command)."""
    p = dataclasses.replace(vf.Params(), n_min=100, n_max=101)
    with pytest.raises(ValueError, match=r"n_min/n_max.*3 distinct sample sizes.*holds 2"):
        p.validate()
    dataclasses.replace(p, n_max=102).validate()  # 100, 101, 102: three points, accepted


# ------------------------------------------------ the edge runs of issue 31, from the command line
EDGE_RUNS = [("--d", "2"), ("--d", "3"), ("--n-steps", "3"), ("--n-steps", "4"),
             ("--pairs", "1"), ("--pairs", "2")]


def _cli(tmp_path, *args):
    import json

    from click.testing import CliRunner

    from relucheck.cli import main

    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["verify-formula", "--quick", "--quiet", *args,
                                  "--out", str(out)])
    record = json.loads((out / f"{vf.STEM}.json").read_text()) if r.exit_code in (0, 1) else None
    return r, record


@pytest.mark.parametrize("args", EDGE_RUNS, ids=" ".join)
def test_too_small_runs_are_undecided_and_exit_0(tmp_path, args):
    """These --quick runs exited 1 on the slope claim, its interval too wide to fit the margin
    although it contains -1/2: the data refute nothing. Now the claim is UNDECIDED with the
    sizes that would decide it, no claim FAILs, and the run exits 0 (the JSON says so too)."""
    r, record = _cli(tmp_path, *args)
    assert r.exit_code == 0, r.output
    verdicts = {c["claim"]: c["verdict"] for c in record["claims"]}
    assert verdicts[SLOPE] == UNDECIDED and FAIL not in verdicts.values(), verdicts
    slope = next(c for c in record["claims"] if c["claim"] == SLOPE)
    assert "would decide" in slope["measured"]
    assert record["exit_code"] == 0 and record["verdicts"][UNDECIDED] >= 1
    assert "UNDECIDED" in r.output and "exit 0 (--strict makes it 1)" in r.output


def test_strict_makes_undecided_exit_1(tmp_path):
    r, record = _cli(tmp_path, "--d", "2", "--strict")
    assert r.exit_code == 1, r.output
    assert record["exit_code"] == 1 and "--strict: exit 1" in r.output
    assert FAIL not in {c["verdict"] for c in record["claims"]}


@pytest.mark.parametrize("args,why", [
    (("--n-min", "100", "--n-max", "101"), "3 distinct sample sizes"),
    (("--dims", "5,5"), "two distinct values"),
])
def test_a_size_that_can_never_decide_is_refused(tmp_path, args, why):
    r, _ = _cli(tmp_path, *args)
    assert r.exit_code == 2 and why in r.output, r.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
