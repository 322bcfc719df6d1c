"""Small statistics used by the claims: every threshold comes from one of these."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# scipy.stats takes most of a second to import: it is imported where it is used, so commands
# that need no distribution start faster.


@dataclass(frozen=True)
class LineFit:
    """Ordinary least squares y = intercept + slope x with a t-based interval on the slope."""

    slope: float
    intercept: float
    slope_low: float
    slope_high: float
    level: float
    n: int


def fit_line(x: np.ndarray, y: np.ndarray, level: float = 0.99) -> LineFit:
    """OLS fit with a two-sided ``level`` confidence interval on the slope (t with n - 2 dof).

    Valid when the residuals are independent with a common variance: the callers fit log error
    against log N where each N has its own independent sample, so both hold.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    if n < 3:
        raise ValueError("a line with a confidence interval needs at least 3 points")
    xm, ym = x.mean(), y.mean()
    sxx = np.sum((x - xm) ** 2)
    slope = np.sum((x - xm) * (y - ym)) / sxx
    intercept = ym - slope * xm
    resid = y - (intercept + slope * x)
    se = np.sqrt(np.sum(resid**2) / (n - 2) / sxx)
    from scipy import stats

    q = stats.t.ppf(0.5 + level / 2, n - 2)
    return LineFit(float(slope), float(intercept), float(slope - q * se), float(slope + q * se),
                   level, n)


def hotelling_pvalue(samples: np.ndarray, mu: np.ndarray) -> float:
    """p-value of Hotelling's T^2 test that independent rows of ``samples`` (R, k) have mean mu.

    (R - k) / (k (R - 1)) T^2 follows F(k, R - k) for normal rows; block means of many samples
    are normal to a very good approximation (central limit theorem).
    """
    samples = np.asarray(samples, dtype=float)
    R, k = samples.shape
    if R <= k:
        raise ValueError("Hotelling's test needs more replicates than dimensions")
    m = samples.mean(axis=0)
    S = np.cov(samples, rowvar=False).reshape(k, k)
    diff = m - np.asarray(mu, dtype=float)
    t2 = R * float(diff @ np.linalg.solve(S, diff))
    f = (R - k) / (k * (R - 1)) * t2
    from scipy import stats

    return float(stats.f.sf(f, k, R - k))


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n == 0:
        return (0.0, 1.0)
    from statistics import NormalDist  # the standard library's; scipy.stats takes ~1 s to import

    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At p = 0 or 1 the interval ends exactly at 0 or 1; do not let rounding move the end.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (float(lo), float(hi))


def squared_bias(deltas: np.ndarray, scale: np.ndarray) -> tuple[float, float]:
    """Unbiased estimate of the mean squared relative bias, with a jackknife standard error.

    ``deltas`` (B, P, d) holds, for B independent blocks of samples and P pairs, the block mean
    minus the model value; ``scale`` (P,) the squared norm of the model value. For independent
    blocks E<delta_i, delta_j> = |bias|^2 when i != j, so the U-statistic

        sum_{i != j} <delta_i, delta_j> / (B (B - 1))

    estimates |bias|^2 with no contribution from the sampling noise. Pairs share blocks and are
    correlated, so the standard error comes from deleting one block at a time (jackknife), the
    blocks being the independent units.
    """
    B = deltas.shape[0]
    if B < 3:
        raise ValueError("the jackknife needs at least 3 blocks")
    total = deltas.sum(axis=0)  # (P, d)
    sq = np.sum(deltas**2, axis=2)  # (B, P)

    def ustat(tot: np.ndarray, sumsq: np.ndarray, b: int) -> float:
        per_pair = (np.sum(tot**2, axis=-1) - sumsq) / (b * (b - 1)) / scale
        return float(per_pair.mean())

    est = ustat(total, sq.sum(axis=0), B)
    loo = np.array([ustat(total - deltas[i], sq.sum(axis=0) - sq[i], B - 1) for i in range(B)])
    se = float(np.sqrt((B - 1) / B * np.sum((loo - loo.mean()) ** 2)))
    return est, se
