"""Small statistics used by the claims: every threshold comes from one of these."""

from __future__ import annotations

import math
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
    from scipy import stats  # imported here: ~1 s, and the CLI imports this module at start-up

    q = stats.t.ppf(0.5 + level / 2, n - 2)
    return LineFit(float(slope), float(intercept), float(slope - q * se), float(slope + q * se),
                   level, n)


def _mean_and_covariance(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sample mean (k,) and covariance (k, k) of the rows of ``samples`` (R, k), R > k."""
    samples = np.asarray(samples, dtype=float)
    R, k = samples.shape
    if R <= k:
        raise ValueError("Hotelling's test needs more replicates than dimensions")
    return samples.mean(axis=0), np.cov(samples, rowvar=False).reshape(k, k)


def hotelling_pvalue(samples: np.ndarray, mu: np.ndarray) -> float:
    """p-value of Hotelling's T^2 test that independent rows of ``samples`` (R, k) have mean mu.

    (R - k) / (k (R - 1)) T^2 follows F(k, R - k) for normal rows; block means of many samples
    are normal to a very good approximation (central limit theorem).
    """
    m, S = _mean_and_covariance(samples)
    R, k = np.shape(samples)
    diff = m - np.asarray(mu, dtype=float)
    t2 = R * float(diff @ np.linalg.solve(S, diff))
    f = (R - k) / (k * (R - 1)) * t2
    from scipy import stats  # imported here: ~1 s, and the CLI imports this module at start-up

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


# --------------------------------------------------------------------------- sizes that decide
#: The largest factor a size estimate is given for; beyond it the estimate says "more than".
MAX_FACTOR = 1e6


def size_to_decide(n: float, half_width: float, needed: float, rate: float = 0.5) -> float:
    """The size at which an interval of ``half_width`` at size ``n`` shrinks to ``needed``,
    when the half-width falls like n^-rate (rate 1/2: the 1/sqrt(n) of a mean or a proportion).

    ``n (half_width / needed)^(1/rate)``, rounded up, at least n + 1; ``inf`` when ``needed`` is
    not positive (no size decides while the estimate stays where it is) or the factor exceeds
    :data:`MAX_FACTOR`. A power estimate: it assumes the estimate itself stays where it is.
    """
    if not needed > 0 or not half_width >= 0:
        return math.inf
    factor = (half_width / needed) ** (1 / rate)
    if factor > MAX_FACTOR:
        return math.inf
    return float(max(math.ceil(n * factor), math.floor(n) + 1))


def points_to_decide(n: int, half_width: float, needed: float, level: float,
                     limit: int = 100_000) -> float:
    """The number of evenly spread points at which a fitted slope's t-interval (``level``, n - 2
    dof) of ``half_width`` at n points shrinks to ``needed``, the residual spread staying the
    same: the half-width is q_t(n - 2) s / sqrt(Sxx), and Sxx over evenly spread points of a
    fixed range grows like n (n + 1) / (n - 1). ``inf`` beyond ``limit`` points or when
    ``needed`` is not positive."""
    from scipy import stats  # imported here: ~1 s, and the CLI imports this module at start-up

    if not needed > 0 or not half_width >= 0:
        return math.inf

    def width(m: int) -> float:
        q = stats.t.ppf(0.5 + level / 2, m - 2)
        return float(q / math.sqrt(m * (m + 1) / (m - 1)))

    scale = half_width / width(n)
    lo, hi = n, n + 1
    while scale * width(hi) > needed:  # doubling, then bisection on the monotone width
        if hi > limit:
            return math.inf
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if scale * width(mid) > needed else (lo, mid)
    return float(hi)


def decide_text(options: list[tuple[float, str]]) -> str:
    """What size would decide, as claim text: ``[(57, "steps (--n-steps)"), (320, "pairs
    (--pairs)")]`` -> "about 57 steps (--n-steps) or 320 pairs (--pairs) would decide (if the
    estimate stays)"; sizes that are infinite are left out, and when every one is, the text
    says that no size in reach decides while the estimate stays where it is (it sits at the
    threshold, or beyond the margin)."""
    finite = [f"{_count(n)} {what}" for n, what in options if math.isfinite(n)]
    if not finite:
        return "no size in reach would decide while the estimate stays where it is"
    return f"about {' or '.join(finite)} would decide (if the estimate stays)"


def _count(n: float) -> str:
    """A size as claim text: 57, 1,200, 2.4e+07."""
    return f"{int(n):,}" if n < 1e7 else f"{n:.2g}"


def hotelling_bound(samples: np.ndarray, mu: np.ndarray, alpha: float) -> tuple[float, float]:
    """How far the mean of independent rows of ``samples`` (R, k) can be from ``mu`` within the
    (1 - alpha) Hotelling confidence ellipse of the mean: (|m - mu| + r, r), with m the sample
    mean and r the ellipse's largest semi-axis sqrt(lambda_max(S) T^2_crit / R), T^2_crit =
    k (R - 1) / (R - k) F_{1 - alpha}(k, R - k). The first number bounds |mean - mu| for every
    mean in the ellipse (triangle inequality; the ellipse is the dual of
    :func:`hotelling_pvalue`: it contains mu iff that p-value is >= alpha); r is the part that
    shrinks like 1/sqrt(samples per row x R).
    """
    m, S = _mean_and_covariance(samples)
    R, k = np.shape(samples)
    from scipy import stats  # imported here: ~1 s, and the CLI imports this module at start-up

    t2 = k * (R - 1) / (R - k) * stats.f.ppf(1 - alpha, k, R - k)
    r = float(np.sqrt(max(float(np.linalg.eigvalsh(S)[-1]), 0.0) * t2 / R))
    return float(np.linalg.norm(m - np.asarray(mu, dtype=float))) + r, r


def line_pvalue(x: np.ndarray, y: np.ndarray, slope: float) -> float:
    """p-value of the F test that y = a + ``slope`` x for some a (a straight line of the given
    slope), against y quadratic in x: F = ((RSS_0 - RSS_q) / 2) / (RSS_q / (n - 3)) on (2, n - 3)
    dof, RSS_0 the residuals of y - slope x about their mean and RSS_q those of the quadratic
    least-squares fit. It rejects a wrong slope and a bend alike (an error floor bends a
    log-log line); independent residuals with a common variance, as :func:`fit_line`. NaN
    below 4 points (no dof left for the quadratic).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    if n < 4:
        return math.nan
    xc = x - x.mean()
    X = np.column_stack([np.ones(n), xc, xc * xc])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    rss_q = float(np.sum((y - X @ beta) ** 2))
    r0 = y - slope * x
    rss_0 = float(np.sum((r0 - r0.mean()) ** 2))
    if rss_q <= 0:
        return 0.0 if rss_0 > 0 else 1.0
    from scipy import stats  # imported here: ~1 s, and the CLI imports this module at start-up

    f = max(rss_0 - rss_q, 0.0) / 2 / (rss_q / (n - 3))
    return float(stats.f.sf(f, 2, n - 3))
