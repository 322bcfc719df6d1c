"""Families: the symmetric families of spurious minima (types A and II, teacher I_k, n = k, a =
a* = 1) proved strict local minima at every integer k in a range, with their Hessian spectrum,
its scaling in k, and the real k where each family is born (docs/families.md).

Every k is proved in arb (Krawczyk on the fixed-point space, then each isotypic Hessian block
positive definite over the box; :mod:`relucheck.proofs.families.proof`); a k whose proof fails
is a row with its reason, counted, never dropped, and below a family's birth the failure is
proved a saddle where a block has a provably negative Rayleigh quotient. The certificate
(``families_certificates.jsonl.xz``) re-checks from the file alone.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from relucheck import proofs
from relucheck.experiments.params import check, check_fields, param
from relucheck.result import Claim, Result
from relucheck.runtime import cluster
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import Progress, null_progress

STEM = "families"
TYPES = ("A", "II")
CERTIFICATE = "certificates.jsonl.xz"  # written as families_certificates.jsonl.xz
#: The spectrum table's k: every k up to SPECTRUM_ALL, then SPECTRUM_LOG log-spaced k up to k_max.
SPECTRUM_ALL = 30
SPECTRUM_LOG = 40
#: The range of the scaling fits (lambda ~ C k^p; J k ~ L + a k^-1/2 + b k^-1).
FIT_FROM = 100
#: A fitted exponent within this of 0 is "bounded", within this of 1 "linear".
FIT_TOL = 0.15
BIRTH_WIDTH = 1e-8
#: The real-k window drawn around each birth (families_near_birth.csv).
NEAR_BIRTH = (-0.5, 1.5)


@dataclass(frozen=True)
class Params:
    """The range of k and the types proved; prec the arb bits of the per-k proofs."""

    k_min: int = param(6, min=5, why="type A is born at k = 5.59, type II at 7.56")
    k_max: int = param(10_000, min=5, max=1_000_000)
    types: tuple[str, ...] = param(TYPES, many=True, distinct=True, choices=TYPES)
    prec: int = param(80, min=53, max=4096, why="arb bits")
    workers: int = param(0, min=0, max=1024, why="0: one per core")
    # dask.distributed: the segments of k as cluster tasks
    scheduler: str | None = param(None, kind=str, optional=True)

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        check_fields(self)
        check([(self.k_min <= self.k_max, "k_max", ">= k_min")])
        if self.scheduler is not None:
            cluster.check_option(self.scheduler)

    def memory_bytes(self) -> tuple[int, str]:
        """About 2 KB per (type, k) held until the tables are written (the proofs' plain
        results and the certificate rows; no arb balls are kept)."""
        return 2048 * len(self.types) * max(0, self.k_max - self.k_min + 1), "k_max"


QUICK = dict(k_max=200)


def run(p: Params, rng: np.random.Generator | None = None,
        progress: Progress = null_progress, *, prove=None) -> Result:
    """Prove every k of the range for each type, locate the births, tabulate the spectrum.
    ``prove`` replaces :func:`relucheck.proofs.families.run.prove_range` (tests); ``rng`` is
    unused (nothing is random)."""
    p.validate()
    proofs.require_flint()
    # python-flint loads when a proof runs, not when the command line starts
    from relucheck.proofs.families import certificate
    from relucheck.proofs.families.run import prove_range

    prove = prove or prove_range
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        results, brackets, timings = prove(
            p.types, p.k_min, p.k_max, workers=cores(p.workers), progress=progress,
            client=client, prec=p.prec)
    saddles = _saddles(results, brackets)
    prove_s = time.perf_counter() - t0
    main = _main_table(p, results, saddles)
    births = _births_table(brackets)
    spectrum = _spectrum_table(p, results)
    fits = _fits_table(main, spectrum)
    near = _near_birth_table(brackets)
    rows = [certificate.result_to_row(r) for name in p.types for r in results[name]]
    cert = certificate.encode(rows, p.prec)
    return Result(
        stem=STEM,
        tables={"main": main, "spectrum": spectrum, "births": births, "fits": fits,
                "near_birth": near},
        claims=claims(p, main, births, fits),
        params={"k_min": p.k_min, "k_max": p.k_max, "types": list(p.types),
                "prec_bits": p.prec},
        summary={"certificate": f"{STEM}_{CERTIFICATE}",
                 "certificate_bytes": len(cert),
                 "spectrum_k": "every k <= 30, then 40 log-spaced k up to k_max",
                 "fit_range": [FIT_FROM, p.k_max]},
        files={CERTIFICATE: cert},
        run={"workers_used": cores(p.workers), "prove_seconds": round(prove_s, 3),
             **{k: (round(v, 3) if isinstance(v, float) else
                    {n: round(x, 3) for n, x in v.items()}) for k, v in timings.items()}},
    )


# ------------------------------------------------------------------ saddles below the birth
def _saddles(results, brackets) -> dict:
    """{(type, k): (block, Rayleigh bound)} for the unproved k below the type's birth that are
    proved saddles."""
    from relucheck.proofs import precision
    from relucheck.proofs.families.run import prove_saddle

    out = {}
    with precision(100):
        for name, res in results.items():
            b = brackets.get(name)
            top = b.k_lo if b is not None else math.inf
            for r in res:
                if not r.proved and r.k < top:
                    found = prove_saddle(name, r.k, r.center)
                    if found is not None:
                        out[(name, r.k)] = found
    return out


# ------------------------------------------------------------------ tables
def _float_down(q: Fraction) -> float:
    f = float(q)
    return math.nextafter(f, -math.inf) if Fraction(f) > q else f


def _float_up(q: Fraction) -> float:
    f = float(q)
    return math.nextafter(f, math.inf) if Fraction(f) < q else f


def _main_table(p: Params, results, saddles) -> dict:
    cols: dict[str, list] = {c: [] for c in (
        "type", "k", "loss_lo", "loss_hi", "loss_times_k", "proved", "verdict", "reason",
        "lambda_lower", "lambda_block", "attempts")}
    for name in p.types:
        for r in results[name]:
            lo, hi = (Fraction(x) for x in r.loss)
            cols["type"].append(name)
            cols["k"].append(r.k)
            cols["loss_lo"].append(_float_down(lo))
            cols["loss_hi"].append(_float_up(hi))
            cols["loss_times_k"].append(float((lo + hi) / 2 * r.k))
            cols["proved"].append(int(r.proved))
            sad = saddles.get((name, r.k))
            if r.proved:
                verdict, reason = "minimum", "proved"
                lows = [(Fraction(b.lower), b.name) for b in r.blocks]
                low, blk = min(lows)
                cols["lambda_lower"].append(float(low))  # a short decimal, exact in the table
                cols["lambda_block"].append(blk)
            else:
                verdict = "saddle" if sad is not None else "unproved"
                reason = r.reason + (f"; proved saddle: block {sad[0]} has a Rayleigh quotient"
                                     f" <= {sad[1]:.4g}" if sad is not None else "")
                cols["lambda_lower"].append(sad[1] if sad is not None else math.nan)
                cols["lambda_block"].append(sad[0] if sad is not None else "")
            cols["verdict"].append(verdict)
            cols["reason"].append(reason)
            cols["attempts"].append(r.attempts)
    return {
        "type": np.array(cols["type"], dtype=str),
        "k": np.array(cols["k"], dtype=int),
        "loss_lo": np.array(cols["loss_lo"]),
        "loss_hi": np.array(cols["loss_hi"]),
        "loss_times_k": np.array(cols["loss_times_k"]),
        "proved": np.array(cols["proved"], dtype=int),
        "verdict": np.array(cols["verdict"], dtype=str),
        "reason": np.array(cols["reason"], dtype=str),
        "lambda_lower": np.array(cols["lambda_lower"]),
        "lambda_block": np.array(cols["lambda_block"], dtype=str),
        "attempts": np.array(cols["attempts"], dtype=int),
    }


def spectrum_ks(k_min: int, k_max: int) -> list[int]:
    """Every k up to SPECTRUM_ALL, then SPECTRUM_LOG log-spaced k up to k_max."""
    ks = set(range(k_min, min(k_max, SPECTRUM_ALL) + 1))
    if k_max > SPECTRUM_ALL:
        lo = max(k_min, SPECTRUM_ALL)
        ks |= {round(float(x)) for x in np.geomspace(lo, k_max, SPECTRUM_LOG)}
    return sorted(ks)


def _spectrum_table(p: Params, results) -> dict:
    """Every distinct Hessian eigenvalue (float64, at the proved box centre) with its block,
    index in the block and multiplicity, at :func:`spectrum_ks`; ``lower`` is the block's
    proved lower bound at that k (NaN when the k is not proved)."""
    from relucheck.proofs.families.kit import FLOAT
    from relucheck.proofs.families.patterns import PATTERNS, block_eigenvalues

    cols: dict[str, list] = {c: [] for c in ("type", "k", "block", "index", "eigenvalue",
                                             "multiplicity", "lower", "proved")}
    want = set(spectrum_ks(p.k_min, p.k_max))
    for name in p.types:
        pat = PATTERNS[name]
        for r in results[name]:
            if r.k not in want:
                continue
            lowers = {b.name: b.lower for b in r.blocks}
            for blk, B, G in pat.all_blocks(np.array(r.center), r.k, FLOAT):
                m = blk.dim(r.k)
                if m <= 0:
                    continue
                for i, lam in enumerate(block_eigenvalues(B, G)):
                    cols["type"].append(name)
                    cols["k"].append(r.k)
                    cols["block"].append(blk.name)
                    cols["index"].append(i)
                    cols["eigenvalue"].append(float(lam))
                    cols["multiplicity"].append(int(m))
                    cols["lower"].append(float(Fraction(lowers[blk.name])) if r.proved
                                         else math.nan)
                    cols["proved"].append(int(r.proved))
    return {
        "type": np.array(cols["type"], dtype=str), "k": np.array(cols["k"], dtype=int),
        "block": np.array(cols["block"], dtype=str), "index": np.array(cols["index"], dtype=int),
        "eigenvalue": np.array(cols["eigenvalue"]),
        "multiplicity": np.array(cols["multiplicity"], dtype=np.int64),
        "lower": np.array(cols["lower"]), "proved": np.array(cols["proved"], dtype=int),
    }


def _births_table(brackets) -> dict:
    from relucheck.proofs.families.certificate import MULTIPLICITY
    from relucheck.proofs.families.patterns import PATTERNS

    cols: dict[str, list] = {c: [] for c in (
        "type", "k_lo", "k_hi", "width", "block", "multiplicity", "lambda_lo_upper",
        "lower_hi", "proved_lo", "proved_hi", "k_star_float")}
    for name, b in brackets.items():
        names = [x.name for x in PATTERNS[name].blocks]
        hi_lower = next((x.lower for x in b.upper.blocks if x.name == b.block), "nan")
        neg = b.lower_end_critical and b.rayleigh_hi.startswith("-")
        cols["type"].append(name)
        cols["k_lo"].append(b.k_lo)
        cols["k_hi"].append(b.k_hi)
        cols["width"].append(b.k_hi - b.k_lo)
        cols["block"].append(b.block)
        cols["multiplicity"].append(MULTIPLICITY[name][names.index(b.block)])
        cols["lambda_lo_upper"].append(float(b.rayleigh_hi) if neg else math.nan)
        cols["lower_hi"].append(float(Fraction(hi_lower)) if b.upper.proved else math.nan)
        cols["proved_lo"].append(int(neg))
        cols["proved_hi"].append(int(b.upper.proved))
        cols["k_star_float"].append(b.k_star_float)
    return {
        "type": np.array(cols["type"], dtype=str),
        **{c: np.array(cols[c], dtype=float) for c in ("k_lo", "k_hi", "width")},
        "block": np.array(cols["block"], dtype=str),
        "multiplicity": np.array(cols["multiplicity"], dtype=str),
        **{c: np.array(cols[c], dtype=float) for c in ("lambda_lo_upper", "lower_hi")},
        **{c: np.array(cols[c], dtype=int) for c in ("proved_lo", "proved_hi")},
        "k_star_float": np.array(cols["k_star_float"], dtype=float),
    }


def _near_birth_table(brackets) -> dict:
    """The smallest eigenvalue of every block on the continuation in real k around each birth
    (float64; the figure's panel (c))."""
    from relucheck.proofs.families.continuation import (
        block_minima,
        follow_integers,
        follow_real_down,
    )
    from relucheck.proofs.families.patterns import PATTERNS

    cols: dict[str, list] = {c: [] for c in ("type", "k", "block", "lambda_min")}
    for name, b in brackets.items():
        top = math.ceil(b.k_hi + NEAR_BIRTH[1])
        start = follow_integers(name, top)[top]
        pts, _, _ = follow_real_down(name, start, dk=0.02, k_floor=b.k_lo + NEAR_BIRTH[0],
                                     stop_at_saddle=False)
        pat = PATTERNS[name]
        for pt in pts:
            for blk, lam in block_minima(pat, pt.u, pt.k).items():
                cols["type"].append(name)
                cols["k"].append(float(pt.k))
                cols["block"].append(blk)
                cols["lambda_min"].append(lam)
    return {"type": np.array(cols["type"], dtype=str), "k": np.array(cols["k"], dtype=float),
            "block": np.array(cols["block"], dtype=str),
            "lambda_min": np.array(cols["lambda_min"], dtype=float)}


def power_fit(k: np.ndarray, lam: np.ndarray) -> tuple[float, float]:
    """(C, p) of the least-squares line log |lam| = log C + p log k."""
    p, logc = np.polyfit(np.log(k), np.log(np.abs(lam)), 1)
    return float(math.exp(logc)), float(p)


def jk_fit(k: np.ndarray, jk: np.ndarray) -> tuple[float, float, float]:
    """(L, a, b) of the least-squares fit J k = L + a k^-1/2 + b k^-1."""
    A = np.stack([np.ones_like(k), k ** -0.5, 1.0 / k], axis=1)
    coef = np.linalg.lstsq(A, jk, rcond=None)[0]
    return float(coef[0]), float(coef[1]), float(coef[2])


def _fits_table(main, spectrum) -> dict:
    cols: dict[str, list] = {c: [] for c in (
        "type", "quantity", "block", "index", "model", "C", "p", "limit", "k_from", "k_to",
        "points", "value_at_k_to", "behaviour")}

    def add(name, qty, blk, idx, model, C, p, limit, k, v):
        beh = ("bounded" if abs(p) <= FIT_TOL else "linear" if abs(p - 1) <= FIT_TOL
               else "other") if np.isfinite(p) else "limit"
        for c, x in zip(cols, (name, qty, blk, idx, model, C, p, limit, int(k.min()),
                               int(k.max()), len(k), float(v[np.argmax(k)]), beh),
                        strict=True):
            cols[c].append(x)

    for name in dict.fromkeys(spectrum["type"]):
        m = (spectrum["type"] == name) & (spectrum["k"] >= FIT_FROM) & (spectrum["proved"] == 1)
        for blk in dict.fromkeys(spectrum["block"][m]):
            mb = m & (spectrum["block"] == blk)
            for idx in sorted(set(spectrum["index"][mb].tolist())):
                mi = mb & (spectrum["index"] == idx)
                k, lam = spectrum["k"][mi].astype(float), spectrum["eigenvalue"][mi]
                if len(k) >= 3:
                    C, p = power_fit(k, lam)
                    add(name, "eigenvalue", blk, idx, "C k^p", C, p, math.nan, k, lam)
        mj = (main["type"] == name) & (main["k"] >= FIT_FROM) & (main["proved"] == 1)
        if mj.sum() >= 3:
            k, jk = main["k"][mj].astype(float), main["loss_times_k"][mj]
            L, a, _ = jk_fit(k, jk)
            add(name, "J k", "", -1, "L + a k^-1/2 + b k^-1", a, math.nan, L, k, jk)
    return {
        "type": np.array(cols["type"], dtype=str),
        "quantity": np.array(cols["quantity"], dtype=str),
        "block": np.array(cols["block"], dtype=str), "index": np.array(cols["index"], dtype=int),
        "model": np.array(cols["model"], dtype=str),
        **{c: np.array(cols[c], dtype=float) for c in ("C", "p", "limit")},
        **{c: np.array(cols[c], dtype=int) for c in ("k_from", "k_to", "points")},
        "value_at_k_to": np.array(cols["value_at_k_to"], dtype=float),
        "behaviour": np.array(cols["behaviour"], dtype=str),
    }


# ------------------------------------------------------------------ claims
def claims(p: Params, main, births, fits) -> list[Claim]:
    """The claims, decided from the tables alone (a row missing from ``main`` or a failed
    proof makes the theorem-level claim FAIL)."""
    out = []
    parts, ok_all, bad_all, n_bad = [], True, [], 0
    for name in p.types:
        bi = np.flatnonzero(births["type"] == name)
        born = (births["proved_lo"][bi[0]] == 1 and births["proved_hi"][bi[0]] == 1
                if len(bi) else False)
        first = max(p.k_min, math.ceil(births["k_hi"][bi[0]]) if born else p.k_min)
        m = main["type"] == name
        ks, proved = main["k"][m], main["proved"][m]
        want = set(range(first, p.k_max + 1))
        have = {int(k) for k, ok in zip(ks, proved, strict=True) if ok == 1 and k >= first}
        missing = sorted(want - {int(k) for k in ks})
        failed = [(int(k), str(r)) for k, ok, r in zip(ks, proved, main["reason"][m],
                                                       strict=True)
                  if ok != 1 and k >= first]
        below = [(int(k), str(v)) for k, v in zip(ks, main["verdict"][m], strict=True)
                 if k < first]
        ok = not missing and not failed and len(have) == len(want)
        ok_all &= ok
        n_bad += len(failed) + len(missing)
        bad_all += [f"type {name} k = {k}: {r}" for k, r in failed[:3]]
        if missing:
            bad_all.append(f"type {name}: {len(missing)} k missing from the table "
                           f"(first {missing[:5]})")
        parts.append(f"type {name}: {len(have)} of {len(want)} k in [{first}, {p.k_max}] "
                     f"proved, {len(failed)} failed, {len(missing)} missing"
                     + ("; below the birth: " + ", ".join(f"k = {k} {v}" for k, v in below)
                        if below else ""))
    out.append(Claim.check(
        "Every k of each type from its birth to k_max is a proved strict local minimum of J",
        ok=ok_all,
        measured="; ".join(parts) + (" -- " + "; ".join(bad_all) if bad_all else ""),
        threshold="every k proved (Krawczyk unique critical point, every Hessian block > 0)",
        justification=("arb ball arithmetic at the stated precision on the fixed-point space "
                       "of the isotropy group (symmetric criticality) and on every isotypic "
                       "block of the Hessian (docs/families.md sections 3-4); the first k is "
                       "the integer above the proved birth bracket (k_min when it is not "
                       "proved)"),
        value=float(n_bad)))
    wide = []
    for i, name in enumerate(births["type"]):
        if not (births["proved_lo"][i] == 1 and births["proved_hi"][i] == 1
                and births["width"][i] <= BIRTH_WIDTH):
            wide.append(str(name))
    text = "; ".join(
        f"type {births['type'][i]}: k* in [{float(births['k_lo'][i])!r}, "
        f"{float(births['k_hi'][i])!r}] "
        f"(width {births['width'][i]:.2g}), block {births['block'][i]} (multiplicity "
        f"{births['multiplicity'][i]}): Rayleigh quotient <= {births['lambda_lo_upper'][i]:.4g}"
        f" at k_lo, block >= {births['lower_hi'][i]:.2g} at k_hi"
        for i in range(len(births["type"])))
    out.append(Claim.check(
        "Each family's birth is bracketed to width <= 1e-8, the sign change proved at both ends",
        ok=not wide and set(births["type"].tolist()) == set(p.types),
        measured=text or "no bracket",
        threshold="width <= 1e-8; at k_lo a proved critical point with a proved negative "
                  "Rayleigh quotient, at k_hi a proved strict local minimum",
        justification="arb at 100 bits on the analytic continuation of the closed forms in "
                      "real k (relucheck.proofs.families.birth)",
        value=float(len(wide))))
    ev = fits["quantity"] == "eigenvalue"
    summary = []
    for name in dict.fromkeys(fits["type"][ev]):
        mt = ev & (fits["type"] == name)
        beh = {b: int((fits["behaviour"][mt] == b).sum()) for b in ("bounded", "linear",
                                                                   "other")}
        lin = [f"{fits['block'][i]}[{fits['index'][i]}] p = {fits['p'][i]:.2f}"
               for i in np.flatnonzero(mt & (fits["behaviour"] == "linear"))]
        oth = [f"{fits['block'][i]}[{fits['index'][i]}] p = {fits['p'][i]:.2f}"
               for i in np.flatnonzero(mt & (fits["behaviour"] == "other"))]
        summary.append(f"type {name}: {beh['bounded']} bounded (|p| <= {FIT_TOL}), "
                       f"{beh['linear']} linear ({', '.join(lin) or 'none'}), "
                       f"{beh['other']} other ({', '.join(oth) or 'none'})")
    no_fit = f"no fit: fewer than 3 proved k in [{FIT_FROM}, {p.k_max}]"
    out.append(Claim.report(
        "How the distinct Hessian eigenvalues scale with k (fits lambda ~ C k^p)",
        measured="; ".join(summary) or no_fit,
        statement=f"least-squares fits of log|lambda| on log k over the spectrum table's k in "
                  f"[{FIT_FROM}, {p.k_max}] (families_fits.csv)",
        justification="measured on float64 eigenvalues at the proved box centres; not proved"))
    jk = np.flatnonzero(fits["quantity"] == "J k")
    out.append(Claim.report(
        "J k tends to a limit (fit L + a k^-1/2 + b k^-1)",
        measured="; ".join(f"type {fits['type'][i]}: L = {fits['limit'][i]:.5f}, "
                           f"J k = {fits['value_at_k_to'][i]:.6f} at k = {fits['k_to'][i]}"
                           for i in jk) or no_fit,
        statement=f"least squares on the proved losses (interval midpoints) at every k in "
                  f"[{FIT_FROM}, {p.k_max}]; docs/families.md compares 1/2 - 2/pi^2 = "
                  f"{0.5 - 2 / math.pi**2:.5f} (type A) and 1 - 4/pi^2 = "
                  f"{1 - 4 / math.pi**2:.5f} (type II)",
        justification="an extrapolation, not a proof",
        value=float(fits["limit"][jk[0]]) if len(jk) else None))
    return out
