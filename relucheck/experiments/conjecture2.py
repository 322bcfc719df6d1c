"""Conjecture 2 (Section 6): from Theorem 7's start plus noise, does gradient descent reach w*?

Teacher W* = [I_K 0], a = a* = 1; start w_j^0 = x0 w*_j + y0 sum_{l != j} w*_l + eps_j with
eps_j ~ N(0, (sigma^2 / d) I_d) and (x0, y0) in Omega = {0 < x <= 1, 0 <= y < x}
(docs/math.md section 12). Descent, endpoint classes and families are the census's (section 9).
Per cell (K, x0, y0, sigma): the share of runs reaching w* with a Wilson interval, the count of
every other class and the spurious families reached, and a sample of runs re-descended with a
quarter of the step. The spurious minima of every cell where the conjecture fails are proved.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from relucheck import proofs
from relucheck.descent.distributed import train_batches
from relucheck.descent.endpoints import CLASSES, MINIMUM, TEACHER, TEACHER_TOL, classify_runs
from relucheck.descent.symmetry import find_families, symmetric_distance
from relucheck.descent.train import DescentConfig, Runs, train
from relucheck.experiments.params import check, check_fields, param
from relucheck.result import Claim, Result
from relucheck.runtime import cluster
from relucheck.runtime.memory import F8
from relucheck.runtime.progress import Progress, null_progress
from relucheck.sampling.seeding import keyed_rng
from relucheck.sampling.starts import symmetric_start
from relucheck.sampling.stats import wilson_interval
from relucheck.theory.gradient import population_loss

if TYPE_CHECKING:
    from relucheck.proofs.minimum.proof import Proof

STEM = "conjecture2"
#: A cell's verdicts (column ``verdict``).
SAFE, FAILS, OPEN, STEP_DEPENDENT = "reaches", "fails", "open", "step-dependent"


@dataclass(frozen=True)
class Params:
    """A Conjecture 2 sweep: cells (K, x0, y0 = ratio x0, sigma)."""

    K: tuple[int, ...] = param((2, 4, 6, 8, 10, 12, 20), many=True, min=2, max=64,
                               distinct=True)
    x0: tuple[float, ...] = param((1e-3, 0.1, 1.0), kind=float, many=True, min=0, max=1,
                                  min_open=True, distinct=True, why="Omega: 0 < x0 <= 1")
    # y0 = ratio x0: 0 is the edge y0 = 0, 0.99 next to the diagonal x0 = y0
    ratio: tuple[float, ...] = param((0.0, 0.5, 0.99), kind=float, many=True, min=0, max=1,
                                     max_open=True, distinct=True,
                                     why="Omega: 0 <= y0 = ratio x0 < x0")
    sigma: tuple[float, ...] = param((0.0, 0.01, 0.1, 1.0), kind=float, many=True, min=0,
                                     distinct=True)
    d: int | None = param(None, min=2, optional=True)  # None: d = K; else W* = [I_K 0] in R^d
    # runs per cell with sigma > 0 (a sigma = 0 cell is one deterministic run)
    runs: int = param(48, min=1)
    first_look: int = param(12, min=1)  # runs after which a cell shown to fail stops
    safe_at: float = param(0.9, kind=float, min=0, max=1, min_open=True, max_open=True)
    fails_below: float = param(0.5, kind=float, min=0, max=1, min_open=True, max_open=True)
    # of the whole two-look design (each look at 1 - (1 - level) / 2)
    level: float = param(0.95, kind=float, min=0.5, max=1, min_open=True, max_open=True)
    step_check: int = param(1, min=0)  # runs per cell descended again with lr / 4
    lr: float = param(0.1, kind=float, min=0, min_open=True)
    gtol: float = param(1e-9 / (2 * math.pi), kind=float, min=0, min_open=True)
    max_iters: int = param(200_000, min=1)
    polish_tol: float = param(1e-3, kind=float, min=0)
    teacher_tol: float = param(TEACHER_TOL, kind=float, min=0, max=1, min_open=True,
                               max_open=True)
    certify: bool = True  # prove the spurious minima reached in failing cells
    prec: int = param(64, min=53, max=4096, expected="an integer in [53, 4096]")
    workers: int = param(0, min=0, max=1024)  # threads; 0: one per core
    scheduler: str | None = param(None, kind=str, optional=True)

    def memory_bytes(self) -> tuple[int, str]:
        """Peak memory (bytes) and its driver: every run of one K at once (start, end and a few
        working copies, 8 K d floats a run) and about 1.5 KB of table rows for every run of
        the sweep, kept until the tables are written (measured: 3.8 GB for K = 2..12 on the
        full grid of docs/commands/conjecture2.md at 1000 runs, 1.32 million runs)."""
        cells = len(self.x0) * len(self.ratio) * len(self.sigma)
        worst = max(F8 * 8 * self.runs * cells * k * (self.d or k) for k in self.K)
        return worst + 1536 * self.runs * cells * len(self.K), "runs"

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range (before any work)."""
        check_fields(self)
        check([
            (self.d is None or self.d >= max(self.K), "d",
             "at least the largest K (the teacher's rows are orthonormal)"),
            (self.first_look <= self.runs, "first_look", "at most runs"),
            (self.fails_below <= self.safe_at, "safe_at", "at least fails_below"),
        ])
        if self.scheduler is not None:
            cluster.check_option(self.scheduler)
        if self.certify and not proofs.flint_available():
            raise ValueError(f"certify: {proofs.FLINT_HINT}")

    @property
    def descent(self) -> DescentConfig:
        return DescentConfig(lr=self.lr, gtol=self.gtol, max_iters=self.max_iters,
                       polish_tol=self.polish_tol)

    @property
    def look_level(self) -> float:
        """The level of each of the two looks (Bonferroni: the design keeps ``level``)."""
        return 1 - (1 - self.level) / 2


#: --quick: small, and with a cell that fails (K = 12 from (0.1, 0.05) at sigma = 1: 2 of its
#: first 12 runs reach w*), so that the proof path runs too.
QUICK = dict(K=(2, 12), x0=(0.1, 1.0), ratio=(0.0, 0.5), sigma=(0.0, 1.0), runs=24,
             first_look=12)


@dataclass(frozen=True)
class Cell:
    K: int
    d: int
    x0: float
    y0: float
    sigma: float

    @property
    def exact(self) -> bool:
        """sigma = 0: one deterministic run decides the cell."""
        return self.sigma == 0


def cells_of(p: Params, K: int) -> list[Cell]:
    d = p.d or K
    return [Cell(K, d, float(x0), float(r * x0), float(s))
            for s, x0, r in itertools.product(p.sigma, p.x0, p.ratio)]


def starts(p: Params, cell: Cell, rng: np.random.Generator) -> np.ndarray:
    """The cell's starts (runs, K, d), from a stream keyed by the cell: run r is the same for any
    --runs >= r and whatever other cells run."""
    W_star = np.eye(cell.K, cell.d)
    if cell.exact:
        return symmetric_start(W_star, cell.x0, cell.y0, 0.0, 1, rng)
    g = keyed_rng(rng, "conjecture2", cell.K, cell.d, cell.x0, cell.y0, cell.sigma)
    return symmetric_start(W_star, cell.x0, cell.y0, cell.sigma, p.runs, g)


@dataclass
class _Runs:
    """Every run of one K: its cell, start and where it ended."""

    cell: list[int]
    W0: list[np.ndarray]
    W: list[np.ndarray]
    cls: list[np.ndarray]
    loss: list[np.ndarray]
    iterations: list[np.ndarray]
    lam_min: list[np.ndarray]
    lam_err: list[np.ndarray]

    def stacked(self):
        return tuple(np.concatenate(x) for x in (self.cell, self.W0, self.W, self.cls,
                                                 self.loss, self.iterations, self.lam_min,
                                                 self.lam_err))


def _descend(p: Params, W0: np.ndarray, W_star: np.ndarray, cfg: DescentConfig, client, bar
             ) -> tuple[Runs, np.ndarray]:
    """Descend and classify a batch of runs of one K (in process, or on a dask cluster)."""
    K = W_star.shape[0]
    if client is None:
        out = train(W0, W_star, cfg=cfg, workers=p.workers, progress=_Forward(bar),
                    desc=f"K={K}")
    else:
        out, = train_batches(client, [(W0, W_star)], cfg, kind="conjecture2-descent",
                             progress=_Forward(bar))
    ends, _ = classify_runs(out.W, out.a, out.status, W_star, np.ones(K),
                            population_loss(W0, W_star), teacher_tol=p.teacher_tol,
                            gtol=cfg.gtol, workers=p.workers)
    return out, ends


class _Forward:
    """A progress factory for :func:`train` that advances the sweep's own bar."""

    def __init__(self, bar) -> None:
        self.bar = bar

    def __call__(self, total: int, desc: str):
        return contextlib.nullcontext(self.bar)


def run(p: Params, rng: np.random.Generator, progress: Progress = null_progress) -> Result:
    p.validate()
    per_K = [cells_of(p, K) for K in p.K]
    total = sum(1 if c.exact else p.runs for cs in per_K for c in cs)
    rows, reached_rows, fam_rows, run_rows, to_prove = [], [], [], [], []
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        with progress(total, "conjecture2") as bar:
            for K, cells in zip(p.K, per_K, strict=True):
                _sweep_K(p, K, cells, rng, client, bar, rows, reached_rows, fam_rows, run_rows,
                         to_prove)
        proofs = _prove(p, to_prove, progress, client) if p.certify else []
    tables = {"main": _columns(rows), "reached": _columns(reached_rows, REACHED_COLUMNS),
              "families": _columns(fam_rows, FAMILY_COLUMNS),
              "runs": _columns(run_rows, RUN_COLUMNS)}
    documents = {}
    if p.certify:
        _certify_columns(tables["families"], to_prove, proofs)
        certs = _certificates(to_prove, proofs)
        if certs:
            documents["certificates"] = certs
    params = asdict(p)
    params["gtol_times_2pi"] = p.gtol * 2 * math.pi
    return Result(STEM, tables, claims(p, tables), params, documents=documents)


def _sweep_K(p: Params, K: int, cells: list[Cell], rng, client, bar, rows, reached_rows,
             fam_rows, run_rows, to_prove) -> None:
    """Every cell of one K: two looks, the step check, families, and the rows of each table."""
    d = cells[0].d
    W_star = np.eye(K, d)
    S = [starts(p, c, rng) for c in cells]
    done = _Runs([], [], [], [], [], [], [], [])
    # look 1: a sigma = 0 cell's one run, and the first runs of every other cell
    first = [s[:1] if c.exact else s[:p.first_look] for c, s in zip(cells, S, strict=True)]
    _add(p, done, first, range(len(cells)), W_star, p.descent, client, bar)
    cell_of, *_ = done.stacked()
    more = [i for i, c in enumerate(cells) if not c.exact and p.first_look < p.runs
            and not _fails(p, np.concatenate(done.cls)[cell_of == i])]
    bar.update(sum(p.runs - p.first_look for i, c in enumerate(cells)
                   if not c.exact and i not in more))
    # look 2: the remaining runs of every cell not yet shown to fail
    _add(p, done, [S[i][p.first_look:] for i in more], more, W_star, p.descent, client, bar)
    stacked = done.stacked()
    order = np.lexsort((np.arange(stacked[0].size), stacked[0]))  # cell by cell, runs in order
    cell_of, W0, W, cls, loss, iters, lam_min, lam_err = (x[order] for x in stacked)
    run_no = np.concatenate([np.arange(np.sum(cell_of == i)) for i in range(len(cells))])
    # the flow, not the step: the first runs of every cell again with a quarter of the step
    checked = (run_no < p.step_check)
    if checked.any():
        fine = replace(p.descent, lr=p.lr / 4, max_iters=4 * p.max_iters)
        _, ends4 = _descend(p, W0[checked], W_star, fine, client, _NoBar())
        agree = np.ones(cell_of.size, dtype=bool)
        agree[checked] = ends4.cls == cls[checked]
    else:
        agree = np.ones(cell_of.size, dtype=bool)
    fams = find_families(W, W_star, loss, cls)
    spurious = {int(f): int(r) for f, c, r in
                zip(fams.ids, fams.cls, fams.representative, strict=True) if c == MINIMUM}
    verdicts = {}
    for i, c in enumerate(cells):
        mine = cell_of == i
        row = _cell_row(p, c, cls[mine], iters[mine], checked[mine], agree[mine],
                        fams.family[mine], spurious)
        rows.append(row)
        verdicts[i] = row["verdict"]
        for f in sorted(set(fams.family[mine & (cls == MINIMUM)].tolist())):
            reached_rows.append(dict(K=K, x0=c.x0, y0=c.y0, sigma=c.sigma, family=int(f),
                                     count=int(np.sum(mine & (fams.family == f)))))
    for r in range(cell_of.size):
        c = cells[cell_of[r]]
        run_rows.append(dict(K=K, x0=c.x0, y0=c.y0, sigma=c.sigma, run=int(run_no[r]),
                             cls=str(cls[r]), family=int(fams.family[r]), loss=float(loss[r]),
                             iterations=int(iters[r])))
    failing = {i for i, v in verdicts.items() if v == FAILS}
    for f, rep in spurious.items():
        members = np.flatnonzero(fams.family == f)
        in_failing = sorted({int(cell_of[m]) for m in members} & failing)
        fam_rows.append(dict(K=K, d=d, family=f, loss=float(loss[rep]),
                             lambda_min=float(lam_min[rep]), lambda_err=float(lam_err[rep]),
                             count=int(members.size), cells=len({int(cell_of[m])
                                                                 for m in members}),
                             failing_cells=len(in_failing)))
        if p.certify and in_failing:
            dist = np.array([symmetric_distance(W[m], W[rep], K) for m in members])
            to_prove.append((K, K, d, f, W[rep].copy(), dist))


class _NoBar:
    def update(self, n: int) -> None:
        pass


def _add(p: Params, done: _Runs, batches: list[np.ndarray], owners, W_star, cfg, client,
         bar) -> None:
    """Descend the batches (one per cell in ``owners``) as one batch and record them."""
    owners = list(owners)
    if not owners:
        return
    W0 = np.concatenate(batches)
    out, ends = _descend(p, W0, W_star, cfg, client, bar)
    done.cell.append(np.repeat(owners, [len(b) for b in batches]))
    done.W0.append(W0)
    done.W.append(out.W)
    done.cls.append(ends.cls.astype(str))
    done.loss.append(ends.loss)
    done.iterations.append(out.iterations)
    done.lam_min.append(ends.lam_min)
    done.lam_err.append(ends.lam_err)


def _fails(p: Params, cls: np.ndarray) -> bool:
    """At a look: is the share reaching w* shown below ``fails_below``?"""
    _, hi = wilson_interval(int(np.sum(cls == TEACHER)), cls.size, p.look_level)
    return hi < p.fails_below


def _cell_row(p: Params, c: Cell, cls, iters, checked, agree, family, spurious) -> dict:
    R = cls.size
    reached = int(np.sum(cls == TEACHER))
    if c.exact:  # one deterministic run: the share is exact
        lo = hi = float(reached)
    else:
        lo, hi = wilson_interval(reached, R, p.look_level)
    if np.any(checked & ~agree):
        verdict = STEP_DEPENDENT
    elif lo >= p.safe_at:
        verdict = SAFE
    elif hi < p.fails_below:
        verdict = FAILS
    else:
        verdict = OPEN
    row = dict(K=c.K, d=c.d, x0=c.x0, y0=c.y0, sigma=c.sigma, runs=R, reached=reached,
               share=reached / R, share_lo=lo, share_hi=hi)
    row.update({k: int(np.sum(cls == k)) for k in CLASSES if k != TEACHER})
    row.update(families=len(set(family[cls == MINIMUM].tolist()) & set(spurious)),
               step_checked=int(checked.sum()), step_agree=int((checked & agree).sum()),
               median_iterations=float(np.median(iters)), verdict=verdict)
    return row


MAIN_COLUMNS = ("K", "d", "x0", "y0", "sigma", "runs", "reached", "share", "share_lo",
                "share_hi", *(k for k in CLASSES if k != TEACHER), "families", "step_checked",
                "step_agree", "median_iterations", "verdict")
REACHED_COLUMNS = ("K", "x0", "y0", "sigma", "family", "count")
FAMILY_COLUMNS = ("K", "d", "family", "loss", "lambda_min", "lambda_err", "count", "cells",
                  "failing_cells")
RUN_COLUMNS = ("K", "x0", "y0", "sigma", "run", "cls", "family", "loss", "iterations")
CERTIFY_COLUMNS = ("certified", "radius", "loss_lo", "loss_hi", "lambda_min_lo", "in_box",
                   "certify_note")


def _columns(rows: list[dict], names=MAIN_COLUMNS) -> dict[str, np.ndarray]:
    table = {c: np.array([r[c] for r in rows]) for c in names}
    if "cls" in table:
        table["class"] = table.pop("cls")
    return table


def _prove(p: Params, to_prove: list[tuple], progress, client) -> list[Proof]:
    # python-flint: only to prove
    from relucheck.proofs.minimum.proof import prove_minima

    return prove_minima([(W, np.eye(k, d), dist.max()) for k, _, d, _, W, dist in to_prove],
                        prec=p.prec, workers=p.workers, progress=progress, client=client,
                        kind="conjecture2-proof")


def _certify_columns(fam: dict, to_prove: list[tuple], proofs: list[Proof]) -> None:
    by_key = {(k, f): (pr, dist) for (k, _, _, f, _, dist), pr in
              zip(to_prove, proofs, strict=True)}
    cols: dict[str, list] = {c: [] for c in CERTIFY_COLUMNS}
    for K, f in zip(fam["K"], fam["family"], strict=True):
        pr, dist = by_key.get((int(K), int(f)), (None, None))
        if pr is None:
            row = (0, math.nan, math.nan, math.nan, math.nan, 0,
                   "not attempted: reached in no failing cell")
        else:
            ok = pr.ok and pr.loss_lo > 0
            note = "proved" if ok else (f"{pr.step}: {pr.reason}" if not pr.ok
                                        else "loss_lo <= 0: not proved spurious")
            row = (int(ok), pr.radius, pr.loss_lo, pr.loss_hi, pr.lambda_min_lo,
                   int(np.sum(dist <= pr.radius)) if ok else 0, note)
        for col, v in zip(CERTIFY_COLUMNS, row, strict=True):
            cols[col].append(v)
    for col, v in cols.items():
        fam[col] = np.array(v, dtype=object if col == "certify_note" else None)


def _certificates(to_prove: list[tuple], proofs: list[Proof]) -> dict | None:
    from relucheck.proofs.minimum import certificate as mc

    certs = [mc.certificate(k, n, d, f, mc.SPURIOUS, W, np.eye(k, d), np.ones(n), np.ones(k),
                            pr)
             for (k, n, d, f, W, _), pr in zip(to_prove, proofs, strict=True)
             if pr.ok and pr.loss_lo > 0]
    return mc.document(certs) if certs else None


# --- verdicts ----------------------------------------------------------------------------


def _grid_problems(p: Params, main: dict) -> list[str]:
    """Cells of the grid missing from the table, or present twice: the verdicts speak for the
    grid only when the table holds every cell once."""
    have = {}
    for i in range(main["K"].size):
        key = (int(main["K"][i]), float(main["x0"][i]), float(main["y0"][i]),
               float(main["sigma"][i]))
        have[key] = have.get(key, 0) + 1
    out = []
    for K in p.K:
        for c in cells_of(p, K):
            n = have.pop((c.K, c.x0, c.y0, c.sigma), 0)
            if n != 1:
                out.append(f"K={c.K} x0={c.x0:g} y0={c.y0:g} sigma={c.sigma:g}: "
                           f"{'missing' if n == 0 else f'{n} rows'}")
    out += [f"K={k[0]} x0={k[1]:g} y0={k[2]:g} sigma={k[3]:g}: not in the grid" for k in have]
    return out


def safe_sigma(p: Params, main: dict) -> dict[int, float | None]:
    """Per K, the largest sigma of the grid up to which every cell (every sigma' <= sigma and
    every (x0, y0)) reaches w* with probability >= safe_at; None when not even sigma = 0 does."""
    out = {}
    for K in p.K:
        best = None
        for s in sorted(p.sigma):
            mine = (main["K"] == K) & (main["sigma"] == s)
            if mine.sum() != len(p.x0) * len(p.ratio) or np.any(main["verdict"][mine] != SAFE):
                break
            best = s
        out[K] = best
    return out


def claims(p: Params, t: dict) -> list[Claim]:
    """The claims of a sweep, from its tables alone."""
    main, fam = t["main"], t["families"]
    problems = _grid_problems(p, main)
    out = [Claim.check(
        "the table decides every cell of the grid once", not problems,
        f"{main['K'].size} cells" + ("; " + "; ".join(problems[:5]) if problems else ""),
        "every (K, x0, y0, sigma) of the grid, once",
        "a verdict about the grid needs every cell: a missing cell could be one that fails")]
    exact = main["sigma"] == 0
    bad = [f"K={main['K'][i]} x0={main['x0'][i]:g} y0={main['y0'][i]:g}: "
           f"{_ended(main, i)}" for i in np.flatnonzero(exact & (main["reached"] != 1))]
    if exact.any():
        out.append(Claim.check(
            "Theorem 7 (1): sigma = 0 reaches w* from every (x0, y0) of the grid", not bad,
            f"{int(np.sum(exact)) - len(bad)} of {int(np.sum(exact))} starts reach w*"
            + ("; " + "; ".join(bad) if bad else ""),
            "every start", f"Theorem 7 (1); descent at lr = {p.lr:g} with the census's rule, "
            f"and at lr/4 on the same start (step agreement below)"))
    safe = safe_sigma(p, main)
    text = "; ".join(f"K={K}: " + ("none" if s is None else f"sigma <= {s:g}")
                     for K, s in safe.items())
    out.append(Claim.report(
        "largest noise at which every start of the grid reaches w* (P >= "
        f"{p.safe_at:g}, lower Wilson bound)", text,
        "Conjecture 2: converges to w* with high probability from noisy symmetric starts",
        f"two looks ({p.first_look} then {p.runs} runs), each at level {p.look_level:g}, so "
        f"the design keeps {p.level:g}; sigma = 0 cells are one deterministic run"))
    fails = np.flatnonzero(main["verdict"] == FAILS)
    fails_text = "; ".join(
        f"K={main['K'][i]} x0={main['x0'][i]:g} y0={main['y0'][i]:g} sigma={main['sigma'][i]:g}"
        f": {main['reached'][i]}/{main['runs'][i]}" for i in fails)
    out.append(Claim.report(
        f"cells where the conjecture fails (P(reach w*) < {p.fails_below:g}, upper Wilson "
        "bound)", f"{fails.size} of {main['K'].size} cells" + (": " + fails_text
                                                                if fails.size else ""),
        "Conjecture 2 fails in these cells, for the reading of the noise in docs/math.md "
        "section 12", "runs there end at spurious local minima (proved: below)"))
    checked, agree = int(main["step_checked"].sum()), int(main["step_agree"].sum())
    dep = int(np.sum(main["verdict"] == STEP_DEPENDENT))
    out.append(Claim.report(
        "the flow, not the step: endpoint class at lr/4 = at lr", f"{agree} of {checked} "
        f"sampled runs agree; {dep} cells step-dependent (not counted)",
        "Eqn 8 is a flow; descent stands for it where the class does not depend on the step",
        f"the first {p.step_check} runs of every cell re-descended with lr/4, 4x max_iters"))
    if p.certify and "certified" in fam:
        need = fam["failing_cells"] > 0
        proved = need & (fam["certified"] == 1)
        missing = [f"K={fam['K'][i]} family {fam['family'][i]}: {fam['certify_note'][i]}"
                   for i in np.flatnonzero(need & ~proved)]
        out.append(Claim.check(
            "every spurious minimum reached in a failing cell is a strict local minimum "
            "(interval proof)", not missing,
            f"{int(proved.sum())} of {int(need.sum())} families proved"
            + ("; FAILED: " + "; ".join(missing) if missing else ""), "every family",
            "the census's proof (Krawczyk and a Gershgorin bound after eigen-rotation, arb); "
            "certificates in conjecture2_certificates.json, re-checked by relucheck "
            "check-minimum"))
    return out


def _ended(main: dict, i: int) -> str:
    counts = [f"{main[k][i]} {k}" for k in CLASSES if k != TEACHER and main[k][i]]
    return ", ".join(counts) or "no endpoint"
