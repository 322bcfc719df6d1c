"""The Monte Carlo sampler and the statistics behind every claim's threshold."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import stats

import relucheck.numerics as old
from relucheck.descent import DescentConfig, Runs
from relucheck.sampling.chunks import CHUNK_FLOATS, MC_CHUNK_FLOATS, chunk_rows
from relucheck.sampling.inputs import pairs_at_angles, sample_inputs
from relucheck.sampling.montecarlo import sampled_F
from relucheck.sampling.stats import fit_line, hotelling_pvalue, squared_bias, wilson_interval
from relucheck.theory import angle


def test_pairs_have_the_prescribed_angle(rng):
    t = np.linspace(0, np.pi, 11)
    e, w, u = pairs_at_angles(rng, t, 7, w_norm=2.5)
    np.testing.assert_allclose(angle(e, w), t, atol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 2.5, rtol=1e-14)
    np.testing.assert_allclose(np.sum(e * u, axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("dist", ["gaussian", "uniform"])
def test_sampled_F_equals_direct_sum_and_ignores_chunking(rng, dist):
    E = rng.standard_normal((5, 3))
    W = rng.standard_normal((5, 3))
    seed = np.random.SeedSequence(7)
    n = 5000
    X = sample_inputs(np.random.default_rng(seed), n, 3, dist)
    direct = np.stack([X.T @ ((X @ e > 0) * np.maximum(X @ w, 0))
                       for e, w in zip(E, W, strict=True)])
    # a tiny budget forces 256-row chunks; the same stream is consumed, so only summation order
    # differs (relative rounding ~ n * eps)
    for budget in (10, 10_000, 10**8):
        got = sampled_F(E, W, n, np.random.default_rng(seed), dist, budget=budget)
        np.testing.assert_allclose(got, direct, rtol=1e-11, atol=1e-9)


def test_sampled_F_memory_is_bounded():
    """Two million samples in d = 20 would be 320 MB materialised; chunks keep it near 64 MB."""
    E = np.eye(20)[:2]
    W = np.eye(20)[1:3]
    tracemalloc.start()
    sampled_F(E, W, 2_000_000, np.random.default_rng(0), budget=2_000_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB"


def test_fit_line_interval_covers_the_true_slope_at_its_level():
    """Over 400 simulated lines with Gaussian noise, the 90 % interval covers the true slope in
    90 % of them: the count must lie in the central 99.9 % of Binomial(400, 0.9)."""
    rng = np.random.default_rng(3)
    x = np.linspace(0, 5, 9)
    covered = 0
    for _ in range(400):
        f = fit_line(x, 1.0 - 0.5 * x + 0.1 * rng.standard_normal(x.size), level=0.9)
        covered += f.slope_low <= -0.5 <= f.slope_high
    lo, hi = stats.binom.ppf([0.0005, 0.9995], 400, 0.9)
    assert lo <= covered <= hi


def test_hotelling_pvalues_are_uniform_under_the_null():
    rng = np.random.default_rng(4)
    p = [hotelling_pvalue(rng.standard_normal((30, 2)) @ [[2, 0.5], [0, 1]] + [1, -1], [1, -1])
         for _ in range(300)]
    assert stats.kstest(p, "uniform").pvalue > 1e-3
    # and it rejects a shifted mean
    assert hotelling_pvalue(rng.standard_normal((30, 2)) + [1.0, 0], [0, 0]) < 1e-3


def test_squared_bias_is_unbiased_and_its_se_is_honest():
    """Blocks with noise and a known bias: the U-statistic recovers |bias|^2 / |model|^2, and
    (estimate - truth) / se over 300 trials has standard deviation close to 1."""
    rng = np.random.default_rng(5)
    model = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    bias = np.array([[0.05, 0.0, 0.0], [0.0, 0.0, 0.1]])
    truth = np.mean(np.sum(bias**2, axis=1) / np.sum(model**2, axis=1))
    z = []
    for _ in range(300):
        common = rng.standard_normal((8, 1, 3)) * 0.2  # noise shared by the pairs
        deltas = bias + common + 0.2 * rng.standard_normal((8, 2, 3))
        est, se = squared_bias(deltas, np.sum(model**2, axis=1))
        z.append((est - truth) / se)
    z = np.array(z)
    assert abs(z.mean()) < 4 / np.sqrt(len(z)) * z.std()  # mean zero at ~4 sigma
    assert 0.75 < z.std() < 1.35  # jackknife SE honest within its own sampling spread


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10, 0.95)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_interval_equals_scipy_binomtest_on_a_grid(level):
    """Against scipy.stats.binomtest(k, n).proportion_ci(level, method="wilson") (without
    continuity correction), an independent implementation, on every k of several n."""
    from scipy.stats import binomtest

    for n in (1, 2, 3, 7, 8, 20, 200, 1000, 3600):
        ks = range(n + 1) if n <= 200 else (0, 1, 2, n // 3, n // 2, n - 1, n)
        for k in ks:
            ref = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
            lo, hi = wilson_interval(k, n, level)
            assert lo == pytest.approx(ref.low, abs=1e-12) and hi == pytest.approx(ref.high,
                                                                                   abs=1e-12)


def test_the_numerics_shim_resolves_old_names_with_a_warning():
    """relucheck.numerics is a deprecation shim: its names resolve to their new homes, and its
    ``Descent`` (the configuration of train) to relucheck.descent.DescentConfig."""
    with pytest.warns(DeprecationWarning, match="DescentConfig"):
        assert old.Descent is DescentConfig
    with pytest.warns(DeprecationWarning, match="relucheck.descent.Runs"):
        assert old.Runs is Runs
    assert "Descent" in old.__all__


def test_chunk_rows_fills_the_budget_and_keeps_its_floor():
    """One rule for every chunked sampler: budget // floats per row, at least ``least`` rows."""
    assert chunk_rows(10) == CHUNK_FLOATS // 10
    assert chunk_rows(7, budget=100) == 14
    assert chunk_rows(10**9) == 1
    assert chunk_rows(10**9, budget=MC_CHUNK_FLOATS, least=256) == 256
