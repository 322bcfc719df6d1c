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
from relucheck.descent.endpoints import (
    DIVERGED,
    MINIMUM,
    NOT_CONVERGED,
    SADDLE,
    SINGULAR,
    TEACHER,
    classify_runs,
)
from relucheck.descent.symmetry import GLOBAL, NONE, find_families, invariants
from relucheck.descent.train import DescentConfig, train
from relucheck.experiments import census
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
    p = census.Params(ks=(8,), extra=(0,), runs=40)
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


# ---------------------------------------------------------------- kinks: a unit at w_j = 0
def _one_unit_endpoints(n_runs: int = 12, **descent):
    """k = n = d = 1 from the census's Xavier starts: a start w0 < 0 dies, J(w) = w^2/4 + 1/4
    for w <= 0 and (1 - w)^2/4 for w >= 0, and descent ends at the kink w = 0."""
    p = census.Params(ks=(1,), extra=(0,), runs=n_runs)
    W0 = census.starts(p, 1, 1, 1, np.random.default_rng(np.random.SeedSequence(0)))
    out = train(W0, np.eye(1), cfg=DescentConfig(**descent), workers=1)
    return W0, out


def _classify(out, W0, k: int = 1, **kw):
    loss0 = population_loss(W0, np.eye(k))
    return classify_runs(out.W, out.a, out.status, np.eye(k), np.ones(k), loss0, **kw)[0]


def test_one_unit_dies_at_the_kink_singular_not_a_minimum():
    """The endpoint w = -4e-19 (issue 25): lambda_min = 1/2 > 0 (J is w^2/4 + 1/4 on the left),
    but J(0+) < J(0): singular, with the one-sided slope -1/2 of (1 - w)^2/4 at 0+."""
    W0, out = _one_unit_endpoints()
    ends = _classify(out, W0)
    dead = W0[:, 0, 0] < 0
    assert dead.sum() == 7 and np.all(np.abs(out.W[dead]) < 1e-18)
    assert np.all(ends.cls[dead] == SINGULAR) and np.all(ends.cls[~dead] == TEACHER)
    assert np.all(np.isnan(ends.lam_min[dead]))  # J has no Hessian at the kink
    np.testing.assert_allclose(ends.kink_slope[dead], -0.5, rtol=1e-14)
    assert np.all(np.isnan(ends.kink_slope[~dead]))


def test_kink_rule_has_power(monkeypatch):
    """Without the rule (a zero threshold) the same endpoints are called spurious minima, the
    bug of issue 25: the test above is what stops it."""
    import relucheck.descent.endpoints as endpoints

    W0, out = _one_unit_endpoints()
    monkeypatch.setattr(endpoints, "KINK", 0.0)
    ends = _classify(out, W0)
    assert np.sum(ends.cls == MINIMUM) == 7


def test_kink_threshold_meets_the_stop_rule():
    """Plain descent (no polishing) stops a dying unit at |w| <= 2 gtol / a^2, the edge of the
    rule, for any gtol; classified with a smaller gtol than it was trained with, the unit would
    look resolved (and the Hessian would call it a minimum): gtol must be the runs' own."""
    for gtol in (1e-9 / (2 * math.pi), 1e-6):
        W0, out = _one_unit_endpoints(gtol=gtol, polish_tol=0.0)
        dead = W0[:, 0, 0] < 0
        w = np.abs(out.W[dead, 0, 0])
        assert np.all((w > 1.8 * gtol) & (w <= 2 * gtol))
        assert np.all(_classify(out, W0, gtol=gtol).cls[dead] == SINGULAR)
    assert np.all(_classify(out, W0, gtol=1e-9).cls[dead] == MINIMUM)


def _k3_kink():
    """A k = n = d = 3 point: two rows at a spurious minimum of the two-unit student (found by
    descent) and the third row at w_3 = 0, where J has a kink."""
    W2 = np.array([[1.3179129, 0.08964493, 0.08964493], [-0.24377141, 0.94632782, 0.94632782]])
    W2 = train(W2[None], np.eye(3), workers=1).W[0]
    return np.concatenate([W2, np.zeros((1, 3))])


def test_row_at_1e14_in_a_three_unit_problem_is_singular(monkeypatch):
    import relucheck.descent.endpoints as endpoints

    W = _k3_kink()
    u = np.array([0.0, 0.6, -0.8])
    W[2] = 1e-14 * u
    args = (W[None], np.ones((1, 3)), np.array(["converged"]), np.eye(3), np.ones(3),
            np.array([10.0]))
    ends, _ = classify_runs(*args)
    assert ends.cls[0] == SINGULAR and np.isnan(ends.lam_min[0])
    # J descends out of the kink: phi_3(e_3) = -1/2 + 2 h(pi/2) / (2 pi) < 0 already
    assert ends.kink_slope[0] < -0.1
    monkeypatch.setattr(endpoints, "KINK", 0.0)  # without the rule: a Hessian of size 1e14
    ends, _ = classify_runs(*args)
    assert ends.cls[0] != SINGULAR and ends.lam_max[0] > 1e12


@pytest.mark.parametrize("seed", range(3))
def test_one_sided_slope_equals_forward_differences_of_J(seed):
    """phi_j(u) = u . g_j(u) against the closed-form J along w_j = s u, s > 0 small. On that ray
    J(s) = J(0) + s phi_j(u) + a_j^2 s^2 / 4 exactly, so the forward difference D_s equals
    phi_j(u) + a_j^2 s / 4 to rounding, at several steps (a wrong phi misses at every s)."""
    from relucheck.descent.endpoints import kink_slopes
    from relucheck.theory.gating import expected_F
    from relucheck.theory.kernel import arccos_kernel

    rng = np.random.default_rng(seed)
    W = _k3_kink()
    kink = np.array([False, False, True])
    a, a_star = np.array([1.0, 1.0, 0.7 + seed]), np.ones(3)  # a_3 != 1: the a_j factors
    slope, U = kink_slopes(W, a, np.eye(3), a_star, kink)
    assert np.isnan(slope[:2]).all() and np.isnan(U[:2]).all()
    dirs = np.concatenate([U[2:], rng.standard_normal((6, 3))])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    V, b = np.concatenate([W[:2], np.eye(3)]), np.array([1.0, 1.0, -1.0, -1.0, -1.0])
    J0 = population_loss(W, np.eye(3), a, a_star)
    phis = []
    for u in dirs:
        phi = a[2] * float(arccos_kernel(u, V) @ b)
        g = a[2] * b @ expected_F(u, V)  # Eqn 8 for row 3 with e_3 = u, no 3-3 term
        assert abs(u @ g - phi) < 1e-14  # phi = u . g_j(u)
        for s in (1e-3, 1e-4, 1e-5):
            Ws = W.copy()
            Ws[2] = s * u
            D = (population_loss(Ws, np.eye(3), a, a_star) - J0) / s
            assert abs(D - (phi + a[2] ** 2 * s / 4)) <= 1e-15 / s + 1e-13, (s, D, phi)
        phis.append(phi)
    # the slope found is where it was found, it descends, and no random direction beats it
    assert slope[2] == pytest.approx(phis[0], abs=1e-15)
    assert slope[2] < -0.05 and slope[2] <= min(phis[1:])
    Ws = W.copy()
    Ws[2] = 1e-3 * U[2]
    assert population_loss(Ws, np.eye(3), a, a_star) < J0


def test_genuine_minimum_and_saddle_keep_their_class(spurious_k8):
    """Endpoints whose units are all far from 0 are untouched by the kink rule: the k = 8
    spurious minimum and Theorem 7's saddle keep their class, with no kink slope; their
    smallest a_j^2 |w_j| / 2 is many orders above the rule's 2 gtol."""
    from relucheck.descent.endpoints import GTOL, KINK, at_kink

    spur, _ = spurious_k8
    K = 5
    x = (math.sqrt(K - 1) - math.acos(1 / math.sqrt(K)) + math.pi) / (math.pi * K)
    saddle = x * np.ones((K, K))
    for W, k, cls in ((spur, 8, MINIMUM), (saddle, K, SADDLE)):
        ends, _ = classify_runs(W[None], np.ones((1, k)), np.array(["converged"]), np.eye(k),
                                np.ones(k), np.array([10.0]))
        assert ends.cls[0] == cls and np.isnan(ends.kink_slope[0])
        assert not at_kink(W, np.ones(k)).any()
        assert np.linalg.norm(W, axis=1).min() / 2 > 1e8 * KINK * GTOL


def test_engine_stop_rule_is_the_kink_rule_default():
    from relucheck.descent.endpoints import GTOL

    assert GTOL == DescentConfig().gtol == census.Params().gtol


def test_census_of_one_unit_passes_and_claims_no_spurious_minimum(tmp_path):
    """`relucheck census --K 1 --quick` (issue 25): every theorem-level claim holds, no run or
    family is a spurious minimum, the dead units are singular, with no Hessian."""
    r = invoke("census", "--K", "1", "--quick", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert "FAIL" not in r.output
    main_t = read_csv(tmp_path / "census.csv")
    runs = read_csv(tmp_path / "census_runs.csv")
    fams = read_csv(tmp_path / "census_families.csv")
    assert list(main_t["spurious_minimum"]) == [0, 0] and list(main_t["singular"]) == [7, 0]
    assert "spurious_minimum" not in set(runs["class"]) | set(fams["class"])
    sing = runs["class"] == "singular"
    assert np.all(np.isnan(runs["lambda_min"][sing].astype(float)))
    # n = 2: some runs end with one unit at the teacher and the other dead at the kink; J = 0,
    # the global minimum value, so they stay teacher, with their Hessian reported as before
    teach = runs["class"] == "teacher"
    assert teach.sum() == 17 and np.all(np.isfinite(runs["lambda_min"][teach].astype(float)))


def test_census_hands_its_gtol_to_the_kink_rule_and_reports_kinks():
    """With --gtol 1e-6 and no polishing a dying unit stops at |w| ~ 2e-6: singular only when
    the census classifies with its own gtol. The claims report the kinks (J descends out of
    all 7) and do not say runs end at spurious minima when none does."""
    res = run_census(ks=(1,), extra=(0,), runs=12, gtol=1e-6, polish_tol=0.0)
    assert res.exit_code == 0
    main_t = res.tables["main"]
    assert main_t["singular"][0] == 7 and main_t["spurious_minimum"][0] == 0
    claims = {c.name: c for c in res.claims}
    kink = claims["endpoints at a kink w_j = 0 (class singular)"]
    assert kink.measured.startswith("7 of 12 runs") and "at 7 of them" in kink.measured
    fig9 = claims["Figure 9's statement: w converges to w* unless the deviation is large"]
    assert "it does" not in fig9.threshold and "no run ends at a spurious" in fig9.threshold


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
    res = run_census(ks=(8,), extra=(1,), runs=20, workers=1)
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
    p = census.Params(ks=(4,), extra=(1,), runs=4)
    W0 = census.starts(p, 4, 5, 4, np.random.default_rng(np.random.SeedSequence(0)))
    np.save(tmp_path / "w0.npy", W0)
    a = run_census(ks=(4,), extra=(1,), runs=4).tables["runs"]
    b = run_census(ks=(4,), extra=(1,), init=str(tmp_path / "w0.npy")).tables["runs"]
    assert np.array_equal(a["loss"], b["loss"]) and np.array_equal(a["iterations"],
                                                                   b["iterations"])


def test_tian_start_reaches_the_teacher_at_small_noise():
    """The paper's start 1e-3 w* + small noise converges to w* (Figure 9, top row)."""
    t = run_census(ks=(5,), extra=(0,), init="tian", noise=0.1, runs=8).tables["main"]
    assert t["teacher"][0] == 8


def test_large_step_diverges_without_an_exception(tmp_path):
    r = invoke("census", "--K", "4", "--extra", "0", "--runs", "4", "--lr", "1e6",
               "--out", str(tmp_path), "--quiet")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output
    t = read_csv(tmp_path / "census.csv")
    assert t["diverged"][0] == 4


def test_cap_on_steps_counts_not_converged():
    res = run_census(ks=(6,), extra=(0,), runs=5, max_iters=20)
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
    ra = run_census(ks=(5,), extra=(0,), runs=6, polish_tol=0.0).tables["runs"]
    rb = run_census(ks=(5,), extra=(0,), runs=6).tables["runs"]
    assert np.array_equal(ra["class"], rb["class"])
    assert np.all(ra["polish_steps"] == 0) and np.all(rb["polish_steps"] > 0)
    assert np.all(ra["iterations"] > rb["iterations"])
    # J at the teacher is a difference of O(1) terms: rounding ~ eps (n + k)^2 J(0) ~ 1e-13
    assert np.allclose(ra["loss"], rb["loss"], rtol=1e-9, atol=1e-13)


def test_descent_params_reach_the_engine():
    p = census.Params(lr=0.05, gtol=1e-8, max_iters=7, polish_tol=0.0)
    assert p.descent == DescentConfig(lr=0.05, gtol=1e-8, max_iters=7, polish_tol=0.0)
