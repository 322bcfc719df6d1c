"""init-prob (Theorem 6) against independent computations: the exact probability against Monte
Carlo (stated levels) and against a 50-digit mpmath evaluation of an independent closed form (the
volume of the lens B_r ∩ Omega), its limits, the uniform ball sampler (KS tests, isotropy), the
planar one-ReLU dynamics against the full d-dimensional dynamics, the claims' power, and the CLI."""

from __future__ import annotations

import dataclasses
import itertools
import json
import tempfile
from pathlib import Path

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import assert_rejected
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import gammaln

from relucheck.cli.init_prob import command
from relucheck.descent.one_relu_flow import (
    integrate_planar,
    planar_gradient,
    planar_loss,
    trap_level,
)
from relucheck.experiments import init_prob as ip
from relucheck.output.init_prob import plot
from relucheck.output.style import save_figure
from relucheck.output.writers import read_csv
from relucheck.result import FAIL, PASS, THEOREM, UNDECIDED
from relucheck.sampling.ball import ball_plane_coordinates, uniform_ball
from relucheck.sampling.stats import wilson_interval
from relucheck.theory import gradient_one_relu, population_loss
from relucheck.theory.init_prob import (
    omega_probability,
    tail_c,
    theorem6_bound,
    theorem6_radius,
)

STEM = "thm6_init_prob"


# ---------------------------------------------------------------- the exact probability
def lens_probability(r: float, d: int, dps: int = 50) -> mpmath.mpf:
    """P(w0 in Omega) as vol(B_r ∩ Omega) / vol(B_r), |w*| = 1, in mpmath.

    Independent of the 1D integral: the lens is cut by the plane x = r^2/2 into a cap of B_r
    (height r - r^2/2) and a cap of Omega (height r^2/2); a cap of height h <= R of an R-ball has
    volume 1/2 V_d R^d I_{(2Rh - h^2)/R^2}((d+1)/2, 1/2). For r >= 2, Omega lies in B_r.
    """
    with mpmath.workdps(dps):
        r = mpmath.mpf(r)
        if r >= 2:
            return r ** (-d)
        a, half = mpmath.mpf(d + 1) / 2, mpmath.mpf(1) / 2

        def inc(x):
            return mpmath.betainc(a, half, 0, x, regularized=True)

        x2 = r**2 * (1 - r**2 / 4)
        cap_omega = inc(x2) / 2 if r**2 <= 2 else 1 - inc(x2) / 2  # more than half of Omega
        return inc(1 - r**2 / 4) / 2 + r ** (-d) * cap_omega


@pytest.mark.parametrize("d", [2, 3, 5, 10, 100, 1000, 10_000])
def test_exact_integral_against_mpmath_lens_volume(d):
    """The stated accuracy (1e-10, the margin of Theorem 6 needs it) holds with room: 1e-12."""
    radii = [1e-9, 1e-4, 0.05, float(theorem6_radius(0.1, d)), float(theorem6_radius(1.0, d)),
             0.7, 1.3, 1.5, 1.999, 2.0, 3.0]
    for r in radii:
        P, err = omega_probability(r, d)
        exact = lens_probability(r, d)
        assert abs(P - float(exact)) < 1e-12, (d, r, P, exact)
        assert err < 1e-12


def test_d3_closed_form():
    """d = 3: c is uniform on [-1, 1], so P = (1 - 3r/8)/2 for r <= 2 and r^-3 beyond."""
    for r in np.linspace(0.01, 1.99, 9):
        assert omega_probability(r, 3)[0] == pytest.approx(0.5 * (1 - 3 * r / 8), abs=1e-14)
    for r in (2.0, 2.5, 7.0):
        assert omega_probability(r, 3)[0] == pytest.approx(r**-3, abs=1e-14)


@pytest.mark.parametrize("d", [2, 5, 20, 1000])
def test_limit_one_half_as_r_to_zero(d):
    """P = 1/2 - r E[s] f_c(0)/2 + O(r^3), E[s] = d/(d+1), f_c(0) = G(d/2)/(sqrt(pi) G((d-1)/2))
    the density of c at 0 (symmetric, so no r^2 term)."""
    f0 = np.exp(gammaln(d / 2) - gammaln((d - 1) / 2)) / np.sqrt(np.pi)
    slope = d / (d + 1) * f0 / 2
    for r in (1e-3, 1e-5):
        P = omega_probability(r, d)[0]
        assert abs(P - (0.5 - slope * r)) < 10 * d**1.5 * r**3 + 1e-13
    assert omega_probability(0.0, d) == (0.5, 0.0)


@pytest.mark.parametrize("d", [2, 3, 10, 50])
def test_no_point_beyond_two_is_in_omega_and_tail_is_r_to_minus_d(d, rng):
    """The issue's 'P = 0 for r >= 2 |w*|' is the integrand, not P: no w0 with |w0| >= 2|w*|
    lies in Omega, so P(r) = vol(Omega)/vol(B_r) = r^-d there (exponentially small, not 0)."""
    assert np.all(tail_c(np.array([1.0, 1.5, 10.0]), d) == 0.0)
    e = np.zeros(d)
    e[0] = 1.0
    x, y = ball_plane_coordinates(rng, 20_000, d, 3.0, e)
    far = np.hypot(x, y) >= 2.0
    assert far.sum() > 1000 and not np.any((x * x + y * y < 2 * x)[far])
    for r in (2.0, 2.5, 4.0):
        assert omega_probability(r, d)[0] == pytest.approx(r ** (-d), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("d,r", [(2, 0.5), (3, 1.2), (10, 0.3), (10, 1.9), (50, 0.15),
                                 (5, 2.2)])
def test_exact_integral_against_monte_carlo(d, r, rng):
    """Binomial z-test, two-sided, family level 1e-4 with Bonferroni over the 6 cases."""
    n = 200_000
    e = rng.standard_normal(d)
    e /= np.linalg.norm(e)
    x, y = ball_plane_coordinates(rng, n, d, r, e)
    k = int(np.sum(x * x + y * y < 2 * x))
    P = omega_probability(r, d)[0]
    z = (k - n * P) / np.sqrt(n * P * (1 - P))
    assert abs(z) < stats.norm.ppf(1 - 1e-4 / 12), (k / n, P, z)


@settings(max_examples=80, deadline=None)
@given(d=st.integers(2, 5000), eps=st.floats(1e-4, 1.0))
def test_theorem6_bound_holds_exactly(d, eps):
    """Theorem 6: P >= (1 - eps)/2 at r = eps sqrt(2 pi/(d+1)), beyond the quad error."""
    P, err = omega_probability(float(theorem6_radius(eps, d)), d)
    assert P - float(theorem6_bound(eps)) > err


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="d:"):
        omega_probability(0.5, 1)
    with pytest.raises(ValueError, match="r:"):
        omega_probability(-0.1, 3)
    with pytest.raises(ValueError, match="d:"):
        theorem6_radius(0.5, 1)


# ---------------------------------------------------------------- uniform ball sampling
@pytest.mark.parametrize("d", [2, 7, 200])
def test_ball_radius_distribution(d, rng):
    """(|w|/r)^d ~ U(0, 1) (KS test at level 1e-4)."""
    w = uniform_ball(rng, 20_000, d, r=1.7)
    assert np.all(np.linalg.norm(w, axis=1) <= 1.7)
    u = (np.linalg.norm(w, axis=1) / 1.7) ** d
    assert stats.kstest(u, "uniform").pvalue > 1e-4


@pytest.mark.parametrize("d", [3, 10])
def test_ball_isotropy(d, rng):
    """Directions: E[u] = 0 and E[u u^T] = I/d (z-tests, Bonferroni at 1e-4 over the entries),
    and c = u . e has c^2 ~ Beta(1/2, (d-1)/2) for a fixed e (KS at 1e-4)."""
    n = 40_000
    w = uniform_ball(rng, n, d)
    u = w / np.linalg.norm(w, axis=1, keepdims=True)
    outer = (u[:, :, None] * u[:, None, :]).reshape(n, -1)
    samples = np.hstack([u, outer])
    expected = np.concatenate([np.zeros(d), (np.eye(d) / d).ravel()])
    se = samples.std(axis=0, ddof=1) / np.sqrt(n)
    z = np.abs(samples.mean(axis=0) - expected) / se
    assert np.all(z < stats.norm.ppf(1 - 1e-4 / (2 * z.size)))
    e = np.arange(1.0, d + 1)
    e /= np.linalg.norm(e)
    assert stats.kstest((u @ e) ** 2, stats.beta(0.5, (d - 1) / 2).cdf).pvalue > 1e-4


def test_plane_coordinates_reduce_the_same_points():
    """ball_plane_coordinates consumes the stream like uniform_ball and keeps (x, y) of each
    point, also in the near-parallel rows it recomputes (d = 2) and for any chunking of a d."""
    for d in (2, 9):
        e = np.random.default_rng(1).standard_normal(d)
        e /= np.linalg.norm(e)
        w = uniform_ball(np.random.default_rng(5), 3000, d, 0.8)
        x, y = ball_plane_coordinates(np.random.default_rng(5), 3000, d, 0.8, e, budget=10**6)
        np.testing.assert_allclose(x, w @ e, rtol=0, atol=1e-15)
        np.testing.assert_allclose(y, np.linalg.norm(w - np.outer(w @ e, e), axis=1), rtol=1e-12,
                                   atol=1e-15)
    # chunks of 5 points: a different draw order, the same distribution and bounded memory
    x, y = ball_plane_coordinates(np.random.default_rng(5), 1000, 9, 0.8, e, budget=45)
    assert np.all(np.hypot(x, y) <= 0.8) and np.all(y >= 0)


# ---------------------------------------------------------------- the one-ReLU dynamics
@settings(max_examples=60, deadline=None)
@given(x=st.floats(-3, 3), y=st.floats(0, 3))
def test_planar_gradient_is_eqn6(x, y):
    """The planar field equals gradient_one_relu on 2D states, and planar_loss the kernel loss."""
    if np.hypot(x, y) < 1e-6:
        return
    gx, gy = planar_gradient(np.array(x), np.array(y))
    g = gradient_one_relu(np.array([x, y]), np.array([1.0, 0.0]))
    np.testing.assert_allclose([gx, gy], g, rtol=1e-12, atol=1e-14)
    J = population_loss(np.array([[x, y]]), np.array([[1.0, 0.0]]))
    assert float(planar_loss(np.array(x), np.array(y))) == pytest.approx(float(J), abs=1e-14)


def test_planar_flow_matches_full_d_dimensional_flow(rng):
    """Eqn 6 integrated in R^d (solve_ivp, rtol 1e-11, gradient_one_relu) against the planar
    batch mapped back into R^d: w(t) = x(t) e* + y(t) v, v the unit orthogonal part of w0."""
    d = 7
    w_star = rng.standard_normal(d)
    w_star *= 1.3 / np.linalg.norm(w_star)  # |w*| != 1: time is unchanged by the scaling
    e = w_star / np.linalg.norm(w_star)
    W0 = rng.standard_normal((6, d)) * np.array([[0.05], [0.3], [1.0], [2.0], [0.01], [0.5]])
    W0[5] = -0.5 * w_star + 1e-3 * rng.standard_normal(d)  # nearly anti-parallel: slow
    for t_end in (0.7, 6.0, 25.0):
        ref = np.stack([
            integrate.solve_ivp(lambda t, w: -gradient_one_relu(w, w_star), (0, t_end), w0,
                                method="DOP853", rtol=1e-11, atol=1e-13).y[:, -1]
            for w0 in W0])
        x0 = W0 @ e / 1.3
        perp = W0 - np.outer(W0 @ e, e)
        y0 = np.linalg.norm(perp, axis=1) / 1.3
        res = integrate_planar(x0, y0, t_max=t_end, rtol=1e-10, atol=1e-13, stop_in_trap=False)
        v = perp / np.linalg.norm(perp, axis=1, keepdims=True)
        back = 1.3 * (res.x[:, None] * e + res.y[:, None] * v)
        np.testing.assert_allclose(back, ref, rtol=0, atol=1e-7)


def test_trap_level_is_a_lower_bound_of_J_on_the_circle():
    fine = np.linspace(0, np.pi, 2_000_001)
    J = planar_loss(1 + 0.5 * np.cos(fine), 0.5 * np.sin(fine))
    lb = trap_level(0.5)
    assert lb <= J.min() and J.min() - lb < 1e-3
    with pytest.raises(ValueError):
        trap_level(1.0)


def test_convergence_criterion(rng):
    """Starts in Omega and generic starts converge, and then really are at w* at t = 100; the
    invariant ray t = pi (w anti-parallel to w*) flows to 0 and is not declared converged."""
    n0 = rng.uniform(0.01, 3.0, 400)
    th = rng.uniform(0, np.pi - 1e-3, 400)
    x0, y0 = n0 * np.cos(th), n0 * np.sin(th)
    res = integrate_planar(x0, y0)
    assert res.converged.all()
    long = integrate_planar(x0, y0, stop_in_trap=False, t_max=100.0)
    # exact flow: ~0.5 e^(-t/2) after entering the trap (t < 30), i.e. < 1e-15 by t = 100; the
    # integrator's atol 1e-9 and rtol 1e-6 leave ~1e-7; 1e-6 is far below the trap radius 0.5
    assert np.max(np.hypot(long.x - 1, long.y)) < 1e-6
    np.testing.assert_array_equal(long.t_converged, res.t_converged)
    anti = integrate_planar(np.array([-0.3, -2.0]), np.array([0.0, 0.0]), t_max=60.0)
    assert not anti.converged.any() and np.all(np.abs(anti.x) < 1e-10)
    with pytest.raises(ValueError, match="nonzero"):
        integrate_planar(np.array([0.0]), np.array([0.0]))


# ---------------------------------------------------------------- statistics of the claims
def test_score_miss_probability_matches_wilson_intervals():
    """The Wilson interval excludes p exactly when the score test rejects: brute force over k."""
    for n, p in itertools.product((60, 997), (0.02, 0.31, 0.5, 0.77)):
        pmf = stats.binom.pmf(np.arange(n + 1), n, p)
        miss = [not (lo <= p <= hi) for lo, hi in (wilson_interval(k, n) for k in range(n + 1))]
        assert ip.score_miss_probability(np.array([p]), n, 0.95)[0] == pytest.approx(
            float(pmf[miss].sum()), abs=1e-12)


def test_poisson_binomial_tail():
    q = np.full(30, 0.05)
    for k in (0, 1, 3, 7):
        assert ip.poisson_binomial_sf(q, k) == pytest.approx(stats.binom.sf(k - 1, 30, 0.05),
                                                             rel=1e-10)


# ---------------------------------------------------------------- the experiment
@pytest.fixture(scope="module")
def quick_result():
    return ip.run(ip.quick(ip.Params()), np.random.default_rng(np.random.SeedSequence(0)))


def test_quick_run_claims_hold(quick_result):
    theorem = [c for c in quick_result.claims if c.level == THEOREM]
    assert len(theorem) == 4 and all(c.verdict == PASS for c in theorem), theorem
    assert quick_result.exit_code == 0


def test_table_rows_and_exact_column(quick_result):
    t = quick_result.tables["main"]
    p = ip.quick(ip.Params())
    counts = {k: int(np.sum(t["kind"] == k)) for k in ("eps", "r", "eps_curve", "r_curve")}
    assert counts == {"eps": len(p.d) * len(p.eps), "r": p.r_steps,
                      "eps_curve": len(p.d) * p.curve_points, "r_curve": len(p.d) * p.curve_points}
    cells = np.flatnonzero(t["kind"] == "eps")
    for i in cells[:3]:
        d, eps = int(t["d"][i]), t["eps"][i]
        assert t["p_omega_exact"][i] == omega_probability(float(theorem6_radius(eps, d)), d)[0]
        assert t["samples"][i] == p.samples and t["converged"][i] <= p.samples


def test_same_seed_same_table_other_seed_other_table():
    p = dataclasses.replace(ip.quick(ip.Params()), d=(2, 5), samples=300)
    r1, r2, r3 = (ip.run(p, np.random.default_rng(np.random.SeedSequence(s))) for s in (1, 1, 2))
    for k in r1.tables["main"]:
        np.testing.assert_array_equal(r1.tables["main"][k], r2.tables["main"][k])
    assert not np.array_equal(r1.tables["main"]["in_omega"], r3.tables["main"]["in_omega"])


def _cells(result, kind: str) -> dict:
    """Rows of one kind keyed by (d, eps) (eps rounded: the sweep's eps is recomputed from r)."""
    t = result.tables["main"]
    return {(int(t["d"][i]), round(float(t["eps"][i]), 12)): {k: t[k][i] for k in t}
            for i in np.flatnonzero(t["kind"] == kind)}


def test_a_cell_does_not_depend_on_the_other_cells():
    """Streams are keyed by the cell: the d = 5 cells (and the sweep) draw the same numbers
    whether d is (5,) or (2, 5), and whatever the order of eps."""
    p = dataclasses.replace(ip.quick(ip.Params()), d=(5,), eps=(0.25, 1.0), samples=300,
                            r_steps=3)
    seed = np.random.SeedSequence(7)
    a = ip.run(p, np.random.default_rng(seed))
    b = ip.run(dataclasses.replace(p, d=(2, 5), eps=(1.0, 0.5, 0.25)), np.random.default_rng(seed))
    for kind in ("eps", "r"):
        cells_a, cells_b = _cells(a, kind), _cells(b, kind)
        assert cells_a and set(cells_a) <= set(cells_b)
        for key, row in cells_a.items():
            for k, v in row.items():
                np.testing.assert_array_equal(v, cells_b[key][k], err_msg=f"{kind} {key} {k}")


def _rate_report(result):
    return next(c for c in result.claims if c.name == "Convergence rate of Eqn 6 from B_r")


def test_rate_report_says_reproduced_only_when_every_cell_clears_the_bound(quick_result):
    """The statement follows the table: reproduced iff every cell's Wilson lower bound of the
    converged fraction is >= (1 - eps)/2 (checked here from the columns)."""
    t = quick_result.tables["main"]
    cells = np.flatnonzero(((t["kind"] == "eps") | (t["kind"] == "r")) & np.isfinite(t["bound"]))
    clears = bool(np.all(t["conv_low"][cells] >= t["bound"][cells]))
    statement = _rate_report(quick_result).threshold
    assert clears and "reproduced" in statement and "NOT" not in statement
    assert f"all {cells.size} cells" in statement


def test_wrong_probability_is_caught(monkeypatch):
    """The Monte Carlo claim has power: the exact value off by 0.03 fails it (exit 1)."""
    real = ip.omega_probability
    monkeypatch.setattr(ip, "omega_probability", lambda r, d: (real(r, d)[0] + 0.03, 0.0))
    r = ip.run(dataclasses.replace(ip.quick(ip.Params()), d=(2, 10)), np.random.default_rng(0))
    verdicts = {c.name: c.verdict for c in r.claims}
    assert verdicts["Monte Carlo P(w0 in Omega) agrees with the exact value"] == "FAIL"
    assert r.exit_code == 1


def test_runs_that_do_not_converge_are_caught(monkeypatch):
    """A flow that never converges fails Theorem 5 and the rate >= P(Omega) check."""
    monkeypatch.setattr(ip, "_flow", lambda x0, y0, p: (np.zeros(x0.shape, bool),
                                                        np.full(x0.shape, np.nan)))
    r = ip.run(dataclasses.replace(ip.quick(ip.Params()), d=(2,), eps=(0.5,), samples=200),
               np.random.default_rng(0))
    failed = {c.name for c in r.failed}
    assert "Theorem 5: every run started in Omega converges to w*" in failed
    assert "Converged fraction >= P(w0 in Omega) (Omega in the basin)" in failed
    assert "NOT reproduced" in _rate_report(r).threshold


def test_rate_report_is_undecided_when_the_interval_straddles_the_bound(monkeypatch):
    """26 % of the runs converge in a cell whose bound (1 - eps)/2 is 25 %: the 95 % Wilson
    interval of 200 runs contains the bound, so the report says undecided, not NOT reproduced
    (the sweep's radii are put beyond eps = 1, where there is no bound)."""
    monkeypatch.setattr(ip, "_flow", lambda x0, y0, p: (np.arange(x0.size) % 200 < 52,
                                                        np.ones(x0.shape)))
    p = dataclasses.replace(ip.quick(ip.Params()), d=(2,), eps=(0.5,), samples=200,
                            r_min=1.5, r_max=4.0)
    statement = _rate_report(ip.run(p, np.random.default_rng(0))).threshold
    assert "undecided" in statement and "NOT" not in statement, statement


# ------------------------------------------------ three-way claims on constructed tables
# PASS on conclusive agreeing counts, FAIL on counts built to refute the claim, UNDECIDED on
# counts built to be inconclusive.
CELL_P = np.array([0.45, 0.4, 0.3, 0.2, 0.1, 0.05])


def _table(p: ip.Params, in_omega: np.ndarray, converged: np.ndarray) -> dict:
    """A table of Monte Carlo cells with exact probabilities CELL_P and the given counts out of
    p.samples (the Wilson misses computed as the experiment computes them)."""
    n = p.samples
    miss = [not lo <= P <= hi
            for P, (lo, hi) in zip(CELL_P, (wilson_interval(int(k), n, p.level)
                                            for k in in_omega), strict=True)]
    return {"kind": np.array(["eps"] * CELL_P.size), "d": np.full(CELL_P.size, 10),
            "eps": np.linspace(0.1, 0.6, CELL_P.size), "p_omega_exact": CELL_P,
            "wilson_miss": np.array([str(m).lower() for m in miss]),
            "in_omega": np.asarray(in_omega), "converged": np.asarray(converged),
            "conv_rate": np.asarray(converged) / n}


def _agreement(samples: int, shift: float = 0.0):
    """The Monte Carlo claim with counts at exactly (P + shift) n in every cell."""
    p = dataclasses.replace(ip.Params(), samples=samples)
    k = np.round((CELL_P + shift) * samples).astype(int)
    return ip.agreement_claim(p, _table(p, k, np.full(CELL_P.size, samples)),
                              np.arange(CELL_P.size))


def test_agreement_claim_three_ways_on_constructed_counts():
    """PASS: 20,000 samples a cell at the exact values (every simultaneous interval within the
    margin); FAIL: every cell 0.05 too high (every interval misses: refuted, although 0.05 is
    below the margin); UNDECIDED: 100 samples a cell at the exact values (no miss, intervals
    wider than the margin), with the samples that would decide."""
    assert _agreement(20_000).verdict == PASS
    assert _agreement(20_000, shift=0.05).verdict == FAIL
    few = _agreement(100)
    assert few.verdict == UNDECIDED, few.measured
    n = int(few.measured.split("about ")[1].split(" samples")[0].replace(",", ""))
    assert 100 < n <= 20_000 and _agreement(n).verdict == PASS  # the size it names decides


def _converged(samples: int, rates):
    p = dataclasses.replace(ip.Params(), samples=samples)
    k = np.round(np.asarray(rates) * samples).astype(int)
    return ip.converged_claim(p, _table(p, np.round(CELL_P * samples).astype(int), k),
                              np.arange(CELL_P.size))


def test_converged_claim_three_ways_on_constructed_counts():
    """PASS: every run converges (the fraction is above P(Omega) at the level in every cell);
    FAIL: one cell converges at P(Omega) - 0.1 (below, at the level); UNDECIDED: one cell's
    fraction only 0.02 above P(Omega) with 500 samples (the gap not resolved)."""
    assert _converged(500, np.ones(CELL_P.size)).verdict == PASS
    low = np.ones(CELL_P.size)
    low[1] = CELL_P[1] - 0.1
    assert _converged(500, low).verdict == FAIL
    close = np.ones(CELL_P.size)
    close[0] = CELL_P[0] + 0.02
    undecided = _converged(500, close)
    assert undecided.verdict == UNDECIDED, undecided.measured
    assert "samples per cell (--samples) would decide" in undecided.measured
    assert _converged(20_000, close).verdict == PASS


def test_a_size_that_can_never_decide_the_converged_claim_is_refused():
    """With n samples a cell can show the fraction above P(Omega) only if P^n < alpha / cells,
    and below only if (1 - P)^n < alpha / cells; P <= 1/2 and Theorem 6 gives P >= (1 - eps)/2,
    so below least_samples() neither can happen: the run is refused (exit 2), not UNDECIDED.
    At least_samples() itself, all-converged counts do establish the claim in every cell."""
    p = ip.quick(ip.Params())
    least = p.least_samples()
    assert 10 < least < 20
    with pytest.raises(ValueError, match=r"samples: expected >= .* could never be decided"):
        dataclasses.replace(p, samples=least - 1).validate()
    dataclasses.replace(p, samples=least).validate()
    L, cells = p._largest_bound(), p.cells()
    assert L ** (least - 1) >= p.alpha / cells > L ** least
    out = Path(tempfile.mkdtemp()) / "out"
    r = CliRunner().invoke(command, ["--quick", "--samples", str(least - 1), "--out", str(out)])
    assert_rejected(r, "--samples", out)
    assert "could never be decided" in r.output


@pytest.mark.parametrize("field,value", [("d", (1,)), ("d", ()), ("eps", (0.0,)),
                                         ("eps", (0.5, 1.2)), ("samples", 0), ("r_min", 0.0),
                                         ("r_steps", 1), ("sweep_d", 1), ("t_max", 0.0),
                                         ("agree_tol", 0.0), ("samples", 5)])
def test_validation_names_the_parameter(field, value):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(ip.Params(), **{field: value}).validate()


# ---------------------------------------------------------------- the command line
FILES = sorted(f"{STEM}.{ext}" for ext in ("csv", "json", "png", "pdf", "run.json"))
SMALL = ["--quick", "--quiet", "--samples", "400", "--d", "2,20"]


@pytest.fixture(scope="module")
def cli_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("thm6")
    r = CliRunner().invoke(command, [*SMALL, "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out, r.output


def test_cli_help():
    r = CliRunner().invoke(command, ["--help"])
    assert r.exit_code == 0 and "--eps" in r.output and "--samples" in r.output


def test_cli_quick_run_writes_every_file(cli_out):
    out, output = cli_out
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == FILES
    assert "smallest margin" in output and "FAIL" not in output
    prov = json.loads((out / f"{STEM}.json").read_text())
    assert prov["exit_code"] == 0 and prov["parameters"]["d"] == [2, 20]
    assert prov["parameters"]["samples"] == 400
    t = read_csv(out / f"{STEM}.csv")
    # full float64 precision: the written exact probabilities read back bit for bit
    i = np.flatnonzero(t["kind"] == "eps")[0]
    assert t["p_omega_exact"][i] == omega_probability(
        float(theorem6_radius(t["eps"][i], int(t["d"][i]))), int(t["d"][i]))[0]


def test_cli_same_seed_identical_csv_and_pdf_and_redraw(cli_out, tmp_path):
    out, _ = cli_out
    r = CliRunner().invoke(command, [*SMALL, "--out", str(tmp_path)], catch_exceptions=False)
    assert r.exit_code == 0
    for name in (f"{STEM}.csv", f"{STEM}.pdf"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    redraw = tmp_path / "redraw"
    redraw.mkdir()
    save_figure(plot(read_csv(out / f"{STEM}.csv")), redraw, STEM)
    assert (redraw / f"{STEM}.pdf").read_bytes() == (out / f"{STEM}.pdf").read_bytes()


@pytest.mark.parametrize("args,option", [
    (["--eps", "0"], "--eps"),
    (["--eps", "-0.2"], "--eps"),
    (["--eps", "0.5,1.5"], "--eps"),
    (["--eps", "a"], "--eps"),
    (["--d", "1"], "--d"),
    (["--d", "2", "--d", "0,5"], "--d"),
    (["--samples", "0"], "--samples"),
    (["--r-min", "3", "--r-max", "1"], "--r-min"),
    (["--sweep-d", "1"], "--sweep-d"),
    (["--t-max", "-1"], "--t-max"),
])
def test_cli_bad_input_exits_2_names_the_option_and_writes_nothing(tmp_path, args, option):
    out = tmp_path / "out"
    assert_rejected(CliRunner().invoke(command, ["--quick", "--out", str(out), *args]), option,
                    out)


def test_memory_does_not_grow_with_samples(monkeypatch):
    """Runs are drawn, integrated and tallied FLOW_CHUNK at a time: 10^6 runs of one cell stay
    within a few MB (the dynamics replaced by a stub so that only the pipeline is measured)."""
    import tracemalloc

    monkeypatch.setattr(ip, "FLOW_CHUNK", 1 << 14)
    monkeypatch.setattr(ip, "_flow", lambda x0, y0, p: (np.ones(x0.shape, bool),
                                                        np.ones(x0.shape)))
    p = dataclasses.replace(ip.quick(ip.Params()), d=(2,), eps=(0.5,), samples=1_000_000,
                            r_steps=2)
    tracemalloc.start()
    r = ip.run(p, np.random.default_rng(0))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8e6, peak  # one run's x0 alone would be 8 MB
    assert r.tables["main"]["converged"][0] == 1_000_000
