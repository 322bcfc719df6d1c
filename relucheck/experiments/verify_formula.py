"""Figure 7: the population gating formula (Eqn 5, Theorem 1) against sampling.

Panels: (a) relative error versus the angle t = angle(e, w) in [0, pi] at fixed N; (b) relative
RMS error versus N (Gaussian input, t in [0, pi/2]) with its log-log slope; (c) the same for input
uniform on [-1/2, 1/2]^d, up to the least-squares global scale; (d) error versus d at fixed N.

Error normalisation. The paper divides by the sampled |F|. The claims use the analytic |E[F]|
instead: then E[err^2] = tr Cov(F_1) / (N |E[F_1]|^2) exactly, so log err is linear in log N with
slope -1/2 at every N, whereas the paper's |F| denominator adds an O(err^2) upward bias at small N
that would bend the fit. Both are in the CSV; panel (a) plots the paper's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from relucheck.experiments.params import F8, require_finite
from relucheck.numerics.montecarlo import CHUNK_FLOATS, sampled_F
from relucheck.numerics.sampling import DISTRIBUTIONS, pairs_at_angles
from relucheck.numerics.seeding import keyed_rng
from relucheck.numerics.stats import fit_line, hotelling_pvalue, squared_bias
from relucheck.progress import Progress, null_progress
from relucheck.result import Claim, Result
from relucheck.theory.gating import expected_F

STEM = "fig7_verify_formula"


@dataclass(frozen=True)
class Params:
    """Sizes of Figure 7. Defaults reproduce the paper's figure; ``QUICK`` is a smoke test.

    What the claims can detect, measured by scaling the whole of Eqn 5 by a constant c (E[F]
    replaced by c E[F]) and counting the seeds with a FAIL:

    - defaults: c = 1.0075 fails the slope claim in 10 of 10 seeds (the unbiasedness claim in
      9 of 10), c = 1.01 both in 12 of 12; c = 1.005 is caught in 7 of 12 only.
    - ``QUICK``: c = 1.02 fails the unbiasedness claim in 30 of 30 seeds, c = 1.03 the slope
      claim too (30 of 30); c = 1.015 is caught in 20 of 30 and c = 1.01 in 8 of 30 only:
      --quick cannot detect a 1 % error.
    - the Gaussian no-bias claim is the weakest: it bounds the RMS relative bias by about 0.10
      at the defaults (set by d = 1000, where the noise is largest) and 0.05 at ``QUICK``.

    The correct formula passed every claim in 12 of 12 seeds at the defaults, 30 of 30 at
    ``QUICK``.
    """

    d: int = 20
    n_angle: int = 100_000  # N of panel (a)
    pairs_angle: int = 1000
    n_min: int = 100  # panels (b), (c): log grid of N
    n_max: int = 1_000_000
    n_steps: int = 9
    pairs_sweep: int = 200
    dims: tuple[int, ...] = (2, 5, 10, 20, 50, 100, 200, 500, 1000)  # panel (d)
    n_dim: int = 24_000  # split into bias_blocks independent blocks
    pairs_dim: int = 64
    bias_blocks: int = 8
    distributions: tuple[str, ...] = DISTRIBUTIONS
    blocks: int = 100  # unbiasedness: independent blocks of block_size samples
    block_size: int = 10_000
    pairs_unbiased: int = 32
    level: float = 0.99
    slope_tol: float = 0.05  # equivalence margin of the slope claim around -1/2

    def memory_bytes(self) -> tuple[int, str]:
        """Peak memory estimate (bytes) and the option that drives it: the sampled pairs (e, w,
        u and work arrays, 6 x pairs x d floats per panel) and the Monte Carlo chunks (a few
        arrays of CHUNK_FLOATS, or of one d-dimensional sample when d is larger)."""
        dim = max(self.dims)
        panels = {("pairs_angle", self.pairs_angle, "d", self.d),
                  ("pairs", self.pairs_sweep, "d", self.d),
                  ("pairs_dim", self.pairs_dim, "dims", dim),
                  ("pairs_unbiased", self.pairs_unbiased, "d", self.d)}
        pairs, count, dname, dval = max(panels, key=lambda t: t[1] * t[3])
        driver = pairs if count >= dval else dname
        chunk = F8 * 4 * max(CHUNK_FLOATS, self.d, max(self.dims))
        return F8 * 6 * count * dval + chunk, driver

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        require_finite(self)
        checks = [
            (self.d >= 2, "d", "an integer >= 2"),
            (self.n_angle >= 1, "n_angle", ">= 1"),
            (self.pairs_angle >= 1, "pairs_angle", ">= 1"),
            (2 <= self.n_min < self.n_max, "n_min/n_max", "2 <= n_min < n_max"),
            (self.n_steps >= 3, "n_steps", ">= 3 (a slope with an interval needs 3 points)"),
            (self.pairs_sweep >= 1, "pairs_sweep", ">= 1"),
            (len(self.dims) >= 2 and min(self.dims) >= 2, "dims", "at least two values >= 2"),
            (self.bias_blocks >= 3, "bias_blocks", ">= 3 (jackknife over blocks)"),
            (self.n_dim >= 2 * self.bias_blocks, "n_dim", ">= 2 samples per bias block"),
            (self.pairs_dim >= 2, "pairs_dim", ">= 2"),
            (len(self.distributions) >= 1
             and set(self.distributions) <= set(DISTRIBUTIONS), "distributions",
             f"a subset of {DISTRIBUTIONS}"),
            (self.blocks >= 3, "blocks", ">= 3 (Hotelling's test in the plane needs R > 2)"),
            (self.block_size >= 100, "block_size",
             ">= 100 (block means must be near-normal for Hotelling's test)"),
            (self.pairs_unbiased >= 1, "pairs_unbiased", ">= 1"),
            (0.5 < self.level < 1, "level", "in (0.5, 1)"),
            (0 < self.slope_tol < 0.5, "slope_tol", "in (0, 0.5)"),
        ]
        for ok, name, rng in checks:
            if not ok:
                raise ValueError(f"{name}: expected {rng}")


QUICK = dict(n_angle=5_000, pairs_angle=200, n_max=50_000, n_steps=17, pairs_sweep=50,
             dims=(2, 5, 20), n_dim=16_000, pairs_dim=32, blocks=50, block_size=3_000,
             pairs_unbiased=32)


def quick(p: Params) -> Params:
    """The ``--quick`` sizes: the same code path on small samples (about 0.4 s of one core).

    The sweep keeps 17 points up to N = 50,000 so that the slope interval (half-width about 0.02)
    fits inside the +-0.05 margin, and the unbiasedness test keeps 1.5e5 samples so that a 2 %
    error in E[F] fails it (see ``Params``).
    """
    return replace(p, **QUICK)


def sample_grid(p: Params) -> np.ndarray:
    """Log-spaced sample sizes from n_min to n_max (rounded to integers, distinct)."""
    return np.unique(np.round(np.geomspace(p.n_min, p.n_max, p.n_steps)).astype(int))


def _scale(EF: np.ndarray, F_mean: np.ndarray, dist: str) -> float:
    """Global scale c of E[F] (docs/math.md section 3): 1 for Gaussian input (Eqn 5 is exact), the
    least-squares c = <E[F], F> / <E[F], E[F]> over all pairs for any other distribution."""
    if dist == "gaussian":
        return 1.0
    return float(np.sum(EF * F_mean) / np.sum(EF * EF))


def _errors(EF: np.ndarray, F_mean: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-pair relative errors |F/N - c E[F]| normalised by |c E[F]| and (paper) by |F/N|."""
    diff = np.linalg.norm(F_mean - c * EF, axis=1)
    # Near t = pi the gates of e and w rarely overlap and a small sample can give F = 0 exactly;
    # the paper's error is then infinite, and is recorded as such.
    with np.errstate(divide="ignore"):
        return diff / np.linalg.norm(c * EF, axis=1), diff / np.linalg.norm(F_mean, axis=1)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def run(p: Params, rng: np.random.Generator, progress: Progress = null_progress) -> Result:
    """Run every panel of Figure 7 and check the claims; see the module docstring.

    Every random stream is keyed by what it is for (``keyed_rng``): a cell's numbers are the same
    whatever other cells, distributions or dimensions are requested beside it.

    BLAS runs on one thread: the products here are skinny (samples x d times d x pairs), so a
    second BLAS thread gains little on an idle machine, and its spin-waiting thread nearly
    doubles the wall time on a busy one (45.8 s against 25.8 s at the defaults, measured).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _run(p, rng, progress)


def _run(p: Params, rng: np.random.Generator, progress: Progress) -> Result:
    p.validate()
    Ns = sample_grid(p)
    rows: dict[str, list] = {k: [] for k in (
        "panel", "distribution", "d", "n_samples", "n_pairs", "angle_rad", "rel_err",
        "rel_err_paper", "scale_c", "rel_bias_sq", "rel_bias_sq_se")}

    def add(**kw):
        for k in rows:
            rows[k].append(kw.get(k, np.nan))

    steps = 1 + len(p.distributions) * (len(Ns) + len(p.dims)) + 1
    with progress(steps, "verify-formula") as bar:
        # (a) error versus angle, t uniform on [0, pi], Gaussian input.
        r = keyed_rng(rng, "pairs-angle")
        t = np.sort(r.uniform(0.0, np.pi, p.pairs_angle))
        E, W, _ = pairs_at_angles(r, t, p.d)
        EF = expected_F(E, W)
        F_mean = sampled_F(E, W, p.n_angle, keyed_rng(rng, "angle")) / p.n_angle
        err, err_paper = _errors(EF, F_mean, 1.0)
        for i in range(t.size):
            add(panel="a", distribution="gaussian", d=p.d, n_samples=p.n_angle, n_pairs=1,
                angle_rad=t[i], rel_err=err[i], rel_err_paper=err_paper[i], scale_c=1.0)
        bar.update()

        # (b), (c) error versus N, t uniform on [0, pi/2]; an independent sample for every N,
        # so the points of the log-log fit are independent.
        r = keyed_rng(rng, "pairs-sweep")
        t = r.uniform(0.0, np.pi / 2, p.pairs_sweep)
        E, W, _ = pairs_at_angles(r, t, p.d)
        EF = expected_F(E, W)
        fits = {}
        for dist in p.distributions:
            errs = []
            for n in Ns:
                F_mean = sampled_F(E, W, int(n), keyed_rng(rng, "sweep", dist, n), dist) / n
                c = _scale(EF, F_mean, dist)
                err, err_paper = _errors(EF, F_mean, c)
                errs.append(_rms(err))
                add(panel="b" if dist == "gaussian" else "c", distribution=dist, d=p.d,
                    n_samples=n, n_pairs=p.pairs_sweep, rel_err=errs[-1],
                    rel_err_paper=_rms(err_paper), scale_c=c)
                bar.update()
            fits[dist] = fit_line(np.log(Ns), np.log(errs), p.level)

        # (d) error versus d at fixed N, and the squared relative bias left after the scale,
        # estimated from independent blocks so that the sampling noise does not enter it.
        bias = {}
        n_block = p.n_dim // p.bias_blocks
        for dist in p.distributions:
            for d in p.dims:
                r = keyed_rng(rng, "dim", dist, d)
                t = r.uniform(0.0, np.pi / 2, p.pairs_dim)
                E, W, _ = pairs_at_angles(r, t, d)
                EF = expected_F(E, W)
                Fb = np.stack([sampled_F(E, W, n_block, keyed_rng(r, "block", b), dist) / n_block
                               for b in range(p.bias_blocks)])  # (B, P, d)
                F_mean = Fb.mean(axis=0)
                c = _scale(EF, F_mean, dist)
                err, err_paper = _errors(EF, F_mean, c)
                bias[dist, d] = squared_bias(Fb - c * EF, np.sum((c * EF) ** 2, axis=1))
                add(panel="d", distribution=dist, d=d, n_samples=n_block * p.bias_blocks,
                    n_pairs=p.pairs_dim, rel_err=_rms(err), rel_err_paper=_rms(err_paper),
                    scale_c=c, rel_bias_sq=bias[dist, d][0], rel_bias_sq_se=bias[dist, d][1])
                bar.update()

        # Unbiasedness: block means of F/n over independent blocks against E[F]/N, tested in the
        # plane span(e, w) where Eqn 5 lives (Hotelling's T^2, Bonferroni over pairs).
        r = keyed_rng(rng, "pairs-unbiased")
        t = r.uniform(0.0, np.pi, p.pairs_unbiased)
        E, W, U = pairs_at_angles(r, t, p.d)
        EF = expected_F(E, W)
        blocks = np.stack([sampled_F(E, W, p.block_size, keyed_rng(rng, "unbiased", b))
                           / p.block_size for b in range(p.blocks)])  # (R, P, d)
        inplane = np.stack([np.einsum("rpd,pd->rp", blocks, E),
                            np.einsum("rpd,pd->rp", blocks, U)], axis=-1)  # (R, P, 2)
        mu = np.stack([np.sum(EF * E, axis=1), np.sum(EF * U, axis=1)], axis=-1)
        pvals = np.array([hotelling_pvalue(inplane[:, k], mu[k]) for k in range(t.size)])
        bar.update()

    claims = _claims(p, fits, bias, pvals)
    unbiased = {"pair": np.arange(t.size), "angle_rad": t, "d": np.full(t.size, p.d),
                "blocks": np.full(t.size, p.blocks), "block_size": np.full(t.size, p.block_size),
                "hotelling_p": pvals}
    main = {k: np.array(v) for k, v in rows.items()}
    params = asdict(p) | {"sample_grid": Ns.tolist()}
    return Result(STEM, {"main": main, "unbiased": unbiased}, claims, params)


def bias_upper_bound(b: np.ndarray, se: np.ndarray, level: float, blocks: int) -> np.ndarray:
    """Simultaneous upper ``level`` bounds on the RMS relative bias at each of b.size cells.

    ``b`` estimates the mean squared relative bias (block U-statistic), ``se`` its jackknife
    standard error over ``blocks`` blocks; the bound is sqrt(max(b, 0) + q se) with q the
    one-sided Student t quantile on blocks - 1 dof (the jackknife's), Bonferroni over the cells.
    Under no bias the jackknife of this degenerate U-statistic overstates the spread, so the
    bound errs on the large side there.
    """
    from scipy import stats  # imported here: slow to import

    q = stats.t.ppf(1 - (1 - level) / b.size, blocks - 1)
    return np.sqrt(np.maximum(b, 0.0) + q * se)


def _claims(p: Params, fits: dict, bias: dict, pvals: np.ndarray) -> list[Claim]:
    from scipy import stats  # imported here: slow to import

    claims = []
    pct = f"{100 * p.level:g} %"
    if "gaussian" in fits:
        f = fits["gaussian"]
        far = max(abs(f.slope_low + 0.5), abs(f.slope_high + 0.5))
        contains = f.slope_low <= -0.5 <= f.slope_high
        claims.append(Claim.check(
            "Gaussian error falls like N^(-1/2) (Fig. 7b)",
            ok=bool(contains and far <= p.slope_tol),
            measured=(f"slope {f.slope:.4f}, {pct} CI [{f.slope_low:.4f}, {f.slope_high:.4f}], "
                      f"farthest end {far:.4f} from -1/2"),
            threshold=f"CI contains -1/2 and lies within -1/2 +- {p.slope_tol:g}",
            justification=(f"OLS of log RMS error on log N over {f.n} independent samples "
                           f"(N = {p.n_min}..{p.n_max}), t-interval with {f.n - 2} dof; the "
                           f"margin {p.slope_tol:g} is the deviation from N^(-1/2) the check "
                           f"excludes at {pct} (a wrong E[F] leaves an error floor that flattens "
                           "the slope and bends the fit, widening the interval)"),
            value=f.slope))
    alpha = 1 - p.level
    ok = bool(pvals.min() * pvals.size >= alpha)
    claims.append(Claim.check(
        "Eqn 5 is unbiased: mean of F/N = E[F]/N",
        ok=ok,
        measured=f"min p = {pvals.min():.3g} over {pvals.size} pairs",
        threshold=f"Bonferroni: min p >= {alpha:g}/{pvals.size}",
        justification=(f"Hotelling T^2 on {p.blocks} independent block means of "
                       f"{p.block_size} samples, in the plane span(e, w), d = {p.d}; "
                       f"family-wise level {alpha:g}"),
        value=float(pvals.min())))
    if "uniform" in p.distributions:
        d0, d1 = p.dims[0], p.dims[-1]
        (b0, s0), (b1, s1) = bias["uniform", d0], bias["uniform", d1]
        z = (b0 - b1) / np.hypot(s0, s1)
        zq = stats.norm.ppf(p.level)
        claims.append(Claim.check(
            "Uniform input: bias beyond noise shrinks with d (Fig. 7c-d)",
            ok=bool(z > zq),
            measured=(f"rel. bias^2 {b0:.3g} (d={d0}) vs {b1:.3g} (d={d1}), z = {z:.1f}"),
            threshold=f"one-sided z > {zq:.2f} ({pct})",
            justification=(f"U-statistic over {p.bias_blocks} independent sample blocks (free of "
                           "sampling noise), jackknife standard error over blocks"),
            value=float(z)))
    if "gaussian" in p.distributions:
        b, se = (np.array([bias["gaussian", d][k] for d in p.dims]) for k in (0, 1))
        z = b / se
        zq = stats.norm.ppf(1 - (1 - p.level) / (2 * z.size))
        upper = bias_upper_bound(b, se, p.level, p.bias_blocks)
        k = int(np.argmax(upper))
        claims.append(Claim.check(
            "Gaussian input: no relative bias resolved at any d (Fig. 7d)",
            ok=bool(np.all(np.abs(z) < zq)),
            measured=(f"max |z| = {np.abs(z).max():.2f} over d = {list(p.dims)}; RMS relative "
                      f"bias < {upper.max():.3f} at every d (simultaneous upper {pct} bound, "
                      f"loosest at d = {p.dims[k]}, {upper.min():.3f} at best)"),
            threshold=f"|z| < {zq:.2f} (two-sided, Bonferroni over {z.size} d)",
            justification=("same block U-statistic and jackknife as the uniform bias; the bound "
                           f"is sqrt(max(U, 0) + t SE), t on {p.bias_blocks - 1} dof, one-sided "
                           "Bonferroni over d: a wrong E[F] off by less than it can pass"),
            value=float(np.abs(z).max())))
    for dist in p.distributions:
        if dist in fits and dist != "gaussian":
            f = fits[dist]
            claims.append(Claim.report(
                f"{dist.capitalize()} input: error versus N (Fig. 7c)",
                measured=f"slope {f.slope:.3f} [{f.slope_low:.3f}, {f.slope_high:.3f}]",
                statement="paper: the formula still works up to a global scale",
                justification="a bias floor flattens the slope at large N for small d",
                value=f.slope))
    return claims
