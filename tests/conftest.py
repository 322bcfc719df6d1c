"""Shared test helpers. Statistical tests state their confidence level; seeds are fixed so the
suite is deterministic, and the levels say how often a correct implementation would fail."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats


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
