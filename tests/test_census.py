"""The census: endpoint classes, families up to symmetry, the command and its outputs.

The engine itself (kernel, polishing, divergence, workers) is tested in test_train.py; the
Hessian against finite differences in test_hessian.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import assert_rejected

from relucheck.cli import main
from relucheck.experiments import census
from relucheck.numerics.endpoints import (
    DIVERGED,
    MINIMUM,
    NOT_CONVERGED,
    SADDLE,
    SINGULAR,
    TEACHER,
    classify_runs,
)
from relucheck.numerics.families import GLOBAL, NONE, find_families, invariants
from relucheck.numerics.train import Descent, train
from relucheck.output.writers import read_csv
from relucheck.theory.gradient import gradient_K, population_loss


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_census(seed: int = 0, **kw):
    """The experiment as the command runs it (same seed handling), without writing a figure:
    for the tests that read only its tables."""
    p = census.Params(**kw)
    p.validate()
    return census.run(p, np.random.default_rng(np.random.SeedSequence(seed)))


@pytest.fixture(scope="module")
def spurious_k8():
    """Two endpoints of gradient descent at k = n = 8 from Xavier starts: one spurious minimum
    and the global one (the runs are found once, by the seeded census starts)."""
    p = census.Params(K=(8,), extra=(0,), runs=40)
    W0 = census.starts(p, 8, 8, 8, np.random.default_rng(np.random.SeedSequence(0)))
    out = train(W0, np.eye(8))
    loss = population_loss(out.W, np.eye(8))
    spur = np.flatnonzero(loss > 1e-3)
    glob = np.flatnonzero(loss < 1e-20)
    assert spur.size >= 1 and glob.size >= 1, "the seeded starts should give both kinds"
    return out.W[spur[0]], out.W[glob[0]]


def _permuted(W: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """P W Q^T for a random row permutation P and a random coordinate permutation Q (with
    W* = I, permuting the coordinates permutes the teacher's units: the same loss)."""
    n, d = W.shape
    return W[rng.permutation(n)][:, rng.permutation(d)]


# ---------------------------------------------------------------- classification
def test_classes_of_known_points(spurious_k8):
    """The global minimum, a spurious minimum, Theorem 7's symmetric saddle (embedded at K = 5,
    but here at K = 8 beside the others it needs its own teacher: done below), a zero row and a
    non-finite state each get their class."""
    spur, glob = spurious_k8
    W = np.stack([glob, spur, glob.copy(), np.full((8, 8), np.nan)])
    W[2, 3] = 0.0  # a zero row: Eqn 8 undefined there
    status = np.array(["converged", "converged", "zero_row", "diverged"])
    ends, _ = classify_runs(W, np.ones((4, 8)), status, np.eye(8), np.ones(8),
                            np.full(4, 10.0))
    assert list(ends.cls) == [TEACHER, MINIMUM, SINGULAR, DIVERGED]
    assert ends.lam_min[1] > ends.lam_err[1] > 0  # a minimum beyond the error bound
    # W = I: the positive definite Hessian of docs/math.md section 8
    assert abs(ends.lam_min[0] - 0.0908) < 1e-3


def test_theorem7_saddle_is_classified_saddle():
    """Theorem 7's symmetric critical point w_j = x 1 at K = 5 (every student pair parallel) is
    a critical point of Eqn 8 and is classified a saddle by the analytic Hessian."""
    K = 5
    x = (math.sqrt(K - 1) - math.acos(1 / math.sqrt(K)) + math.pi) / (math.pi * K)
    W = x * np.ones((1, K, K))
    assert np.abs(gradient_K(W[0], np.eye(K))).max() < 1e-14
    ends, _ = classify_runs(W, np.ones((1, K)), np.array(["converged"]), np.eye(K), np.ones(K),
                            np.array([10.0]))
    assert ends.cls[0] == SADDLE and ends.lam_min[0] < -1.0


def test_loss_above_the_start_is_diverged_and_moving_runs_not_converged(spurious_k8):
    spur, _ = spurious_k8
    W = np.stack([spur, spur])
    ends, _ = classify_runs(W, np.ones((2, 8)), np.array(["converged", "max_iters"]),
                            np.eye(8), np.ones(8), np.array([1e-6, 10.0]))
    assert list(ends.cls) == [DIVERGED, NOT_CONVERGED]


# ---------------------------------------------------------------- families
def test_permuted_copy_joins_its_family_and_another_minimum_does_not(spurious_k8, rng):
    spur, glob = spurious_k8
    copies = [spur, _permuted(spur, rng), _permuted(spur, rng), glob, _permuted(glob, rng)]
    W = np.stack(copies)
    loss = population_loss(W, np.eye(8))
    assert np.ptp(loss[:3]) < 1e-12  # the symmetry: equal losses
    cls = np.array([MINIMUM, MINIMUM, MINIMUM, TEACHER, TEACHER])
    fam = find_families(W, np.eye(8), loss, cls)
    assert list(fam.family) == [1, 1, 1, GLOBAL, GLOBAL]
    assert list(fam.count) == [2, 3] and list(fam.ids) == [GLOBAL, 1]


def test_a_different_minimum_does_not_join(spurious_k8):
    """A minimum that differs from the family by more than the tolerance (here: the same point
    moved by 1e-4 along a coordinate, so its invariants move by about 1e-4) starts a family of
    its own; a copy moved by 1e-9 (well inside the tolerance) joins."""
    spur, _ = spurious_k8
    far, near = spur.copy(), spur.copy()
    far[0, 0] += 1e-4
    near[0, 0] += 1e-9
    W = np.stack([spur, far, near])
    fam = find_families(W, np.eye(8), population_loss(W, np.eye(8)), np.full(3, MINIMUM))
    assert fam.family[0] == fam.family[2] != fam.family[1]


def test_families_are_invariant_to_the_order_of_runs(spurious_k8, rng):
    spur, glob = spurious_k8
    W = np.stack([spur, glob, _permuted(spur, rng), spur + 1e-3])
    loss = population_loss(W, np.eye(8))
    cls = np.array([MINIMUM, TEACHER, MINIMUM, MINIMUM])
    a = find_families(W, np.eye(8), loss, cls)
    order = np.array([3, 2, 1, 0])
    b = find_families(W[order], np.eye(8), loss[order], cls[order])
    assert np.array_equal(a.family[order], b.family)


def test_invariants_are_invariant(spurious_k8, rng):
    spur, _ = spurious_k8
    W = np.stack([spur, _permuted(spur, rng)])
    inv = invariants(W, np.eye(8), population_loss(W, np.eye(8)))
    assert np.abs(inv[0] - inv[1]).max() < 1e-14


def test_non_critical_runs_have_no_family(spurious_k8):
    spur, _ = spurious_k8
    fam = find_families(spur[None], np.eye(8), np.array([0.02]), np.array([NOT_CONVERGED]))
    assert fam.family[0] == NONE and fam.ids.size == 0


# ---------------------------------------------------------------- the command
@pytest.fixture(scope="module")
def quick_census(tmp_path_factory):
    out = tmp_path_factory.mktemp("census")
    r = invoke("census", "--K", "4,8", "--extra", "0,1", "--runs", "20", "--out", str(out),
               "--quiet")
    return r, out


def test_census_writes_consistent_tables(quick_census):
    r, out = quick_census
    assert r.exit_code == 0, r.output
    for name in ("census.csv", "census_runs.csv", "census_families.csv",
                 "census_representatives.csv", "census.json", "census.png", "census.pdf"):
        assert (out / name).stat().st_size > 0
    main_t = read_csv(out / "census.csv")
    runs = read_csv(out / "census_runs.csv")
    fams = read_csv(out / "census_families.csv")
    reps = read_csv(out / "census_representatives.csv")
    assert list(main_t["k"]) == [4, 4, 8, 8] and list(main_t["n"]) == [4, 5, 8, 9]
    classes = ("teacher", "spurious_minimum", "saddle", "degenerate", "singular", "diverged",
               "not_converged")
    assert np.array_equal(sum(main_t[c] for c in classes), main_t["runs"])
    for i in range(4):  # per-run table and family counts agree with the cell counts
        m = (runs["k"] == main_t["k"][i]) & (runs["n"] == main_t["n"][i])
        assert m.sum() == 20
        assert np.sum(runs["class"][m] == "spurious_minimum") == main_t["spurious_minimum"][i]
        fm = (fams["k"] == main_t["k"][i]) & (fams["n"] == main_t["n"][i])
        assert fams["count"][fm].sum() == np.sum(runs["family"][m] >= 0)
    # a representative's W reproduces its family's loss
    f = 0
    m = (reps["k"] == fams["k"][f]) & (reps["n"] == fams["n"][f]) & (reps["family"] == fams[
        "family"][f])
    n, k = int(fams["n"][f]), int(fams["k"][f])
    W = np.zeros((n, k))
    W[reps["row"][m].astype(int), reps["col"][m].astype(int)] = reps["value"][m]
    assert abs(population_loss(W, np.eye(k)) - fams["loss"][f]) <= 1e-12
    assert np.all(main_t["not_converged"] == 0)


def test_census_is_reproducible_and_cells_are_keyed(quick_census):
    """A cell's runs do not depend on the other cells asked for, nor on the number of workers."""
    _, out = quick_census
    res = run_census(K=(8,), extra=(1,), runs=20, workers=1)
    a = read_csv(out / "census_runs.csv")
    b = res.tables["runs"]
    m = (a["k"] == 8) & (a["n"] == 9)
    for col in ("loss", "iterations", "lambda_min", "grad_norm"):
        assert np.array_equal(a[col][m], b[col]), col


def test_census_same_seed_same_bytes(tmp_path):
    for sub in ("x", "y"):
        r = invoke("census", "--K", "4,6", "--extra", "0,1", "--runs", "6", "--out",
                   str(tmp_path / sub), "--quiet")
        assert r.exit_code == 0
    for name in ("census.csv", "census_runs.csv", "census_families.csv",
                 "census_representatives.csv"):
        assert (tmp_path / "x" / name).read_bytes() == (tmp_path / "y" / name).read_bytes()


def test_starts_from_a_file_equal_the_same_starts_drawn(tmp_path):
    p = census.Params(K=(4,), extra=(1,), runs=4)
    W0 = census.starts(p, 4, 5, 4, np.random.default_rng(np.random.SeedSequence(0)))
    np.save(tmp_path / "w0.npy", W0)
    a = run_census(K=(4,), extra=(1,), runs=4).tables["runs"]
    b = run_census(K=(4,), extra=(1,), init=str(tmp_path / "w0.npy")).tables["runs"]
    assert np.array_equal(a["loss"], b["loss"]) and np.array_equal(a["iterations"],
                                                                   b["iterations"])


def test_tian_start_reaches_the_teacher_at_small_noise():
    """The paper's start 1e-3 w* + small noise converges to w* (Figure 9, top row)."""
    t = run_census(K=(5,), extra=(0,), init="tian", noise=0.1, runs=8).tables["main"]
    assert t["teacher"][0] == 8


def test_large_step_diverges_without_an_exception(tmp_path):
    r = invoke("census", "--K", "4", "--extra", "0", "--runs", "4", "--lr", "1e6",
               "--out", str(tmp_path), "--quiet")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output
    t = read_csv(tmp_path / "census.csv")
    assert t["diverged"][0] == 4


def test_cap_on_steps_counts_not_converged():
    res = run_census(K=(6,), extra=(0,), runs=5, max_iters=20)
    assert res.tables["main"]["not_converged"][0] == 5
    assert any("5 of 5" in c.measured for c in res.claims)


@pytest.mark.parametrize("args, option", [
    (["--K", "0"], "--K"),
    (["--K", "4,4"], "--K"),
    (["--K", "x"], "--K"),
    (["--extra", "-1"], "--extra"),
    (["--runs", "0"], "--runs"),
    (["--lr", "inf"], "--lr"),
    (["--lr", "0"], "--lr"),
    (["--gtol", "nan"], "--gtol"),
    (["--noise", "-1"], "--noise"),
    (["--max-iters", "0"], "--max-iters"),
    (["--d", "3", "--K", "4"], "--d"),
    (["--init", "gauss"], "--init"),
    (["--init", "missing.npy"], "--init"),
    (["--workers", "-1"], "--workers"),
    (["--polish-tol", "-1"], "--polish-tol"),
])
def test_usage_errors(tmp_path, args, option):
    out = tmp_path / "never"
    assert_rejected(invoke("census", *args, "--out", str(out)), option, out)


@pytest.mark.parametrize("shape, extra_args", [
    ((3, 5, 5), ["--K", "4", "--extra", "1"]),  # d = 5 but k = 4 needs d = 4
    ((3, 5, 4), ["--K", "4,6", "--extra", "1"]),  # two cells
    ((5,), ["--K", "4", "--extra", "1"]),
])
def test_bad_start_files(tmp_path, shape, extra_args):
    path = tmp_path / "w0.npy"
    np.save(path, np.ones(shape))
    out = tmp_path / "never"
    assert_rejected(invoke("census", "--init", str(path), *extra_args, "--out", str(out)),
                    "--init", out)


def test_non_finite_start_file(tmp_path):
    path = tmp_path / "w0.npy"
    W0 = np.ones((2, 4, 4))
    W0[1, 2, 3] = np.nan
    np.save(path, W0)
    out = tmp_path / "never"
    assert_rejected(invoke("census", "--init", str(path), "--K", "4", "--extra", "0", "--out",
                           str(out)), "--init", out)


def test_polishing_off_still_classifies():
    """--polish-tol 0: plain descent to the stopping rule; same classes as with polishing."""
    ra = run_census(K=(5,), extra=(0,), runs=6, polish_tol=0.0).tables["runs"]
    rb = run_census(K=(5,), extra=(0,), runs=6).tables["runs"]
    assert np.array_equal(ra["class"], rb["class"])
    assert np.all(ra["polish_steps"] == 0) and np.all(rb["polish_steps"] > 0)
    assert np.all(ra["iterations"] > rb["iterations"])
    # J at the teacher is a difference of O(1) terms: rounding ~ eps (n + k)^2 J(0) ~ 1e-13
    assert np.allclose(ra["loss"], rb["loss"], rtol=1e-9, atol=1e-13)


def test_descent_params_reach_the_engine():
    p = census.Params(lr=0.05, gtol=1e-8, max_iters=7, polish_tol=0.0)
    assert p.descent == Descent(lr=0.05, gtol=1e-8, max_iters=7, polish_tol=0.0)
