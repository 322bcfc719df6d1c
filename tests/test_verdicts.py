"""The three verdicts of a theorem-level claim (issue 31): the rules that decide PASS, FAIL or
UNDECIDED from an interval, the exit codes they give with and without --strict, the counts the
claim table prints, and the size estimates that say what would decide an UNDECIDED claim."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from relucheck.output.report import claim_table, count_text, verdict_line
from relucheck.result import (
    EXACT,
    FAIL,
    MEASURED,
    PASS,
    REPORTED,
    STATISTICAL,
    UNDECIDED,
    Claim,
    Result,
    equivalence_verdict,
    one_sided_verdict,
    three_way,
)
from relucheck.sampling.stats import (
    decide_text,
    fit_line,
    hotelling_bound,
    hotelling_pvalue,
    points_to_decide,
    size_to_decide,
)


def test_three_way():
    assert three_way(True, False) == PASS
    assert three_way(False, True) == FAIL
    assert three_way(False, False) == UNDECIDED
    with pytest.raises(ValueError):
        three_way(True, True)


@pytest.mark.parametrize("low,high,verdict", [
    (-0.52, -0.48, PASS),       # contains the target, inside the margin
    (-0.55, -0.45, PASS),       # the margin's ends belong to it
    (-0.56, -0.48, UNDECIDED),  # contains the target, reaches beyond the margin
    (-0.9, 0.1, UNDECIDED),     # far too wide: nothing refuted, nothing established
    (-0.49, -0.47, FAIL),       # excludes the target: refuted however narrow the margin
    (-0.8, -0.6, FAIL),
])
def test_equivalence_verdict(low, high, verdict):
    assert equivalence_verdict(low, high, -0.5, 0.05) == verdict


@pytest.mark.parametrize("low,high,verdict", [(0.1, 0.3, PASS), (-0.3, -0.1, FAIL),
                                              (-0.1, 0.3, UNDECIDED)])
def test_one_sided_verdict(low, high, verdict):
    assert one_sided_verdict(low, high, 0.0) == verdict


def _result(*verdicts: str) -> Result:
    claims = [Claim(f"c{i}", "m", "t", v, "empirical" if v == REPORTED else "theorem")
              for i, v in enumerate(verdicts)]
    return Result("stub", {"main": {}}, claims)


@pytest.mark.parametrize("verdicts,plain,strict", [
    ((PASS, REPORTED), 0, 0),
    ((PASS, UNDECIDED, REPORTED), 0, 1),   # UNDECIDED alone: 0, and 1 with --strict
    ((PASS, FAIL), 1, 1),
    ((FAIL, UNDECIDED), 1, 1),
])
def test_exit_codes(verdicts, plain, strict):
    r = _result(*verdicts)
    assert r.exit_code == r.exit_code_for(False) == plain
    assert r.exit_code_for(True) == strict
    assert len(r.failed) == verdicts.count(FAIL)
    assert len(r.undecided) == verdicts.count(UNDECIDED)


def test_a_theorem_claim_takes_only_the_three_verdicts():
    assert Claim.decide("x", UNDECIDED, "m", "t", "j").level == "theorem"
    # how each claim is decided is in its JSON record
    assert Claim.decide("x", PASS, "m", "t", "j").as_dict()["rule"] == STATISTICAL
    assert Claim.check("x", True, "m", "t", "j").as_dict()["rule"] == EXACT
    assert Claim.report("x", "m", "s").as_dict()["rule"] == MEASURED
    with pytest.raises(ValueError):
        Claim.decide("x", REPORTED, "m", "t", "j")


def test_the_table_counts_every_verdict_and_says_fail_only_when_one_failed():
    table = claim_table(_result(PASS, PASS, UNDECIDED, REPORTED).claims)
    assert table.splitlines()[-1] == "verdicts: 2 PASS, 0 failed, 1 UNDECIDED, 1 REPORTED"
    assert "FAIL" not in table  # a run where nothing failed can be grepped for FAIL
    assert table.splitlines()[4].endswith("| UNDECIDED")  # the verdict column is not wrapped
    assert count_text({PASS: 1, FAIL: 2, UNDECIDED: 0, REPORTED: 0}) == (
        "1 PASS, 2 FAIL, 0 UNDECIDED, 0 REPORTED")
    assert "FAIL" not in verdict_line(0, 2, False) and "--strict" in verdict_line(0, 2, False)
    assert "FAILED" in verdict_line(1, 0, False)
    assert verdict_line(0, 0, True) == "all theorem-level claims hold"


def test_size_to_decide_follows_the_width_scaling():
    # a half-width of 0.1 at n = 100 falling like 1/sqrt(n) reaches 0.05 at n = 400
    assert size_to_decide(100, 0.1, 0.05) == 400
    assert size_to_decide(100, 0.1, 0.05, rate=1.0) == 200
    assert size_to_decide(100, 0.01, 0.05) == 101  # already narrow enough: the next size
    assert math.isinf(size_to_decide(100, 0.1, 0.0))  # the estimate at the threshold
    assert math.isinf(size_to_decide(100, 1.0, 1e-6))  # beyond any size in reach


def test_points_to_decide_is_right_for_a_noisy_line():
    """At the number of points it names, the slope interval of a line with the same noise is
    (on average over noise draws) as narrow as asked; at one point fewer it is not."""
    x9 = np.linspace(0, 10, 9)
    rng = np.random.default_rng(0)
    sd = 0.2

    def mean_half(n):
        x = np.linspace(0, 10, n)
        halves = [(lambda f: (f.slope_high - f.slope_low) / 2)(
            fit_line(x, 0.5 * x + sd * rng.standard_normal(n), 0.99)) for _ in range(400)]
        return float(np.mean(halves))

    # the half-width at 9 points for the residual spread sd, exactly
    sxx = np.sum((x9 - x9.mean()) ** 2)
    half9 = stats.t.ppf(0.995, 7) * sd / np.sqrt(sxx)
    n = int(points_to_decide(9, half9, half9 / 3, 0.99))
    assert n > 9
    # the same formula at n and n - 1 points, against simulated fits
    assert mean_half(n) < half9 / 3 * 1.1 and mean_half(n - 1) > half9 / 3 * 0.95


def test_decide_text():
    assert decide_text([(57, "steps (--n-steps)"), (1200, "pairs (--pairs)")]) == (
        "about 57 steps (--n-steps) or 1,200 pairs (--pairs) would decide (if the estimate "
        "stays)")
    assert decide_text([(math.inf, "x"), (10, "y")]) == "about 10 y would decide (if the " \
        "estimate stays)"
    assert "no size in reach" in decide_text([(math.inf, "x")])


def test_hotelling_ellipse_is_the_dual_of_the_test():
    """mu is inside the (1 - alpha) ellipse exactly when the test does not reject at alpha, and
    the ellipse's bound on |mean - mu| covers the true offset at its level (0.99 over 400
    draws, not fewer than the binomial lower 0.1 % quantile)."""
    rng = np.random.default_rng(1)
    alpha, R = 0.01, 20
    mean = np.array([0.3, -0.1])
    covered = 0
    for _ in range(400):
        X = mean + rng.standard_normal((R, 2)) * [0.1, 0.05]
        for mu in (mean, mean + [0.05, 0.0], mean + [0.2, 0.0]):
            bound, r = hotelling_bound(X, mu, alpha)
            inside = np.linalg.norm(X.mean(0) - mu) <= bound
            assert r <= bound
            if hotelling_pvalue(X, mu) >= alpha:  # mu in the ellipse: its centre is near
                assert inside
        bound, _ = hotelling_bound(X, mean + [0.05, 0.0], alpha)
        covered += bound >= 0.05  # the true offset from mu = mean + (0.05, 0)
    assert covered >= stats.binom.ppf(0.001, 400, 0.99)


def test_line_pvalue_is_uniform_for_a_line_and_rejects_a_bend_or_another_slope():
    from relucheck.sampling.stats import line_pvalue

    rng = np.random.default_rng(2)
    x = np.linspace(4.6, 13.8, 9)  # log N from 100 to 10^6
    null = [line_pvalue(x, 1 - 0.5 * x + 0.05 * rng.standard_normal(9), -0.5)
            for _ in range(300)]
    assert stats.kstest(null, "uniform").pvalue > 1e-3
    floor = 0.5 * np.log(np.exp(2 - x) + 0.01**2)  # N^-1/2 down to a 1 % floor: a bend
    assert line_pvalue(x, floor + 0.01 * rng.standard_normal(9), -0.5) < 1e-3
    assert line_pvalue(x, 1 - 0.45 * x + 0.01 * rng.standard_normal(9), -0.5) < 1e-3
    assert math.isnan(line_pvalue(x[:3], x[:3], -0.5))
