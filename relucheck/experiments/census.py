"""Census: where gradient descent on the population loss ends, for teachers W* = [I_k 0] of k
units and students of n = k + e units (Safran and Shamir's setting; Figure 9's question).

Every endpoint is classified by the analytic Hessian and grouped into families up to the
problem's symmetry; the claims check Eqn 8 and the Hessians at every family's representative.
The setting, the starts and every check: docs/commands/census.md.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from relucheck.descent.distributed import train_batches
from relucheck.descent.endpoints import (
    CLASSES,
    MINIMUM,
    NOT_CONVERGED,
    TEACHER,
    TEACHER_TOL,
    classify_runs,
)
from relucheck.descent.network import Network
from relucheck.descent.symmetry import find_families, isotropy, symmetric_distance
from relucheck.descent.train import DescentConfig, gradient, train
from relucheck.experiments.params import check, check_fields, param
from relucheck.finite_differences import fd_derivatives, fd_hessian
from relucheck.result import Claim, Result, below
from relucheck.runtime import cluster
from relucheck.runtime.memory import F8
from relucheck.runtime.progress import Progress, null_progress
from relucheck.sampling.seeding import keyed_rng
from relucheck.sampling.stats import wilson_interval
from relucheck.theory.gradient import gradient_K, population_loss
from relucheck.theory.hessian import population_hessian

if TYPE_CHECKING:
    from relucheck.proofs.minimum.proof import Proof

STEM = "census"
INITS = ("xavier", "tian")


def parse_init(value: str) -> str:
    """``init``: xavier, tian, or the path of a .npy file of starts (ValueError otherwise)."""
    v = str(value)
    if v in INITS or v.endswith(".npy"):
        return v
    raise ValueError(f"{v!r} is not one of {', '.join(INITS)} or a FILE.npy")

#: Safran and Shamir's rule: an endpoint with J >= SS_LOSS is spurious.
SS_LOSS = 1e-3


@dataclass(frozen=True)
class Params:
    """A census: cells (k, n = k + e) for every teacher size k in ``ks`` and e in ``extra``."""

    # teacher sizes k (W* = [I_k 0]): the option --K, and "K" in the recorded parameters
    ks: tuple[int, ...] = param(tuple(range(4, 13)), many=True, min=1, max=64, distinct=True,
                                option="--K")
    extra: tuple[int, ...] = param((0, 1), many=True, min=0, max=64, distinct=True)
    # xavier, tian or the path of a .npy file of starts (runs, n, d)
    init: str = param("xavier", kind=str, parser=parse_init,
                      expected=f"one of {INITS} or a .npy file")
    noise: float = param(1.0, kind=float, min=0)  # tian start: eps ~ N(0, (1e-3 noise)^2)
    runs: int = param(200, min=1)
    lr: float = param(0.1, kind=float, min=0, min_open=True)
    # Safran and Shamir's 1e-9 on 2 pi grad J
    gtol: float = param(1e-9 / (2 * math.pi), kind=float, min=0, min_open=True)
    max_iters: int = param(200_000, min=1)
    d: int | None = param(None, min=1, optional=True)  # None: d = k; else W* = [I_k 0] in R^d
    workers: int = param(0, min=0, max=1024)  # threads; 0: one per core
    # Newton polishing is tried below this gradient (0: never)
    polish_tol: float = param(1e-3, kind=float, min=0)
    teacher_tol: float = param(TEACHER_TOL, kind=float, min=0, max=1, min_open=True,
                               max_open=True)
    level: float = param(0.95, kind=float, min=0.5, max=1, min_open=True,
                         max_open=True)  # Wilson intervals
    certify: bool = False  # prove every spurious family (and the n = k global minimum)
    # arb precision of the proofs (bits)
    prec: int = param(64, min=53, max=4096, expected="an integer in [53, 4096]")
    # dask.distributed: local:N, tcp://HOST:PORT or a file
    scheduler: str | None = param(None, kind=str, optional=True)

    def memory_bytes(self) -> tuple[int, str]:
        """Peak memory estimate (bytes) and the option that drives it: per cell the runs'
        states (start, end, a few working copies: 8 n d floats a run), about 1 KB a run of
        table rows, and the Hessians of a classification batch (8 MB, or one (n d)^2 Hessian)
        per worker."""
        R = self.runs if self.init in INITS else 1
        worst, driver = 0, "runs"
        for k in self.ks:
            for e in self.extra:
                n, d = k + e, self.d or k
                need = F8 * 8 * R * n * d + 1024 * R + 4 * max(1 << 23, F8 * (n * d) ** 2)
                if need > worst:
                    worst = need
                    driver = "runs" if R * n * d >= 64 * (n * d) ** 2 else (
                        "d" if self.d else "ks")
        return worst, driver

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range (before any work)."""
        check_fields(self)
        check([(self.d is None or self.d >= max(self.ks), "d",
                "at least the largest k (the teacher's rows are orthonormal)")])
        if self.init not in INITS:
            self.starts_from_file()  # raises ValueError on a missing or ill-shaped file
        if self.scheduler is not None:
            cluster.check_option(self.scheduler)
        if self.certify:
            from relucheck import proofs

            if not proofs.flint_available():
                raise ValueError(f"certify: {proofs.FLINT_HINT}")

    def starts_from_file(self) -> np.ndarray:
        """The starts of ``init`` = FILE.npy, checked against the one cell they are for."""
        path = Path(self.init)
        if not path.is_file():
            raise ValueError(f"init: no such file {str(path)!r}")
        try:
            W0 = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"init: {path} is not a numpy .npy array ({exc})") from None
        if W0.ndim == 2:
            W0 = W0[None]
        if W0.ndim != 3 or not np.issubdtype(W0.dtype, np.number):
            raise ValueError(f"init: {path} holds {W0.shape} {W0.dtype}; expected numbers of "
                             "shape (runs, n, d) or (n, d)")
        if len(self.ks) != 1 or len(self.extra) != 1:
            raise ValueError("init: starts from a file are for one cell: give one --K and one "
                             "--extra")
        k, e = self.ks[0], self.extra[0]
        d = self.d or k
        if W0.shape[1:] != (k + e, d):
            raise ValueError(f"init: {path} holds starts of shape {W0.shape[1:]}; k = {k}, "
                             f"extra = {e}, d = {d} need ({k + e}, {d})")
        if not np.all(np.isfinite(W0)):
            raise ValueError(f"init: {path} holds non-finite values")
        return W0.astype(float)

    @property
    def descent(self) -> DescentConfig:
        return DescentConfig(lr=self.lr, gtol=self.gtol, max_iters=self.max_iters,
                       polish_tol=self.polish_tol)


QUICK = dict(ks=(4, 8), extra=(0, 1), runs=12)


def teacher(k: int, d: int) -> np.ndarray:
    """W* = [I_k 0]: k orthonormal rows in R^d (the Xavier start is rotation invariant, so this
    is every orthonormal teacher)."""
    return np.eye(k, d)


def starts(p: Params, k: int, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """The runs' initial W (runs, n, d), from a stream keyed by the cell (so a cell's starts do
    not depend on the other cells) and drawn run after run (run r is the same for any --runs
    >= r)."""
    if p.init not in INITS:
        W0 = p.starts_from_file()
        return W0
    g = keyed_rng(rng, "census", p.init, k, n, d)
    if p.init == "xavier":
        return g.standard_normal((p.runs, n, d)) / math.sqrt(d)
    W0 = 1e-3 * p.noise * g.standard_normal((p.runs, n, d))
    W0[:, :k] += 1e-3 * teacher(k, d)
    return W0


def run(p: Params, rng: np.random.Generator, progress: Progress = null_progress) -> Result:
    p.validate()
    cells = [(k, k + e, p.d or k) for k in p.ks for e in p.extra]
    file_runs = p.starts_from_file().shape[0] if p.init not in INITS else p.runs
    tab: dict[str, list] = {c: [] for c in MAIN_COLUMNS}
    runs_t: dict[str, list] = {c: [] for c in RUN_COLUMNS}
    fam_t: dict[str, list] = {c: [] for c in FAMILY_COLUMNS}
    rep_t: dict[str, list] = {c: [] for c in ("k", "n", "family", "row", "col", "value")}
    checks = dict(grad_worst=0.0, fd_worst=0.0, reps=0, minima_fd=[], global_pd=[], kinks=[])
    # (k, n, d, family, class, representative W, members' distances to it) for --certify
    to_prove: list[tuple] = []
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        tables = _run_cells(p, rng, progress, client, cells, file_runs, tab, runs_t, fam_t,
                            rep_t, checks, to_prove)
        proofs = (prove_families(to_prove, prec=p.prec, workers=p.workers, progress=progress,
                                 client=client) if p.certify else [])
    # the one place the field ks is recorded: as "K", the name of its option
    params = {("K" if name == "ks" else name): v for name, v in asdict(p).items()}
    params["gtol_times_2pi"] = p.gtol * 2 * math.pi
    return _result(p, tables, checks, to_prove, proofs, params)


def _train_all(c, p: Params, cells, W0s, progress) -> list:
    """Descent of every cell on the cluster: all cells' runs as one stream of tasks, by cell."""
    return train_batches(c, [(W0, teacher(k, d)) for (k, n, d), W0 in zip(cells, W0s,
                                                                            strict=True)],
                         p.descent, kind="census-descent", progress=progress,
                         desc="census (descent)")


def _run_cells(p: Params, rng, progress, client, cells, file_runs, tab, runs_t, fam_t, rep_t,
               checks, to_prove) -> dict:
    """Descend (in-process, or on the cluster with a dask ``client``), classify and tabulate
    every cell; fills ``checks`` and ``to_prove`` and returns the tables."""
    # on a cluster every cell's starts are sent at once; in process one cell at a time
    W0s = [starts(p, k, n, d, rng) for k, n, d in cells] if client is not None else None
    outs = _train_all(client, p, cells, W0s, progress) if client is not None else None
    with progress(len(cells) * file_runs, "census") as bar:
        for i, (k, n, d) in enumerate(cells):
            W_star = teacher(k, d)
            W0 = W0s[i] if W0s is not None else starts(p, k, n, d, rng)
            loss0 = population_loss(W0, W_star)
            if outs is None:
                out = train(W0, W_star, cfg=p.descent, workers=p.workers,
                            progress=_forward(bar), desc=f"k={k} n={n}")
            else:
                out = outs[i]
                bar.update(W0.shape[0])
            ends, _ = classify_runs(out.W, out.a, out.status, W_star, np.ones(k), loss0,
                                    teacher_tol=p.teacher_tol, gtol=p.gtol, workers=p.workers)
            checks["kinks"] += ends.kink_slope[np.isfinite(ends.kink_slope)].tolist()
            fams = find_families(out.W, W_star, ends.loss, ends.cls)
            _tally(p, tab, k, n, d, ends, fams, out)
            for r in range(W0.shape[0]):
                row = dict(k=k, n=n, run=r, cls=ends.cls[r], status=out.status[r],
                           loss=ends.loss[r], grad_norm=out.grad[r], lambda_min=ends.lam_min[r],
                           lambda_max=ends.lam_max[r], iterations=out.iterations[r],
                           polish_steps=out.polish_steps[r], family=fams.family[r])
                for c in RUN_COLUMNS:
                    runs_t[c].append(row[c])
            for f, c, rep, cnt in zip(fams.ids, fams.cls, fams.representative, fams.count,
                                      strict=True):
                members = fams.family == f
                spread = float(np.ptp(ends.lam_min[members]))
                row = dict(k=k, n=n, family=f, cls=c, loss=ends.loss[rep],
                           lambda_min=ends.lam_min[rep], lambda_max=ends.lam_max[rep],
                           lambda_err=ends.lam_err[rep], lambda_min_spread=spread, count=cnt,
                           representative=rep, grad_norm=out.grad[rep],
                           isotropy=isotropy(out.W[rep], k))
                for col in FAMILY_COLUMNS:
                    fam_t[col].append(row[col])
                for (i, j), v in np.ndenumerate(out.W[rep]):
                    for col, x in zip(rep_t, (k, n, f, i, j, v), strict=True):
                        rep_t[col].append(x)
                _check_representative(checks, out.W[rep], W_star, c, n == k)
                if p.certify and (c == MINIMUM or (c == TEACHER and n == k)):
                    # each member's endpoint, moved by the symmetry onto the representative:
                    # the proof's box is made to hold them all where it can
                    dist = np.array([symmetric_distance(out.W[r], out.W[rep], k)
                                     for r in np.flatnonzero(members)])
                    to_prove.append((k, n, d, int(f), str(c), out.W[rep].copy(), dist))
    tables = {
        "main": {c: np.array(v) for c, v in tab.items()},
        "runs": {c: np.array(v) for c, v in runs_t.items()},
        "families": {c: np.array(v) for c, v in fam_t.items()},
        "representatives": {c: np.array(v) for c, v in rep_t.items()},
    }
    for t in tables.values():
        if "cls" in t:
            t["class"] = t.pop("cls")
    return tables


def _result(p: Params, tables, checks, to_prove, proofs, params) -> Result:
    claims = _claims(p, tables, checks)
    documents, summary = {}, {}
    if p.certify:
        from relucheck.proofs.minimum import certificate as mc  # python-flint: only to prove

        claims.append(_certify_columns(tables["families"], to_prove, proofs))
        # wall times vary from run to run: in the JSON record, not in the (byte-stable) CSV
        summary["certify_seconds"] = [
            {"k": k, "n": n, "family": f, "seconds": round(pr.seconds, 3)}
            for (k, n, _, f, *_), pr in zip(to_prove, proofs, strict=True)]
        certs = [mc.certificate(k, n, d, f, mc.SPURIOUS if c == MINIMUM else mc.GLOBAL, W,
                                teacher(k, d), np.ones(n), np.ones(k), pr)
                 for (k, n, d, f, c, W, _), pr in zip(to_prove, proofs, strict=True) if pr.ok]
        if certs:
            documents["certificates"] = mc.document(certs)
    return Result(STEM, tables, claims, params, summary=summary, documents=documents)


def prove_families(tasks: list[tuple], *, prec: int, workers: int,
                   progress: Progress = null_progress, client=None) -> list[Proof]:
    """The interval proof of each (k, n, d, family, class, representative, members'
    distances) task, in a box made to hold every member where it can
    (:func:`relucheck.proofs.minimum.proof.prove_minima`)."""
    # python-flint: only to prove
    from relucheck.proofs.minimum.proof import prove_minima

    return prove_minima([(W, teacher(k, d), dist.max()) for k, _, d, _, _, W, dist in tasks],
                        prec=prec, workers=workers, progress=progress, client=client,
                        kind="census-proof")


#: Columns that --certify adds to census_families.csv.
CERTIFY_COLUMNS = ("certified", "radius", "loss_lo", "loss_hi", "lambda_min_lo", "in_box",
                   "certify_note")


def _certify_columns(fam: dict, tasks: list[tuple], proofs: list[Proof]) -> Claim:
    """Add the --certify columns to the families table; the claim that every proof holds."""
    by_key = {(k, n, f): (pr, dist)
              for (k, n, _, f, _, _, dist), pr in zip(tasks, proofs, strict=True)}
    cols: dict[str, list] = {c: [] for c in CERTIFY_COLUMNS}
    failed = []
    members = inside = 0
    for k, n, f, c in zip(fam["k"], fam["n"], fam["family"], fam["class"], strict=True):
        pr, dist = by_key.get((int(k), int(n), int(f)), (None, None))
        if pr is None:
            note = ("not attempted: with n > k the global minima are not isolated (not strict)"
                    if c == TEACHER else f"not attempted: class {c}")
            row = (0, math.nan, math.nan, math.nan, math.nan, 0, note)
        else:
            ok = pr.ok and (c != MINIMUM or pr.loss_lo > 0)
            note = "proved" if ok else (
                f"{pr.step}: {pr.reason}" if not pr.ok else "loss_lo <= 0: not proved spurious")
            if not ok:
                failed.append(f"k={int(k)} n={int(n)} family {int(f)}: {note}")
            held = int(np.sum(dist <= pr.radius)) if ok else 0
            members, inside = members + dist.size, inside + held
            row = (int(ok), pr.radius, pr.loss_lo, pr.loss_hi, pr.lambda_min_lo, held, note)
        for col, v in zip(CERTIFY_COLUMNS, row, strict=True):
            cols[col].append(v)
    for col, v in cols.items():
        fam[col] = np.array(v, dtype=object if col == "certify_note" else None)
    done = [pr for pr in proofs if pr.ok]
    measured = (f"{len(done)} of {len(proofs)} families proved"
                + (f"; radius {below(max(pr.radius for pr in done), 1e-6)}, lambda_min >= "
                   f"{min(pr.lambda_min_lo for pr in done):.3g}" if done else "")
                + f"; {inside} of their {members} runs end, up to the symmetry, inside the "
                  "certified box of their family's minimum"
                + ("" if inside == members else
                   f" ({members - inside} counted apart: column in_box)")
                + ("; FAILED: " + "; ".join(failed) if failed else ""))
    return Claim.check(
        "interval proof: every spurious family (and the n = k global minimum) is a strict "
        "local minimum", not failed, measured, "every family proved",
        "Krawczyk inclusion of a critical point in a box around the representative (made to "
        "hold every member's endpoint, moved onto it by a symmetry, where the proof allows), "
        "a Gershgorin bound after eigen-rotation that the Hessian is positive definite on the "
        "whole box, and the loss in an interval (> 0 for a spurious family), in arb ball "
        "arithmetic (docs/math.md section 10); re-checked by relucheck check-minimum")


MAIN_COLUMNS = ("k", "n", "extra", "d", "runs", *CLASSES, "spurious_share", "spurious_low",
                "spurious_high", "ss_spurious", "ss_share", "spurious_families",
                "not_converged_share", "median_iterations", "polished")
RUN_COLUMNS = ("k", "n", "run", "cls", "status", "loss", "grad_norm", "lambda_min",
               "lambda_max", "iterations", "polish_steps", "family")
FAMILY_COLUMNS = ("k", "n", "family", "cls", "loss", "lambda_min", "lambda_max", "lambda_err",
                  "lambda_min_spread", "count", "representative", "grad_norm", "isotropy")


class _forward:
    """A progress factory for :func:`train` that advances the census's own bar."""

    def __init__(self, bar) -> None:
        self.bar = bar

    def __call__(self, total: int, desc: str):
        import contextlib

        return contextlib.nullcontext(self.bar)


def _tally(p: Params, tab: dict, k: int, n: int, d: int, ends, fams, out) -> None:
    R = ends.cls.size
    counts = {c: int(np.sum(ends.cls == c)) for c in CLASSES}
    spur = counts[MINIMUM]
    lo, hi = wilson_interval(spur, R, p.level)
    ss = int(np.sum((ends.loss >= SS_LOSS) & np.isfinite(ends.loss)))
    row = dict(k=k, n=n, extra=n - k, d=d, runs=R, **counts, spurious_share=spur / R,
               spurious_low=lo, spurious_high=hi, ss_spurious=ss, ss_share=ss / R,
               spurious_families=int(np.sum(fams.cls == MINIMUM)),
               not_converged_share=counts[NOT_CONVERGED] / R,
               median_iterations=float(np.median(out.iterations)),
               polished=int(np.sum(out.polish_steps > 0)))
    for c in MAIN_COLUMNS:
        tab[c].append(row[c])


def _check_representative(checks: dict, W: np.ndarray, W_star: np.ndarray, cls: str,
                          square: bool) -> None:
    """Independent checks at one family representative (see the module docstring)."""
    n, d = W.shape
    k = W_star.shape[0]
    a, a_star = np.ones(n), np.ones(k)
    G, _, _ = gradient(W[None], a[None], W_star, a_star)
    # (1) the compiled kernel against the numpy implementation of Eqn 8 (different code paths:
    # arccos with guarded arguments there, half-angle chords here)
    G_np = gradient_K(W, W_star, a, a_star)
    scale = max(1.0, float(np.abs(W).max())) ** 2 * (n + k)
    checks["grad_worst"] = max(checks["grad_worst"], float(np.abs(G[0] - G_np).max()) / scale)
    # (2) central differences of the closed form J along 4 fixed directions, against the
    # Richardson bound |D_h - D_2h| + rounding / h of finite_differences (the third derivative of
    # J is large at the nearly parallel units of a global minimum with n > k: no fixed bound)
    net = Network(W_star, a_star, a)
    rng = np.random.default_rng(n * 1000 + d)
    U = rng.standard_normal((1, 4, n * d))
    U /= np.linalg.norm(U, axis=-1, keepdims=True)
    D, bound = fd_derivatives(lambda x: net.loss(x.reshape(-1, n, d)), W.reshape(1, -1), U,
                              net.rounding(W[None]))
    dev = np.abs(D[0] - U[0] @ G[0].reshape(-1)) / bound[0]
    checks["fd_worst"] = max(checks["fd_worst"], float(dev.max()))
    checks["reps"] += 1
    if cls == MINIMUM or (cls == TEACHER and square):
        # (3) analytic Hessian against central differences of Eqn 8 (the kernel)
        H = population_hessian(W, W_star, a, a_star).reshape(n * d, n * d)
        Hf, err = fd_hessian(
            lambda x: gradient(x.reshape(-1, n, d), a[None], W_star, a_star)[0]
            .reshape(x.shape[0], -1), W.reshape(1, -1), 1e-4)
        dev = float(np.linalg.norm(H - Hf[0], 2))
        lam_fd = float(np.linalg.eigvalsh(Hf[0])[0])
        lam = float(np.linalg.eigvalsh(H)[0])
        entry = (lam, lam_fd, float(err[0]), dev)
        checks["minima_fd" if cls == MINIMUM else "global_pd"].append(entry)


def _claims(p: Params, t: dict, checks: dict) -> list[Claim]:
    main, fam = t["main"], t["families"]
    claims = [
        Claim.check(
            "Eqn 8 at the endpoints: compiled kernel = numpy formula",
            checks["grad_worst"] <= 1e-12,
            f"max |difference| / (n + k) |W|^2 {below(checks['grad_worst'], 1e-14)} over "
            f"{checks['reps']} family representatives", "<= 1e-12",
            "two implementations of Eqn 8 (numpy with guarded arccos; compiled with half-angle "
            "chords) agree to rounding", value=checks["grad_worst"]),
        Claim.check(
            "Eqn 8 at the endpoints = central differences of J",
            checks["fd_worst"] <= 1.0,
            f"max |dJ/dU - grad . U| / bound {below(checks['fd_worst'], 1)} (4 random directions "
            f"at each of {checks['reps']} representatives)", "<= 1",
            "central differences of the closed-form J with the bound |D_h - D_2h| + "
            "2 eps_J / h (relucheck.finite_differences)", value=checks["fd_worst"]),
    ]
    mins = checks["minima_fd"]
    if mins:
        ok = all(lam > 0 and lam_fd > err and dev <= max(1e3 * err, 1e-5)
                 for lam, lam_fd, err, dev in mins)
        worst = min(lam_fd - err for _, lam_fd, err, _ in mins)
        claims.append(Claim.check(
            "spurious minima: Hessian positive definite (analytic and finite differences)", ok,
            f"{len(mins)} spurious families; smallest lambda_min = "
            f"{min(m[0] for m in mins):.3g}; smallest lambda_min(FD) - FD error = {worst:.3g}; "
            f"max ||H - H_FD|| {below(max(m[3] for m in mins), 1e-6)}",
            "lambda_min > bound, lambda_min(FD) > FD error",
            "a gradient <= gtol and a positive definite Hessian beyond its error bound make a "
            "strict local minimum nearby (to the accuracy of the bound; issue 13 proves it); "
            "FD of Eqn 8 is an independent second derivative"))
        spur = fam["class"] == MINIMUM
        claims.append(Claim.check(
            "spurious minima: every member's lambda_min > its error bound",
            bool(np.all(fam["lambda_min"][spur] > fam["lambda_err"][spur])),
            f"{int(spur.sum())} families, {int(fam['count'][spur].sum())} runs", "all",
            "the class is assigned run by run; this checks the families agree"))
    if checks["global_pd"]:
        ok = all(lam > 0 and lam_fd > err for lam, lam_fd, err, _ in checks["global_pd"])
        claims.append(Claim.check(
            "global minimum (n = k): Hessian positive definite", ok,
            "lambda_min = " + ", ".join(f"{g[0]:.4f}" for g in checks["global_pd"]),
            "lambda_min > 0 (analytic and FD)",
            "at W = P W* the Hessian is positive definite (a strict minimum), "
            "docs/math.md section 8"))
    # Reported: shares, the S&S rule, not converged, Fig 9 statement, extra units.
    parts = []
    for i in range(main["k"].size):
        parts.append(f"k={main['k'][i]} n={main['n'][i]}: {main['spurious_minimum'][i]}/"
                     f"{main['runs'][i]} [{main['spurious_low'][i]:.2f}, "
                     f"{main['spurious_high'][i]:.2f}]")
    claims.append(Claim.report(
        "share of runs ending at a spurious local minimum (95% Wilson)", "; ".join(parts),
        "Safran & Shamir (2018): almost none at k = 6, most at k = 20; fewer with n > k",
        f"init {p.init}; class by the analytic Hessian"))
    diff = main["ss_spurious"] - main["spurious_minimum"]
    claims.append(Claim.report(
        "Safran & Shamir's rule (J >= 1e-3) against the Hessian classification",
        f"runs counted differently: {int(np.abs(diff).sum())} of {int(main['runs'].sum())}",
        "the two rules agree when every non-global endpoint is a minimum with J >= 1e-3"))
    nc = main["not_converged"]
    claims.append(Claim.report(
        "runs not converged within max_iters", f"{int(nc.sum())} of {int(main['runs'].sum())} "
        f"(worst cell {100 * float(main['not_converged_share'].max()):.2f}%)",
        "< 1% of the runs of every cell", f"max_iters = {p.max_iters}"))
    square = main["n"] == main["k"]
    if p.init == "xavier" and square.any():
        worst = int(np.argmax(np.where(square, main["spurious_share"], -1)))
        spur = int(main["spurious_minimum"][worst])
        claims.append(Claim.report(
            "Figure 9's statement: w converges to w* unless the deviation is large",
            f"from Xavier starts (a large deviation from 1e-3 w*) {spur} of "
            f"{main['runs'][worst]} runs end at spurious minima at k = {main['k'][worst]}",
            "a large deviation can end away from w*; " + (
                "it does, at spurious local minima" if spur else
                "no run ends at a spurious local minimum in any n = k cell here")))
    kinks = np.array(checks["kinks"])
    if kinks.size:
        claims.append(Claim.report(
            "endpoints at a kink w_j = 0 (class singular)",
            f"{kinks.size} of {int(main['runs'].sum())} runs converged with a unit at w_j = 0; "
            f"J descends out of the kink at {int(np.sum(kinks < -p.gtol))} of them (steepest "
            f"one-sided slope {float(kinks.min()):.3g})",
            "J is not differentiable at w_j = 0: neither the gradient test nor the Hessian "
            "applies, never a spurious minimum; a negative one-sided slope makes it certainly "
            "not a minimum",
            "a unit is at the kink when a_j^2 |w_j| / 2 <= 2 gtol, closer to 0 than the stop "
            "rule places it; slope: min over unit u of u . g_j(u), Eqn 8 for row j with e_j = u "
            "without its j-j term (docs/math.md section 7); descends: < -gtol"))
    ex = []
    for k in p.ks:
        row = {int(e): i for i, e in enumerate(main["extra"]) if main["k"][i] == k}
        if 0 in row and len(row) > 1:
            ex.append(f"k={k}: " + ", ".join(
                f"e={e}: {main['spurious_share'][i]:.2f}" for e, i in sorted(row.items())))
    if ex:
        claims.append(Claim.report(
            "extra student units (n = k + e) and the spurious share", "; ".join(ex),
            "Safran & Shamir: one or two extra units remove most spurious minima"))
    return claims
