"""Conjecture 2 (relucheck.experiments.conjecture2), each claim against an independent
computation: the start against its formula, sigma = 0 against Theorem 7's 2-D descent, the share
against a plain-numpy descent with the same rule, the verdicts against a doctored table, and the
proofs against their re-check from the certificate file alone."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import binomtest, chi2

from relucheck.descent.train import DescentConfig, train
from relucheck.experiments import conjecture2 as c2
from relucheck.sampling.starts import symmetric_start
from relucheck.theory.gradient import gradient_K
from relucheck.theory.symmetric import embed, velocity

GTOL = 1e-9 / (2 * math.pi)


def test_start_is_the_formula_entry_by_entry():
    rng = np.random.default_rng(3)
    K, d, x0, y0, sigma = 4, 6, 0.3, 0.1, 0.2
    W_star = np.eye(K, d)
    W0 = symmetric_start(W_star, x0, y0, sigma, 5, np.random.default_rng(7))
    eps = (sigma / math.sqrt(d)) * np.random.default_rng(7).standard_normal((5, K, d))
    for r in range(5):
        for j in range(K):
            w = x0 * W_star[j] + y0 * sum(W_star[m] for m in range(K) if m != j) + eps[r, j]
            assert np.array_equal(W0[r, j], w) or np.allclose(W0[r, j], w, rtol=0, atol=1e-16)
    # sigma = 0 is Theorem 7's start exactly, and (d = K) the embedding of ssb-2d
    assert np.array_equal(symmetric_start(np.eye(K), x0, y0, 0.0, 2, rng)[1], embed(x0, y0, K))
    del rng


def test_start_noise_has_the_stated_covariance():
    """E|eps_j|^2 = sigma^2 with independent N(0, sigma^2 / d) entries: the sum of squares of
    the n = runs K d standardised entries is chi-square(n); two-sided test at level 1e-3."""
    K, d, sigma, runs = 3, 5, 0.7, 4000
    W_star = np.eye(K, d)
    eps = symmetric_start(W_star, 0.5, 0.25, sigma, runs, np.random.default_rng(11)) - \
        symmetric_start(W_star, 0.5, 0.25, 0.0, 1, None)
    z = eps / (sigma / math.sqrt(d))
    n = z.size
    s = float(np.sum(z**2))
    assert chi2.ppf(5e-4, n) < s < chi2.ppf(1 - 5e-4, n)
    assert abs(float(z.mean())) < 4 / math.sqrt(n)


def _reduced_descent(x, y, K, lr, gtol, max_iters=100_000):
    """Theorem 7's 2-D gradient descent (ssb-2d's path) with the census's stop rule:
    max_j |grad_{w_j} J| = sqrt(vx^2 + (K - 1) vy^2) <= gtol, checked before each step."""
    for it in range(max_iters):
        vx, vy = velocity(x, y, K)
        if math.sqrt(vx**2 + (K - 1) * vy**2) <= gtol:
            return x, y, it
        x, y = x + lr * float(vx), y + lr * float(vy)
    return x, y, max_iters


@pytest.mark.parametrize(("K", "x0", "y0"), [(2, 0.1, 0.05), (5, 1e-3, 0.0), (10, 0.5, 0.4)])
def test_sigma_zero_is_theorem7s_2d_path(K, x0, y0):
    """The full K x K descent from the sigma = 0 start ends where the 2-D path ends, after the
    same number of steps up to one (the last step's gradient norm against gtol can round
    either way); polishing is off so that both are plain descent."""
    W0 = symmetric_start(np.eye(K), x0, y0, 0.0, 1, None)
    out = train(W0, np.eye(K), cfg=DescentConfig(polish_tol=0.0), workers=1)
    x, y, it = _reduced_descent(x0, y0, K, 0.1, GTOL)
    assert out.status[0] == "converged"
    assert abs(int(out.iterations[0]) - it) <= 1
    assert np.abs(out.W[0] - embed(x, y, K)).max() < 1e-8
    assert np.abs(out.W[0] - np.eye(K)).max() < 1e-8  # Theorem 7 (1): the teacher


def _numpy_descent(W0, lr=0.1, gtol=GTOL, max_iters=60_000):
    """Plain batched numpy descent on Eqn 8 (theory.gradient.gradient_K) with the census's stop
    rule, no polishing; returns the endpoints and whether each stopped by the rule."""
    W = W0.copy()
    active = np.ones(len(W), dtype=bool)
    for _ in range(max_iters):
        G = gradient_K(W[active], np.eye(W.shape[-1]))
        stop = np.linalg.norm(G, axis=-1).max(axis=-1) <= gtol
        idx = np.flatnonzero(active)
        W[idx[~stop]] -= lr * G[~stop]
        active[idx[stop]] = False
        if not active.any():
            break
    return W, ~active


def _at_teacher(W, tol=1e-3):
    """max |W - P I| over the best row permutation P below tol (an independent classifier)."""
    out = []
    for w in W:
        cost = np.abs(w[:, None, :] - np.eye(w.shape[1])[None]).max(-1)
        r, c = linear_sum_assignment(cost)
        out.append(cost[r, c].max() < tol)
    return np.array(out)


def test_share_agrees_with_a_plain_numpy_descent():
    """K = 8, x0 = 1e-3, y0 = 0, sigma = 0.1 (about a third of the runs end away from w*):
    run for run the two descents end in the same class but for a few runs near a basin's edge,
    and a binomial test (level 0.01) does not reject numpy's share from relucheck's."""
    p = replace(c2.Params(), K=(8,), x0=(1e-3,), ratio=(0.0,), sigma=(0.1,), runs=40,
                first_look=40, step_check=0, certify=False)
    res = c2.run(p, np.random.default_rng(0))
    reached = int(res.tables["main"]["reached"][0])
    cell = c2.cells_of(p, 8)[0]
    W0 = c2.starts(p, cell, np.random.default_rng(0))
    W, stopped = _numpy_descent(W0)
    ours = res.tables["runs"]["class"] == "teacher"
    theirs = _at_teacher(W) & stopped
    assert np.sum(ours != theirs) <= 2
    assert abs(reached - int(theirs.sum())) <= int(np.sum(ours != theirs))
    assert binomtest(int(theirs.sum()), theirs.size, reached / theirs.size).pvalue > 0.01
    assert 0 < reached < 40  # the cell tests something: neither all nor none


def _small_failing_sweep():
    # K = 12 from (0.1, 0.05) with sigma = 1: 2 of the first 12 runs reach w* (seed 0)
    p = replace(c2.Params(), K=(12,), x0=(0.1,), ratio=(0.5,), sigma=(0.0, 1.0), runs=24,
                first_look=12, step_check=1)
    return p, c2.run(p, np.random.default_rng(0))


@pytest.fixture(scope="module")
def failing():
    return _small_failing_sweep()


def test_claims_fail_when_a_cell_is_hidden(failing):
    p, res = failing
    main = res.tables["main"]
    assert all(c.verdict != "FAIL" for c in c2.claims(p, res.tables))
    for i in range(main["K"].size):
        doctored = dict(res.tables, main={k: np.delete(v, i) for k, v in main.items()})
        verdicts = {c.name: c.verdict for c in c2.claims(p, doctored)}
        assert verdicts["the table decides every cell of the grid once"] == "FAIL"
    # a row twice is refused too
    doubled = dict(res.tables, main={k: np.concatenate([v, v[:1]]) for k, v in main.items()})
    assert {c.name: c.verdict for c in c2.claims(p, doubled)}[
        "the table decides every cell of the grid once"] == "FAIL"


def test_failing_cell_and_its_minima_are_proved_and_re_checked(failing):
    from relucheck.proofs.minimum import certificate as mc

    _, res = failing
    main, fam = res.tables["main"], res.tables["families"]
    assert "fails" in set(main["verdict"].tolist())
    need = fam["failing_cells"] > 0
    assert need.any() and np.all(fam["certified"][need] == 1)
    doc = json.loads(json.dumps(res.documents["certificates"]))  # as the file holds it
    count, problems = mc.check_document(doc, workers=1)
    assert count == int(need.sum()) and not problems


def test_safe_sigma_reads_the_table():
    p = replace(c2.Params(), K=(2, 3), x0=(0.5,), ratio=(0.0,), sigma=(0.0, 0.1, 1.0))
    main = {"K": np.array([2, 2, 2, 3, 3, 3]), "sigma": np.array([0, 0.1, 1, 0, 0.1, 1.0]),
            "verdict": np.array(["reaches", "reaches", "open", "reaches", "fails", "reaches"])}
    assert c2.safe_sigma(p, main) == {2: 0.1, 3: 0.0}
