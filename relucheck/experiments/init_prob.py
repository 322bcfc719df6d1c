"""Theorem 6: random initialisation of one ReLU in a small ball, checked three ways (the exact
P(w0 in Omega), its Monte Carlo estimate, and the fraction of runs of Eqn 6 that converge), with
a sweep over r / |w*|. The measurements and the table's rows: docs/commands/init-prob.md.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from relucheck.descent.one_relu_flow import TRAP_RADIUS, integrate_planar
from relucheck.experiments.params import check, check_fields, param
from relucheck.result import UNDECIDED, Claim, Result, three_way
from relucheck.runtime.memory import F8
from relucheck.runtime.progress import Progress, null_progress
from relucheck.sampling.ball import ball_plane_coordinates
from relucheck.sampling.chunks import CHUNK_FLOATS
from relucheck.sampling.inputs import uniform_sphere
from relucheck.sampling.seeding import keyed_rng
from relucheck.sampling.stats import decide_text, size_to_decide, wilson_interval
from relucheck.theory.init_prob import (
    omega_probabilities,
    omega_probability,
    theorem6_bound,
    theorem6_radius,
)

STEM = "thm6_init_prob"

#: Runs integrated together: bounds the integrator's memory (about 15 arrays of 2 x this).
FLOW_CHUNK = 1 << 17
#: Smallest eps (and r-min): Theorem 6's margin P - (1 - eps)/2 shrinks like eps (1.1e-6 at
#: eps = 1e-3, d = 1000); from eps ~ 1e-12 it falls below the quadrature error of P and the
#: check cannot resolve it, and from ~1e-300 the sampled points underflow to w0 = 0.
EPS_MIN = 1e-6
#: Shortest horizon of Eqn 6: the slowest run from Omega at the defaults reaches the trap at
#: t = 24.6; a horizon below twice that would report runs as not converged that only lack time.
T_MAX_MIN = 50.0


@dataclass(frozen=True)
class Params:
    """Sizes of the Theorem 6 check. ``QUICK`` is a smoke test on the same code path."""

    d: tuple[int, ...] = param((2, 5, 10, 20, 100, 1000), many=True, min=2)
    eps: tuple[float, ...] = param((0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), many=True,
                                   kind=float, min=EPS_MIN, max=1,
                                   why="smaller radii underflow the sampled points")
    samples: int = param(5_000, min=1)  # Monte Carlo initialisations per cell
    # dimension of the r / |w*| sweep with samples
    sweep_d: int = param(10, min=2, expected="an integer >= 2")
    # r / |w*| range of the sweep (log-spaced)
    r_min: float = param(0.01, kind=float, min=EPS_MIN,
                         expected=f"{EPS_MIN:g} <= r-min < r-max")
    r_max: float = param(4.0, kind=float, min=0, min_open=True)
    r_steps: int = param(12, min=2)
    curve_points: int = param(61, min=2)  # exact-only points per d on each dense curve
    # integration horizon of Eqn 6 (units of the N = 1 flow)
    t_max: float = param(100.0, kind=float, min=T_MAX_MIN, why="runs need time to converge")
    # Wilson intervals
    level: float = param(0.95, kind=float, min=0.5, max=1, min_open=True, max_open=True)
    # family-wise level of the statistical claims
    alpha: float = param(1e-3, kind=float, min=0, max=0.5, min_open=True, max_open=True)
    # equivalence margin of the Monte Carlo claim: |P_MC - P_exact| (absolute) in every cell
    agree_tol: float = param(0.1, kind=float, min=0, max=1, min_open=True, max_open=True)

    def memory_bytes(self) -> tuple[int, str]:
        """Peak memory estimate (bytes) and the option that drives it: the chunks of uniform
        points in the d-ball (3 arrays of max(CHUNK_FLOATS, d) floats), the flow's chunk of
        FLOW_CHUNK 2D states, and the r sweep and curves (a few hundred floats a point)."""
        dmax = max(max(self.d), self.sweep_d)
        ball = F8 * 3 * max(CHUNK_FLOATS, dmax)
        grid = F8 * 300 * (self.r_steps + self.curve_points * len(self.d))
        driver = "r_steps" if grid > ball else ("d" if max(self.d) >= self.sweep_d
                                                 else "sweep_d")
        return ball + grid + F8 * 64 * FLOW_CHUNK, driver

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        check_fields(self)
        check([(self.r_min < self.r_max, "r_min", f"{EPS_MIN:g} <= r-min < r-max")])
        least = self.least_samples()
        if self.samples < least:
            raise ValueError(
                f"samples: expected >= {least}: with fewer, the claim 'converged fraction >= "
                f"P(w0 in Omega)' could never be decided (no count of converged runs in a cell "
                f"with P(Omega) >= {self._largest_bound():.3g} would show the fraction above "
                f"P(Omega), or below it, at the family-wise level {self.alpha:g})")

    def cells(self) -> int:
        """The cells with Monte Carlo samples: every (d, eps) and every radius of the sweep."""
        return len(self.d) * len(self.eps) + self.r_steps

    def _largest_bound(self) -> float:
        """The largest of Theorem 6's lower bounds (1 - eps)/2 on P(w0 in Omega) over the cells
        (the sweep's radii read as eps = r / sqrt(2 pi / (d + 1)); 0 where eps > 1)."""
        eps = [*self.eps, self.r_min / np.sqrt(2 * np.pi / (self.sweep_d + 1))]
        return max(0.0, max((1 - e) / 2 for e in eps))

    def least_samples(self) -> int:
        """The fewest samples per cell with which the converged-fraction claim can be decided.

        It is established when every cell's count shows the fraction above P = P(w0 in Omega),
        at best (every run converging) P^n < alpha / cells, and refuted when one shows it below,
        at best (no run converging) (1 - P)^n < alpha / cells. P <= 1/2 everywhere, and
        Theorem 6 (checked exactly by the first claim) gives P >= L = the largest (1 - eps)/2,
        so with L^n >= alpha / cells neither can happen, whatever the data.
        """
        L = self._largest_bound()
        if L <= 0:
            return 1
        return max(1, int(np.floor(np.log(self.alpha / self.cells()) / np.log(L))) + 1)


QUICK = dict(d=(2, 10, 100), eps=(0.25, 0.5, 1.0), samples=2000, r_steps=5, curve_points=21)


def quick(p: Params) -> Params:
    """The ``--quick`` sizes: the same code path on small samples."""
    return replace(p, **QUICK)


def eps_curve(p: Params) -> np.ndarray:
    """Dense eps grid of the exact curves: log-spaced on [1e-3, 1] (the margin is ~ eps)."""
    return np.geomspace(1e-3, 1.0, p.curve_points)


def r_grid(p: Params, points: int) -> np.ndarray:
    return np.geomspace(p.r_min, p.r_max, points)


def _blocks(cells: list[tuple[int, float]], rngs: list, n: int, block: int):
    """Yield (cell index, x0, y0): each cell's n initialisations in blocks of <= ``block``.

    Each cell draws a random unit w* direction, then points uniform in B_r (all d coordinates)
    reduced to the plane coordinates, x along w* and y orthogonal, from its own generator.
    """
    for i, ((d, r), g) in enumerate(zip(cells, rngs, strict=True)):
        e_star = uniform_sphere(g, 1, d)[0]
        for start in range(0, n, block):
            x, y = ball_plane_coordinates(g, min(block, n - start), d, r, e_star)
            yield i, x, y


def _flow(x0: np.ndarray, y0: np.ndarray, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Converged flags and convergence times of a batch of runs of Eqn 6."""
    res = integrate_planar(x0, y0, t_max=p.t_max)
    return res.converged, res.t_converged


class _Tally:
    """Per-cell counts, accumulated batch by batch so that memory does not grow with samples."""

    def __init__(self, cells: int) -> None:
        self.in_omega = np.zeros(cells, dtype=np.int64)
        self.converged = np.zeros(cells, dtype=np.int64)
        self.omega_not_converged = np.zeros(cells, dtype=np.int64)
        self.t_conv_max = np.full(cells, -np.inf)

    def add(self, cell: np.ndarray, x0: np.ndarray, y0: np.ndarray, p: Params) -> None:
        conv, tconv = _flow(x0, y0, p)
        # |w0 - w*|^2 < |w*|^2 with w* = (1, 0), written without the cancelling subtraction.
        inside = x0 * x0 + y0 * y0 < 2.0 * x0
        np.add.at(self.in_omega, cell, inside)
        np.add.at(self.converged, cell, conv)
        np.add.at(self.omega_not_converged, cell, inside & ~conv)
        np.maximum.at(self.t_conv_max, cell, np.where(conv, tconv, -np.inf))


def score_miss_probability(p_true: np.ndarray, n: int, level: float) -> np.ndarray:
    """Exact probability that the Wilson interval of Binomial(n, p) excludes p (per p).

    The Wilson interval is the inversion of the score test: p is inside it iff
    (k - n p)^2 <= z^2 n p (1 - p). So the miss probability is P(|K - n p| > z sqrt(n p (1-p))),
    from the binomial cdf; it is near 1 - level but not equal to it (discreteness).
    """
    from scipy import stats  # imported here: slow to import

    p_true = np.asarray(p_true, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    half = z * np.sqrt(n * p_true * (1 - p_true))
    # K < n p - half or K > n p + half, from the cdf at the two boundaries (O(1) memory in n)
    below = stats.binom.cdf(np.ceil(n * p_true - half) - 1, n, p_true)
    above = stats.binom.sf(np.floor(n * p_true + half), n, p_true)
    return below + above


def poisson_binomial_sf(q: np.ndarray, k: int) -> float:
    """P(K >= k) for K a sum of independent Bernoulli(q_i) (exact, by convolution)."""
    dist = np.array([1.0])
    for qi in np.asarray(q, dtype=float):
        dist = np.convolve(dist, [1.0 - qi, qi])
    return float(min(1.0, dist[k:].sum()))


def run(p: Params, rng: np.random.Generator, progress: Progress = null_progress) -> Result:
    """Exact, Monte Carlo and dynamical success probabilities of Theorem 6; see the module."""
    p.validate()
    dims = [int(k) for k in p.d]
    eps = np.asarray(p.eps, dtype=float)
    eps_cells = [(d, float(theorem6_radius(e, d))) for d in dims for e in eps]
    r_sweep_vals = r_grid(p, p.r_steps)
    sweep_cells = [(p.sweep_d, float(r)) for r in r_sweep_vals]
    cells = eps_cells + sweep_cells
    # Each cell's stream is keyed by the cell itself, so its draws do not depend on which other
    # dimensions, eps or radii are requested.
    cell_rngs = ([keyed_rng(rng, "cell", d, float(e)) for d in dims for e in eps]
                 + [keyed_rng(rng, "sweep", p.sweep_d, float(r)) for r in r_sweep_vals])

    with progress(len(cells) + len(dims), "init-prob: exact") as bar:
        # 1. exact probabilities: the cells, then dense curves in eps and in r for every d.
        cell_exact = []
        for d, r in cells:
            cell_exact.append(omega_probability(r, d))
            bar.update()
        curves = {}
        for d in dims:
            e_c, r_c = eps_curve(p), r_grid(p, p.curve_points)
            curves[d] = (e_c, omega_probabilities(theorem6_radius(e_c, d), d),
                         r_c, omega_probabilities(r_c, d))
            bar.update()

    # 2.-3. Monte Carlo initialisations and their dynamics, integrated FLOW_CHUNK runs at a time
    # across cells (vectorised) and reduced to per-cell counts at once (bounded memory).
    tally = _Tally(len(cells))
    with progress(len(cells) * p.samples, "init-prob: runs") as bar:
        buf: list[tuple[int, np.ndarray, np.ndarray]] = []
        held = 0
        blocks = _blocks(cells, cell_rngs, p.samples, FLOW_CHUNK)
        for item in itertools.chain(blocks, [None]):  # None: flush what is left
            if item is not None:
                buf.append(item)
                held += item[1].size
            if held and (held >= FLOW_CHUNK or item is None):
                cell = np.concatenate([np.full(x.size, i) for i, x, _ in buf])
                tally.add(cell, np.concatenate([x for _, x, _ in buf]),
                          np.concatenate([y for _, _, y in buf]), p)
                bar.update(held)
                buf, held = [], 0

    P = np.array([c[0] for c in cell_exact])
    P_err = np.array([c[1] for c in cell_exact])
    table = _table(p, cells, len(eps_cells), eps, P, P_err, tally, curves)
    claims = _claims(p, table)
    params = asdict(p) | {"eps_curve": eps_curve(p).tolist(), "r_sweep": r_sweep_vals.tolist(),
                          "trap_radius": TRAP_RADIUS}
    return Result(STEM, {"main": table}, claims, params)


def _table(p, cells, n_eps_cells, eps, P, P_err, tally: _Tally, curves) -> dict:
    rows: dict[str, list] = {k: [] for k in (
        "kind", "d", "eps", "r_over_wstar", "p_omega_exact", "p_omega_quad_err", "bound",
        "margin", "samples", "in_omega", "p_omega_mc", "p_omega_mc_low", "p_omega_mc_high",
        "wilson_miss", "converged", "conv_rate", "conv_low", "conv_high",
        "omega_not_converged", "t_conv_max")}

    def add(**kw):
        for k in rows:
            rows[k].append(kw.get(k, np.nan))

    def exact_cols(d, r, prob, err):
        e = r / np.sqrt(2 * np.pi / (d + 1))  # the eps whose Theorem 6 radius is r
        b = float(theorem6_bound(e)) if e <= 1 else np.nan
        return dict(d=d, eps=e, r_over_wstar=r, p_omega_exact=prob, p_omega_quad_err=err,
                    bound=b, margin=prob - b)

    n = p.samples
    for i, (d, r) in enumerate(cells):
        k_om, k_cv = int(tally.in_omega[i]), int(tally.converged[i])
        lo, hi = wilson_interval(k_om, n, p.level)
        clo, chi = wilson_interval(k_cv, n, p.level)
        cols = exact_cols(d, r, P[i], P_err[i])
        if i < n_eps_cells:
            cols["eps"] = eps[i % eps.size]  # the grid value itself, not r recomputed to eps
            cols["bound"] = float(theorem6_bound(cols["eps"]))
            cols["margin"] = P[i] - cols["bound"]
        add(kind="eps" if i < n_eps_cells else "r", **cols, samples=n, in_omega=k_om,
            p_omega_mc=k_om / n, p_omega_mc_low=lo, p_omega_mc_high=hi,
            wilson_miss=not lo <= P[i] <= hi, converged=k_cv, conv_rate=k_cv / n,
            conv_low=clo, conv_high=chi,
            omega_not_converged=int(tally.omega_not_converged[i]),
            t_conv_max=float(tally.t_conv_max[i]) if k_cv else np.nan)
    for d, (e_c, (Pe, Ee), r_c, (Pr, Er)) in curves.items():
        for j in range(e_c.size):
            cols = exact_cols(d, float(theorem6_radius(e_c[j], d)), Pe[j], Ee[j])
            cols["eps"] = e_c[j]
            cols["bound"] = float(theorem6_bound(e_c[j]))
            cols["margin"] = Pe[j] - cols["bound"]
            add(kind="eps_curve", **cols)
        for j in range(r_c.size):
            add(kind="r_curve", **exact_cols(d, r_c[j], Pr[j], Er[j]))
    out = {}
    for k, v in rows.items():
        if k in ("samples", "in_omega", "converged", "omega_not_converged"):
            # exact-only rows drew no samples: 0 of 0 (their rates are NaN)
            out[k] = np.array([0 if isinstance(x, float) else x for x in v], dtype=np.int64)
        elif k == "wilson_miss":
            out[k] = np.array(["" if isinstance(x, float) else str(x).lower() for x in v])
        elif k == "kind":
            out[k] = np.array(v)
        elif k == "d":
            out[k] = np.array(v, dtype=int)
        else:
            out[k] = np.array(v, dtype=float)
    return out


def _where(table, i) -> str:
    return f"d = {int(table['d'][i])}, eps = {table['eps'][i]:.4g}"


def _claims(p: Params, table: dict) -> list[Claim]:
    claims = []
    kind = table["kind"]
    mc = np.flatnonzero((kind == "eps") | (kind == "r"))
    n = p.samples

    # Theorem 6: exact P(w0 in Omega) >= (1 - eps)/2 wherever eps <= 1 was computed.
    b = np.flatnonzero(np.isfinite(table["bound"]))
    margin, qerr = table["margin"][b], table["p_omega_quad_err"][b]
    i = b[np.argmin(margin)]
    rel = margin / (table["eps"][b] / 2)  # slack relative to the eps/2 the bound gives away
    j = b[np.argmin(rel)]
    claims.append(Claim.check(
        "Theorem 6: exact P(w0 in Omega) >= (1 - eps)/2",
        ok=bool(np.all(margin - qerr > 0)),
        # four digits: quad's error (<= 1e-13) could move a seventh digit of a 1e-6 margin
        measured=(f"smallest margin {table['margin'][i]:.4g} at {_where(table, i)}; smallest "
                  f"relative margin {rel.min():.4g} of eps/2 at {_where(table, j)}; "
                  f"{b.size} (d, eps) points"),
        threshold="margin > quad error bound at every point",
        justification=("exact 1D integral (docs/math.md section 5) by quad, error bound "
                       f"<= {qerr.max():.1e}, accurate to ~1e-12 (tested against 50-digit "
                       "mpmath of the lens-volume formula); no sampling involved"),
        value=float(table["margin"][i])))

    # Monte Carlo against the exact value: Wilson misses against their exact null distribution.
    claims.append(agreement_claim(p, table, mc))

    # Theorem 5, run by run: every initialisation inside Omega converges.
    bad = int(np.sum(table["omega_not_converged"][mc]))
    inside = int(np.sum(table["in_omega"][mc]))
    claims.append(Claim.check(
        "Theorem 5: every run started in Omega converges to w*",
        ok=bad == 0,
        measured=f"{bad} of {inside} runs in Omega did not converge",
        threshold="0",
        justification=(f"Eqn 6 integrated (Dormand-Prince 5(4), rtol 1e-6) to t = {p.t_max:g}; "
                       f"converged = entered the trap |w - w*| < {TRAP_RADIUS}, J < min J on "
                       "its boundary (forward invariant; certificate independent of Omega). "
                       "Rule: exact on the runs drawn (each run's convergence is certified, a "
                       "single one that is not is a counterexample): PASS or FAIL, never "
                       "UNDECIDED"),
        value=float(bad)))

    # Converged fraction >= P(Omega): one-sided exact binomial tests per cell, Bonferroni.
    claims.append(converged_claim(p, table, mc))

    # The measured convergence rate itself (not a claim of the paper beyond the bound). Stated
    # as reproduced only where every cell's Wilson lower bound clears Theorem 6's (1 - eps)/2.
    total = int(np.sum(table["converged"][mc]))
    lo, hi = wilson_interval(total, n * mc.size, p.level)
    e_cells = np.flatnonzero(kind == "eps")
    lowest = e_cells[np.argmin(table["conv_rate"][e_cells])]
    t_slow = table["t_conv_max"][mc]
    slowest = f"{np.max(t_slow[np.isfinite(t_slow)]):.1f}" if total else "-"
    bounded = mc[np.isfinite(table["bound"][mc])]  # cells with eps <= 1
    slack = table["conv_low"][bounded] - table["bound"][bounded]
    tight = bounded[np.argmin(slack)]
    below = bounded[slack < 0]
    # refuted only where the whole interval is below the bound; an interval that straddles it
    # decides nothing (issue 31: too few samples is not a counterexample)
    refuting = bounded[table["conv_high"][bounded] < table["bound"][bounded]]
    pct = f"{100 * p.level:g} %"
    if below.size == 0:
        statement = (f"paper: >= (1 - eps)/2; reproduced: the {pct} Wilson lower bound of the "
                     f"rate clears (1 - eps)/2 in all {bounded.size} cells, by at least "
                     f"{slack.min():.4f} (at {_where(table, tight)})")
    elif refuting.size:
        statement = (f"paper: >= (1 - eps)/2; NOT reproduced: the {pct} Wilson upper bound of "
                     f"the rate is below (1 - eps)/2 in {refuting.size} of {bounded.size} "
                     f"cells (the lower bound in {below.size}), worst by {-slack.min():.4f} at "
                     f"{_where(table, tight)}")
    else:
        statement = (f"paper: >= (1 - eps)/2; undecided: the {pct} Wilson interval of the rate "
                     f"contains (1 - eps)/2 in {below.size} of {bounded.size} cells (no cell "
                     f"below it), worst lower bound {-slack.min():.4f} under it at "
                     f"{_where(table, tight)}; more --samples would decide")
    claims.append(Claim.report(
        "Convergence rate of Eqn 6 from B_r",
        measured=(f"{total} of {n * mc.size} runs converge ({total / (n * mc.size):.5f}, "
                  f"{pct} CI [{lo:.5f}, {hi:.5f}]); lowest cell "
                  f"{table['conv_rate'][lowest]:.4f} at {_where(table, lowest)}; slowest "
                  f"t = {slowest}"),
        statement=statement,
        justification=("per-cell Wilson intervals against Theorem 6's bound (a statement per "
                       "cell, not a test: reproduced when every lower bound clears it, NOT "
                       "reproduced when an upper bound is below it, undecided otherwise); "
                       "Theorem 6 only counts Omega, and in the plane the "
                       "angle to w* decreases unless it is pi, so almost every start converges"),
        value=total / (n * mc.size)))
    return claims


def agreement_claim(p: Params, table: dict, mc: np.ndarray) -> Claim:
    """Monte Carlo P(w0 in Omega) against the exact value in the cells ``mc``, three ways.

    FAIL when more Wilson intervals miss the exact value than their exact (Poisson-binomial)
    null distribution allows at alpha; PASS when that test does not reject and every cell's
    simultaneous Wilson interval (level 1 - alpha / cells) lies within the exact value
    +- agree_tol (an equivalence test); UNDECIDED otherwise, with the samples that would shrink
    the widest interval into the margin.
    """
    P, n = table["p_omega_exact"][mc], p.samples
    misses = int(np.sum(table["wilson_miss"][mc] == "true"))
    q = score_miss_probability(P, n, p.level)
    pval = poisson_binomial_sf(q, misses)
    ends = np.array([wilson_interval(int(k), n, 1 - p.alpha / mc.size)
                     for k in table["in_omega"][mc]])
    far = np.maximum(P - ends[:, 0], ends[:, 1] - P)
    refuted = pval < p.alpha
    verdict = three_way(not refuted and bool(np.all(far <= p.agree_tol)), refuted)
    worst = mc[np.argmax(far)]
    measured = (f"{misses} of {mc.size} Wilson {100 * p.level:g} % intervals miss "
                f"(expected {q.sum():.2f}); P(>= {misses} misses) = {pval:.3g}; every cell's "
                f"P_MC within {far.max():.3g} of the exact value (simultaneous "
                f"{100 * (1 - p.alpha):g} % Wilson intervals; widest at {_where(table, worst)})")
    if verdict == UNDECIDED:
        level = 1 - p.alpha / mc.size
        need = max(samples_to_agree(k / n, P_c, n, level, p.agree_tol)
                   for k, P_c in zip(table["in_omega"][mc], P, strict=True))
        measured += "; " + decide_text([(need, "samples per cell (--samples)")])
    return Claim.decide(
        "Monte Carlo P(w0 in Omega) agrees with the exact value", verdict, measured,
        threshold=(f"pass: no rejection and every cell within +- {p.agree_tol:g}; "
                   f"fail: P(>= misses) < {p.alpha:g}"),
        justification=(f"{n} uniform d-ball samples per cell, independent cells; the number of "
                       "misses of correct intervals is Poisson-binomial with each cell's exact "
                       "miss probability (Wilson = inverted score test, summed from the "
                       "binomial pmf). Rule: FAIL when the misses are too many at alpha "
                       "(refuted), PASS when they are not and every cell's Wilson interval at "
                       f"1 - alpha/{mc.size} lies within the exact value +- {p.agree_tol:g} "
                       "(an equivalence test), UNDECIDED otherwise, with the samples at which "
                       "every interval would fit the margin (they shrink like 1/sqrt(samples))"),
        value=pval)


def _pvalue(x: float) -> str:
    """A p-value as claim text, "p = 0.141" or "p < 1e-300" (one below the smallest double is
    not 0)."""
    return f"p = {x:.3g}" if x >= 1e-300 else "p < 1e-300"


def samples_to_agree(phat: float, P: float, n: int, level: float, tol: float,
                     limit: float = 1e9) -> float:
    """The fewest samples at which the Wilson interval (``level``) of a fraction ``phat`` lies
    within P +- tol, the fraction staying at ``phat`` (the counts rounded): at least n + 1;
    ``inf`` when |phat - P| >= tol (no size does) or beyond ``limit``."""
    if abs(phat - P) >= tol:
        return math.inf

    def fits(m: int) -> bool:
        lo, hi = wilson_interval(round(phat * m), m, level)
        return P - lo <= tol and hi - P <= tol

    lo, hi = n, n + 1
    while not fits(hi):  # the interval narrows as m grows: double, then bisect
        if hi > limit:
            return math.inf
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    return float(hi)


def converged_claim(p: Params, table: dict, mc: np.ndarray) -> Claim:
    """Converged fraction >= P(w0 in Omega) in the cells ``mc``, three ways by exact one-sided
    binomial tests (Bonferroni over the cells).

    FAIL when a cell's count shows the fraction below P(Omega) (P(Bin(n, P) <= k) small);
    PASS when every cell's count shows it above (P(Bin(n, P) >= k) small: the fraction
    exceeds P(Omega) at the level, as Omega inside the basin means); UNDECIDED otherwise, with
    the samples at which the closest cell's gap would be resolved.
    """
    from scipy import stats  # imported here: slow to import

    P, n = table["p_omega_exact"][mc], p.samples
    k_conv = table["converged"][mc]
    below = stats.binom.cdf(k_conv, n, P)  # small: fewer converge than P(Omega) allows
    above = stats.binom.sf(k_conv - 1, n, P)  # small: more converge than P(Omega)
    refuted = bool(below.min() * mc.size < p.alpha)
    verdict = three_way(not refuted and bool(above.max() * mc.size < p.alpha), refuted)
    worst = mc[np.argmin(below)]
    closest = int(np.argmax(above))
    measured = (f"min p = {below.min():.3g} at {_where(table, worst)} (rate "
                f"{table['conv_rate'][worst]:.4f} vs exact {table['p_omega_exact'][worst]:.4f}); "
                f"rate above P(Omega) in every cell: max {_pvalue(above.max())} at "
                f"{_where(table, mc[closest])}")
    if verdict == UNDECIDED:
        z = stats.norm.ppf(1 - p.alpha / mc.size)
        gap = abs(k_conv[closest] / n - P[closest])
        half = z * np.sqrt(P[closest] * (1 - P[closest]) / n)
        measured += "; " + decide_text([(size_to_decide(n, half, gap),
                                         "samples per cell (--samples)")])
    return Claim.decide(
        "Converged fraction >= P(w0 in Omega) (Omega in the basin)", verdict, measured,
        threshold=(f"Bonferroni over {mc.size} cells: pass: max p(above) < {p.alpha:g}/"
                   f"{mc.size}; fail: min p(below) < {p.alpha:g}/{mc.size}"),
        justification=("exact one-sided binomial tests per cell, p(below) = P(Binomial(n, P) "
                       "<= converged), p(above) = P(Binomial(n, P) >= converged). Rule: FAIL "
                       "when a cell's fraction is below P(Omega) at the level (refuted), PASS "
                       "when every cell's is above it at the level, UNDECIDED otherwise (a gap "
                       "of g is resolved near n = (z sqrt(P (1 - P)) / g)^2); a size that "
                       "could never decide it is refused (Params.least_samples)"),
        value=float(below.min()))
