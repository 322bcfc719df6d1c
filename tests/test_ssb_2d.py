"""ssb-2d (Figure 8, Theorem 7): the dynamics against exact and full-dimensional computations, the
claims (and their power to fail), the table, and the command line."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import assert_rejected, run_capturing_claims

from relucheck.cli.ssb_2d import command
from relucheck.descent.dynamics import gradient_descent, gradient_flow
from relucheck.experiments import ssb_2d as exp
from relucheck.output.writers import read_csv
from relucheck.result import EMPIRICAL, PASS, THEOREM, Result
from relucheck.theory import gradient_K
from relucheck.theory.symmetric import (
    descent_gradient,
    embed,
    full_gradient,
    saddle,
    teacher_error,
)

EPS = np.finfo(float).eps
SMALL = dataclasses.replace(exp.Params(), K=(3, 6), iters=6000, omega_n=3, field_n=6,
                            random_points=20, t_end=80.0)


def _grad2d(K):
    return lambda w, _index: descent_gradient(w, K)


# ---------------------------------------------------------------- dynamics
def test_gradient_descent_tends_to_the_flow_as_the_step_shrinks():
    """Euler's method (gradient descent) has global error C eta + O(eta^2): at a fixed time T the
    gap to the flow halves when eta halves. Starts at |w| ~ 0.3, through the detour: near w = 0
    the field's derivatives grow like 1/|w|, and the asymptotic regime needs eta << |w|."""
    K, T = 5, 4.0
    w0 = np.array([[0.3, 0.0], [0.3, 0.1]])
    flow = gradient_flow(_grad2d(K), w0, T, t_eval=np.array([T]), rtol=1e-12, atol=1e-14)
    gaps = []
    for lr in (0.02, 0.01, 0.005, 0.0025):
        d = gradient_descent(_grad2d(K), w0, lr, round(T / lr))
        gaps.append(np.abs(d.final - flow.w[-1]).max())
    gaps = np.array(gaps)
    ratios = gaps[:-1] / gaps[1:]
    assert np.all(np.diff(gaps) < 0), gaps
    # First order: ratio -> 2; the O(eta^2) term moves it by O(eta) (< 1 % at these steps).
    np.testing.assert_allclose(ratios, 2.0, atol=0.02)
    assert gaps[-1] < 2e-3


def test_gradient_descent_on_the_diagonal_is_exactly_geometric():
    """On x = y the field is -(K/2)(s - s*), so GD gives s_t - s* = (1 - eta K/2)^t (s0 - s*):
    the iterates agree with this to the accumulated rounding (a few eps per step)."""
    K, lr, n = 5, 0.01, 500
    s_star = saddle(K)
    s0 = np.array([0.05, 0.6, 1.0])
    d = gradient_descent(_grad2d(K), np.stack([s0, s0], 1), lr, n, record_every=1)
    t = d.record_steps[:, None]
    expect = s_star + (1 - lr * K / 2) ** t * (s0 - s_star)
    np.testing.assert_array_equal(d.trajectory[..., 0], d.trajectory[..., 1])  # stays on it
    np.testing.assert_allclose(d.trajectory[..., 0], expect, rtol=0, atol=8 * n * EPS)


@pytest.mark.parametrize("K", [2, 3, 6])
def test_full_run_matches_the_2d_run(K):
    """Gradient descent on the full K x K Eqn 8 from [x0, y0, ..., y0] against the 2D run, from
    a start off the paper's: every iterate equals W(x_t, y_t) to rounding (a few eps of |W|),
    which also means the full run stays symmetric."""
    x0, y0, lr, n = 0.2, 0.05, 0.02, 300
    full = gradient_descent(lambda w, _i: full_gradient(w), embed(x0, y0, K)[None], lr, n,
                            record_every=1)
    two = gradient_descent(_grad2d(K), np.array([[x0, y0]]), lr, n, record_every=1)
    W = full.trajectory[:, 0]
    xy = two.trajectory[:, 0]
    dev = np.abs(W - embed(xy[:, 0], xy[:, 1], K)).max(axis=(1, 2))
    # Per step: rounding of the update and of the two gradients (O(K) terms of size O(1)).
    assert dev.max() <= n * (EPS + lr * (4 * K + 20) * EPS * 2 * K)
    assert dev.max() < 1e-13


# ---------------------------------------------------------------- the experiment
@pytest.fixture(scope="module")
def small_run():
    """The small run, and the inputs its claims were made from (``_claims``' arguments)."""
    return run_capturing_claims(exp, SMALL)


@pytest.fixture(scope="module")
def small_result(small_run):
    return small_run[0]


def test_claim_texts_stand_still_when_the_rounding_moves(small_run):
    """Another CPU or BLAS moves the rounding residuals by factors of a few (a squared distance
    of 2e-29 on one, 8e-30 on another), not always the same way for every K. The claims print
    them as fixed bounds, so neither the measured nor the threshold texts move; a residual that
    is no longer rounding is printed as it is."""
    result, (p, Ks, ends, paths, full, reduction, sad) = small_run

    def moved(f):
        g = {K: f if i % 2 else 1 / f for i, K in enumerate(Ks)}  # the worst K changes too
        e = dict(ends, flow_sqdist_to_target=ends["flow_sqdist_to_target"] * f)
        fu = {K: dict(v, dev=v["dev"] * g[K]) for K, v in full.items()}
        re = {K: dict(v, diff=v["diff"] * g[K], ratio=v["ratio"] * g[K])
              for K, v in reduction.items()}
        sa = {K: dict(v, g2=v["g2"] * g[K], gf=v["gf"] * g[K]) for K, v in sad.items()}
        return exp._claims(p, Ks, e, paths, fu, re, sa)

    texts = [(c.measured, c.threshold) for c in result.claims]
    for f in (0.1, 0.4, 3.0):
        assert [(c.measured, c.threshold) for c in moved(f)] == texts, f
    assert max(v["ratio"] for v in reduction.values()) > 0  # rounding was there to move
    far = moved(1e9)  # no longer rounding: printed, so the text changes
    assert [c.measured for c in far[:5]] != [m for m, _ in texts[:5]]
    assert "= " in far[0].measured and "max sq. distance = " in far[4].measured


def test_small_run_claims(small_result):
    theorem = [c for c in small_result.claims if c.level == THEOREM]
    assert len(theorem) == 6
    assert all(c.verdict == PASS for c in theorem), [c for c in theorem if c.verdict != PASS]
    empirical = {c.name: c for c in small_result.claims if c.level == EMPIRICAL}
    assert any("faster" in n and "- reproduced" in c.threshold for n, c in empirical.items())
    assert small_result.exit_code == 0


def test_table_is_consistent(small_result):
    main = small_result.tables["main"]
    assert set(main["kind"]) == {"trajectory", "field", "summary"}
    assert len({len(v) for v in main.values()}) == 1
    for K in SMALL.K:
        s = (main["kind"] == "summary") & (main["K"] == K)
        assert s.sum() == 1
        assert main["x"][s][0] == saddle(K) == main["y"][s][0]  # full float64
        tr = (main["kind"] == "trajectory") & (main["K"] == K)
        it, x, y = main["iteration"][tr], main["x"][tr], main["y"][tr]
        assert it[0] == 0 and (x[0], y[0]) == (SMALL.x0, SMALL.y0)
        np.testing.assert_array_equal(main["error"][tr], teacher_error(x, y, K))
        hit = main["iters_to_reach"][s][0]
        # The first recorded error below `reach` is at the reported iteration (it is kept).
        assert it[np.argmax(main["error"][tr] < SMALL.reach)] == hit
        assert main["detour_max_y"][s][0] == y.max()
    f = main["kind"] == "field"
    assert f.sum() == 2 * SMALL.field_n**2


def test_iterations_to_reach_match_an_independent_run(small_result):
    """Recount the iterations to error 1e-6 by a plain loop with the full K x K gradient."""
    main = small_result.tables["main"]
    for K in SMALL.K:
        s = (main["kind"] == "summary") & (main["K"] == K)
        W, eye, t = embed(SMALL.x0, SMALL.y0, K), np.eye(K), 0
        while np.sum((W[0] - eye[0]) ** 2) >= SMALL.reach:
            W = W - SMALL.lr * gradient_K(W, eye)
            t += 1
        assert main["iters_to_reach"][s][0] == t


def test_endpoints_table(small_result):
    e = small_result.tables["endpoints"]
    for name in ("omega", "near_diagonal", "diagonal"):
        m = e["set"] == name
        assert m.any() and e["flow_reached"][m].all() and e["gd_reached"][m].all()
    m = e["set"] == "omega"
    assert np.all((e["x0"][m] > e["y0"][m]) & (e["y0"][m] >= 0) & (e["x0"][m] <= 1))


def _verdicts(result):
    return {c.name: c.verdict for c in result.claims}


def test_a_wrong_reduction_is_caught(monkeypatch):
    """The claims have power: a relative error of 1e-9 in dy/dt, far below anything visible in
    a figure, fails the reduction check."""
    real = exp.velocity
    monkeypatch.setattr(exp, "velocity", lambda x, y, K: (real(x, y, K)[0],
                                                          real(x, y, K)[1] * (1 + 1e-9)))
    p = dataclasses.replace(SMALL, K=(3,), iters=1000, omega_n=2)
    r = exp.run(p, np.random.default_rng(0))
    v = _verdicts(r)
    assert v["2D field of Thm 7 = Eqn 8 on the symmetric subspace"] == "FAIL"
    assert r.exit_code == 1


def test_a_wrong_saddle_is_caught(monkeypatch):
    monkeypatch.setattr(exp, "saddle", lambda K: saddle(K) * (1 + 1e-12))
    p = dataclasses.replace(SMALL, K=(3,), iters=1000, omega_n=2)
    v = _verdicts(exp.run(p, np.random.default_rng(0)))
    name = "Saddle (sqrt(K-1)-arccos(1/sqrtK)+pi)/(piK) is a fixed point"
    assert v[name] == "FAIL"


@pytest.mark.parametrize("field,value", [("K", (1,)), ("K", (2, 2)), ("x0", 0.0),
                                         ("x0", -1.0), ("lr", 0.0), ("iters", 0),
                                         ("field_x", (1.0, 0.0)), ("field_n", 1),
                                         ("omega_n", 1)])
def test_validation_names_the_parameter(field, value):
    p = dataclasses.replace(exp.Params(), **{field: value})
    with pytest.raises(ValueError, match=f"^{field}:"):
        p.validate()


# ---------------------------------------------------------------- command line
def test_help():
    r = CliRunner().invoke(command, ["--help"])
    assert r.exit_code == 0
    for opt in ("--K", "--x0", "--y0", "--lr", "--iters", "--field-x", "--field-y", "--field-n",
                "--out", "--seed", "--quick", "--quiet"):
        assert opt in r.output


@pytest.mark.parametrize("args,option", [(["--K", "1"], "--K"), (["--K", "2,1"], "--K"),
                                         (["--x0", "0"], "--x0"), (["--x0", "-0.5"], "--x0"),
                                         (["--lr", "-1"], "--lr"), (["--iters", "0"], "--iters"),
                                         (["--field-x", "1,0"], "--field-x"),
                                         (["--K", "two"], "--K")])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, option):
    out = tmp_path / "out"
    assert_rejected(CliRunner().invoke(command, [*args, "--out", str(out)]), option, out)


def test_quick_run_writes_everything(tmp_path):
    """Byte-identical reruns are checked for every command at once in tests/test_all.py."""
    a = tmp_path / "a"
    r = CliRunner().invoke(command, ["--quick", "--quiet", "--seed", "3", "--out", str(a)])
    assert r.exit_code == 0, r.output
    assert "all theorem-level claims hold" in r.output
    names = {p.name for p in a.iterdir() if not p.name.startswith(".")}
    assert names == {f"{exp.STEM}{s}" for s in (".csv", "_endpoints.csv", ".json", ".png",
                                                 ".pdf", ".run.json")}
    meta = json.loads((a / f"{exp.STEM}.json").read_text())
    assert meta["exit_code"] == 0 and meta["parameters"]["K"] == list(exp.QUICK["K"])
    table = read_csv(a / f"{exp.STEM}.csv")
    assert set(np.unique(table["kind"])) == {"trajectory", "field", "summary"}


def test_options_reach_the_parameters(monkeypatch):
    """--K repeated and as a comma list add up; --quick sizes apply; explicit options win."""
    seen = {}
    monkeypatch.setattr("relucheck.runner.execute", lambda plan, out, **kw: (
        seen.update(params=plan.params, **kw), (Result("stub", {"main": {}}, []), [], 0.0))[1])
    r = CliRunner().invoke(command, ["--quick", "--K", "2", "--K", "3,6", "--x0", "0.2",
                                     "--field-x", "0,2", "--field-n", "9", "--seed", "7"])
    assert r.exit_code == 0, r.output
    p = seen["params"]
    assert p.K == (2, 3, 6) and p.x0 == 0.2 and p.field_x == (0.0, 2.0) and p.field_n == 9
    assert p.omega_n == exp.QUICK["omega_n"] and p.iters == exp.QUICK["iters"]
    assert seen["seed"] == 7


def test_a_diverging_step_is_reported_not_fatal():
    """eta = 1.5 with K = 10 is beyond gradient descent's stability limit (eta lambda_max > 2):
    the GD runs diverge and are reported as such; the flow's Theorem 7 checks are unaffected."""
    p = dataclasses.replace(SMALL, K=(10,), lr=1.5, iters=2000, omega_n=2)
    r = exp.run(p, np.random.default_rng(0))
    assert r.exit_code == 0
    faster = next(c for c in r.claims if "faster" in c.name)
    assert "diverged" in faster.measured
    assert not r.tables["endpoints"]["gd_reached"].all()
