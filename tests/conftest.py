"""Shared test helpers. Statistical tests state their confidence level; seeds are fixed so the
suite is deterministic, and the levels say how often a correct implementation would fail."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from relucheck.descent import _kernels as kernels
from relucheck.descent import train


def warm_kernels() -> None:
    """Call every numba kernel that Python code calls (relucheck.descent._kernels), with the
    argument types that code passes, so each is loaded from numba's disk cache, or compiled into
    it on a fresh clone (tests/test_train.py checks that a census and a noise sweep compile
    nothing more)."""
    rng = np.random.default_rng(0)
    runs, n, k, d = 2, 2, 2, 3
    W0 = rng.standard_normal((runs, n, d))
    teacher = rng.standard_normal((k, d))
    ones = np.ones(k)
    cfg = train.DescentConfig(max_iters=30)
    train.train(W0, np.eye(k, d), cfg=cfg, workers=1)  # [I 0]: the lanes (descend_lanes)
    train.train(W0, teacher, cfg=cfg, workers=1)  # any teacher: one run at a time (descend)
    train.gradient(W0, np.ones(n), teacher, ones)  # gradient_batch, a copied out ...
    train.gradient(W0, np.ones((runs, n)), teacher, ones)  # ... and a read-only view
    W = np.ascontiguousarray(W0[0])
    kernels.loss(W, np.ones(n), teacher, ones)
    kernels.hessian(W, np.ones(n), teacher, ones, np.empty((n * d, n * d)))
    kernels.hessian_batch(W0, np.ones((runs, n)), teacher, ones)


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels() -> None:
    """Warm numba's kernels once per session (and per xdist worker) before any test, so that
    loading or compiling them is not charged to whichever test happens to descend first."""
    warm_kernels()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(20170806))


def assert_mean_matches(samples: np.ndarray, expected: np.ndarray, alpha: float = 1e-4) -> None:
    """Per-coordinate z-test that the rows of ``samples`` have mean ``expected``.

    Family-wise level ``alpha`` with Bonferroni over all coordinates: a correct formula fails with
    probability below alpha; a wrong one by more than ~5 standard errors is caught.
    """
    samples = np.asarray(samples, dtype=float)
    n = samples.shape[0]
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(n)
    z = np.abs(mean - expected) / se
    zcrit = stats.norm.ppf(1 - alpha / (2 * z.size))
    assert np.all(z < zcrit), f"max |z| = {z.max():.2f} >= {zcrit:.2f}\nmean={mean}\nexp={expected}"


def assert_rejected(result, option: str, out) -> None:
    """A rejected command line: exit code 2, exactly one ``Error:`` line and it names the
    option, no traceback, and nothing written to ``out`` (docs/design.md, exit codes)."""
    assert result.exit_code == 2, result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1 and option in errors[0], result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def G_mp(a, phi):
    """(L12, L21) / sin a for K = 2 (docs/math.md section 4, from the explicit 2 x 2 inverse of
    M_r as printed), in mpmath at the caller's precision, angles folded into [0, pi]: the
    independent reference of the Conjecture 1 certificate's tests (test_certify*.py)."""
    import mpmath as mp

    a, phi = mp.mpf(a), mp.mpf(phi)
    pi = mp.pi

    def fold(t):
        t = t % (2 * pi)
        return pi - abs(pi - t)

    def h(t):
        return (pi - t) * mp.cos(t) + mp.sin(t)

    t1, t2 = fold(phi), fold(phi - a)
    H = h(a)
    det = pi ** 2 - H ** 2
    v1, v2 = h(t1), h(t2)
    m_diag, m_off = pi * mp.cos(a), (pi - a) + mp.sin(a) * mp.cos(a)

    def quad(x1, x2):
        return (v1 * (pi * x1 - H * x2) + v2 * (pi * x2 - H * x1)) / det

    L12 = (pi - t1) * mp.cos(t2) + mp.sin(t1) * mp.cos(a) - quad(m_diag, m_off)
    L21 = (pi - t2) * mp.cos(t1) + mp.sin(t2) * mp.cos(a) - quad(m_off, m_diag)
    return L12 / mp.sin(a), L21 / mp.sin(a)


def run_capturing_claims(module, params):
    """``module.run(params)`` at seed 0, and the arguments its ``_claims`` was called with (the
    inputs the claims were made from), for tests that feed the claims other inputs."""
    seen = {}
    original = module._claims

    def capture(*args):
        seen["args"] = args
        return original(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "_claims", capture)
        result = module.run(params, np.random.default_rng(np.random.SeedSequence(0)))
    return result, seen["args"]
