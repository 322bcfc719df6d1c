"""Families: the symmetric families of spurious minima (types A and II, teacher I_k, n = k, a =
a* = 1) and the global minimum W = I proved strict local minima at every integer k in a range,
with their Hessian spectrum, its scaling in k, the real k where each spurious family is born,
and the split embedding at n = k + 1 of each spurious point proved a saddle
(docs/families.md).

Every k is proved in arb (Krawczyk on the fixed-point space, then each isotypic Hessian block
positive definite over the box; :mod:`relucheck.proofs.families.proof`); a k whose proof fails
is a row with its reason, counted, never dropped, and below a family's birth the failure is
proved a saddle where a block has a provably negative Rayleigh quotient. Where Krawczyk proves
the critical point of type A or II, splitting its special or a generic unit in two
(:mod:`relucheck.proofs.families.split`) gives a critical point at n = k + 1 with a proved
negative curvature for every split ratio t: one extra neuron turns the spurious minimum into a
saddle. The certificate (``families_certificates.jsonl.xz``) re-checks from the file alone.
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
#: The families proved: the spurious types A and II and the global minimum W = I.
TYPES = ("A", "II", "global")
#: The spurious families: a birth in real k and a split embedding at n = k + 1 (W = I has
#: neither: it is a minimum at every k, and its residual is 0, so a split is flat).
SPURIOUS = ("A", "II")
#: Every family's unknowns, the main table's last columns (NaN where a family has none).
UNKNOWNS = ("a", "g", "b", "c", "e", "f", "x", "y")
#: A block whose smallest float eigenvalue is within this (relative) of the smallest of all
#: is named with it in ``lambda_min_block`` (W = I: standard and (m-2,1,1) are both 1/4 -
#: 1/(2 pi), equal to the last bits).
TIE = 1e-9
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
    """The range of k and the families proved (``types``: A, II, global); prec the arb bits of
    the per-k proofs."""

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
        """About 5 KB per (family, k) held until the tables are written (the proofs' plain
        results with their split claims, the float spectra and the table rows; no arb balls
        are kept, the certificate is compressed as it is written): measured 715 MB peak for
        k = 6..3 10^4 and three families, so about 15 GB for k_max = 10^6."""
        return 5 * 1024 * len(self.types) * max(0, self.k_max - self.k_min + 1), "k_max"


QUICK = dict(k_max=200)


def run(p: Params, rng: np.random.Generator | None = None,
        progress: Progress = null_progress, *, prove=None) -> Result:
    """Prove every k of the range for each family, locate the births, prove the split
    embeddings, tabulate the spectrum. ``prove`` replaces
    :func:`relucheck.proofs.families.run.prove_range` (tests); ``rng`` is unused (nothing is
    random)."""
    p.validate()
    proofs.require_flint()
    # python-flint loads when a proof runs, not when the command line starts
    from relucheck.proofs.families import certificate
    from relucheck.proofs.families.run import prove_range

    prove = prove or prove_range
    workers = cores(p.workers)
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        results, brackets, timings = prove(
            p.types, p.k_min, p.k_max, workers=workers, progress=progress, client=client,
            prec=p.prec)
    minima = _spectra(p, results)
    saddles = _saddles(results, brackets)
    prove_s = time.perf_counter() - t0
    main = _main_table(p, results, saddles, minima)
    birth = _birth_table(brackets)
    split = _split_table(p, results)
    spectrum = _spectrum_table(p, results, minima)
    fits = _fits_table(main, spectrum)
    near = _near_birth_table(brackets)
    cert = certificate.encode((certificate.result_to_row(r) for name in p.types
                               for r in results[name]), p.prec)
    return Result(
        stem=STEM,
        tables={"main": main, "spectrum": spectrum, "birth": birth, "split": split,
                "fits": fits, "near_birth": near},
        claims=claims(p, main, birth, fits, split),
        params={"k_min": p.k_min, "k_max": p.k_max, "types": list(p.types),
                "prec_bits": p.prec},
        summary={"certificate": f"{STEM}_{CERTIFICATE}",
                 "certificate_bytes": len(cert),
                 "spectrum_k": "every k <= 30, then 40 log-spaced k up to k_max",
                 "fit_range": [FIT_FROM, p.k_max]},
        files={CERTIFICATE: cert},
        run={"workers_used": workers, "prove_seconds": round(prove_s, 3),
             **{k: (round(v, 3) if isinstance(v, float) else
                    {n: round(x, 3) for n, x in v.items()}) for k, v in timings.items()}},
    )


# ------------------------------------------------------------------ float spectra
def _spectra(p: Params, results) -> dict:
    """{(family, k): (lambda_min, block(s), spectrum or None)}: the smallest Hessian eigenvalue
    and its block(s) at every k, and every distinct eigenvalue with its block and multiplicity
    at :func:`spectrum_ks`, from the float eigenvalues the proof computed for each block at
    its box centre (no second pass over the blocks)."""
    want = set(spectrum_ks(p.k_min, p.k_max))
    out = {}
    for name in p.types:
        for r in results[name]:
            spec = [(b.name, int(b.multiplicity), list(b.eigenvalues)) for b in r.blocks
                    if b.multiplicity > 0 and b.eigenvalues]
            lam = min(ev[0] for _, _, ev in spec)
            tie = TIE * abs(lam)
            where = "; ".join(b for b, _, ev in spec if ev[0] <= lam + tie)
            out[name, r.k] = (lam, where, spec if r.k in want else None)
    return out


# ------------------------------------------------------------------ saddles below the birth
def _saddles(results, brackets) -> dict:
    """{(family, k): (block, Rayleigh bound)} for the unproved k below the family's birth that are
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


def _main_table(p: Params, results, saddles, minima) -> dict:
    """One row per (family, k): the proved loss, the float smallest Hessian eigenvalue at the
    box centre and its block, the proved bound behind the verdict, the box centre."""
    from relucheck.proofs.families.patterns import PATTERNS

    cols: dict[str, list] = {c: [] for c in (
        "family", "k", "loss", "loss_lo", "loss_hi", "loss_times_k", "lambda_min",
        "lambda_min_block", "lambda_bound", "certified", "verdict", "reason", "attempts",
        *UNKNOWNS)}
    for name in p.types:
        unknowns = PATTERNS[name].unknowns
        for r in results[name]:
            lo, hi = (Fraction(x) for x in r.loss)
            lam, where, _ = minima[name, r.k]
            cols["family"].append(name)
            cols["k"].append(r.k)
            cols["loss"].append(float((lo + hi) / 2))
            cols["loss_lo"].append(_float_down(lo))
            cols["loss_hi"].append(_float_up(hi))
            cols["loss_times_k"].append(float((lo + hi) / 2 * r.k))
            cols["lambda_min"].append(lam)
            cols["lambda_min_block"].append(where)
            cols["certified"].append(int(r.proved))
            sad = saddles.get((name, r.k))
            if r.proved:
                verdict, reason = "minimum", "proved"
                # a short decimal, exact in the table
                cols["lambda_bound"].append(float(min(Fraction(b.lower) for b in r.blocks)))
            else:
                verdict = "saddle" if sad is not None else "unproved"
                reason = r.reason + (f"; proved saddle: block {sad[0]} has a Rayleigh quotient"
                                     f" <= {sad[1]:.4g}" if sad is not None else "")
                cols["lambda_bound"].append(sad[1] if sad is not None else math.nan)
            cols["verdict"].append(verdict)
            cols["reason"].append(reason)
            cols["attempts"].append(r.attempts)
            centre = dict(zip(unknowns, r.center, strict=True))
            for u in UNKNOWNS:
                cols[u].append(float(centre.get(u, math.nan)))
    text = ("family", "lambda_min_block", "verdict", "reason")
    ints = ("k", "certified", "attempts")
    return {c: np.array(v, dtype=str if c in text else int if c in ints else float)
            for c, v in cols.items()}


def _split_table(p: Params, results) -> dict:
    """One row per (family, k, unit) of the spurious families: the block of R_i = H_ii - I/2
    holding the proved negative direction, the proved bound rho_upper of its Rayleigh quotient
    (rounded up to a float), 2 rho_upper (the proved bound on an eigenvalue of the (k + 1)-unit
    Hessian at every split ratio t, rounded up), the float smallest eigenvalue of R_i at the box
    centre. A k without a split claim (no proved critical point) is a row of NaNs, certified 0."""
    from relucheck.proofs.families.split import SPLITS, UNITS

    cols: dict[str, list] = {c: [] for c in (
        "family", "k", "unit", "block", "multiplicity", "rho_upper", "curvature_upper",
        "lambda_min", "certified")}
    for name in (n for n in p.types if n in SPURIOUS):
        for r in results[name]:
            got = {s.unit: s for s in r.splits}
            for unit in UNITS:
                s = got.get(unit)
                cols["family"].append(name)
                cols["k"].append(r.k)
                cols["unit"].append(unit)
                if s is None:
                    for c, v in (("block", ""), ("multiplicity", ""), ("rho_upper", math.nan),
                                 ("curvature_upper", math.nan), ("lambda_min", math.nan),
                                 ("certified", 0)):
                        cols[c].append(v)
                    continue
                blk = next(b for b in SPLITS[name, unit].blocks if b.name == s.block)
                rho = Fraction(s.upper)
                cols["block"].append(s.block)
                cols["multiplicity"].append(blk.formula)
                cols["rho_upper"].append(_float_up(rho))
                cols["curvature_upper"].append(_float_up(2 * rho))
                cols["lambda_min"].append(float(s.lambda_min))
                cols["certified"].append(int(s.proved and rho < 0))
    text = ("family", "unit", "block", "multiplicity")
    ints = ("k", "certified")
    return {c: np.array(v, dtype=str if c in text else int if c in ints else float)
            for c, v in cols.items()}


def spectrum_ks(k_min: int, k_max: int) -> list[int]:
    """Every k up to SPECTRUM_ALL, then SPECTRUM_LOG log-spaced k up to k_max."""
    ks = set(range(k_min, min(k_max, SPECTRUM_ALL) + 1))
    if k_max > SPECTRUM_ALL:
        lo = max(k_min, SPECTRUM_ALL)
        ks |= {round(float(x)) for x in np.geomspace(lo, k_max, SPECTRUM_LOG)}
    return sorted(ks)


def _spectrum_table(p: Params, results, minima) -> dict:
    """Every distinct Hessian eigenvalue (float64, at the proved box centre) with its block,
    index in the block and multiplicity, at :func:`spectrum_ks`; ``lower`` is the block's
    proved lower bound at that k (NaN when the k is not proved)."""
    cols: dict[str, list] = {c: [] for c in ("family", "k", "block", "index", "eigenvalue",
                                             "multiplicity", "lower", "certified")}
    for name in p.types:
        for r in results[name]:
            spec = minima[name, r.k][2]
            if spec is None:
                continue
            lowers = {b.name: b.lower for b in r.blocks}
            for blk, m, eigenvalues in spec:
                for i, lam in enumerate(eigenvalues):
                    cols["family"].append(name)
                    cols["k"].append(r.k)
                    cols["block"].append(blk)
                    cols["index"].append(i)
                    cols["eigenvalue"].append(lam)
                    cols["multiplicity"].append(m)
                    cols["lower"].append(float(Fraction(lowers[blk])) if r.proved
                                         else math.nan)
                    cols["certified"].append(int(r.proved))
    return {
        "family": np.array(cols["family"], dtype=str), "k": np.array(cols["k"], dtype=int),
        "block": np.array(cols["block"], dtype=str), "index": np.array(cols["index"], dtype=int),
        "eigenvalue": np.array(cols["eigenvalue"], dtype=float),
        "multiplicity": np.array(cols["multiplicity"], dtype=np.int64),
        "lower": np.array(cols["lower"], dtype=float),
        "certified": np.array(cols["certified"], dtype=int),
    }


def _birth_table(brackets) -> dict:
    """Per spurious family the proved birth bracket [k_star_lo, k_star_hi] in real k and the
    block changing sign there."""
    from relucheck.proofs.families.certificate import MULTIPLICITY
    from relucheck.proofs.families.patterns import PATTERNS

    cols: dict[str, list] = {c: [] for c in (
        "family", "k_star_lo", "k_star_hi", "block", "width", "multiplicity",
        "lambda_lo_upper", "lower_hi", "proved_lo", "proved_hi", "k_star_float")}
    for name, b in brackets.items():
        names = [x.name for x in PATTERNS[name].blocks]
        hi_lower = next((x.lower for x in b.upper.blocks if x.name == b.block), "nan")
        neg = b.lower_end_critical and b.rayleigh_hi.startswith("-")
        cols["family"].append(name)
        cols["k_star_lo"].append(b.k_lo)
        cols["k_star_hi"].append(b.k_hi)
        cols["block"].append(b.block)
        cols["width"].append(b.k_hi - b.k_lo)
        cols["multiplicity"].append(MULTIPLICITY[name][names.index(b.block)])
        cols["lambda_lo_upper"].append(float(b.rayleigh_hi) if neg else math.nan)
        cols["lower_hi"].append(float(Fraction(hi_lower)) if b.upper.proved else math.nan)
        cols["proved_lo"].append(int(neg))
        cols["proved_hi"].append(int(b.upper.proved))
        cols["k_star_float"].append(b.k_star_float)
    return {
        "family": np.array(cols["family"], dtype=str),
        **{c: np.array(cols[c], dtype=float) for c in ("k_star_lo", "k_star_hi")},
        "block": np.array(cols["block"], dtype=str),
        "width": np.array(cols["width"], dtype=float),
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

    cols: dict[str, list] = {c: [] for c in ("family", "k", "block", "lambda_min")}
    for name, b in brackets.items():
        top = math.ceil(b.k_hi + NEAR_BIRTH[1])
        start = follow_integers(name, top)[top]
        pts, _, _ = follow_real_down(name, start, dk=0.02, k_floor=b.k_lo + NEAR_BIRTH[0],
                                     stop_at_saddle=False)
        pat = PATTERNS[name]
        for pt in pts:
            for blk, lam in block_minima(pat, pt.u, pt.k).items():
                cols["family"].append(name)
                cols["k"].append(float(pt.k))
                cols["block"].append(blk)
                cols["lambda_min"].append(lam)
    return {"family": np.array(cols["family"], dtype=str),
            "k": np.array(cols["k"], dtype=float),
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
        "family", "quantity", "block", "index", "model", "C", "p", "limit", "k_from", "k_to",
        "points", "value_at_k_to", "behaviour")}

    def add(name, qty, blk, idx, model, C, p, limit, k, v):
        beh = ("bounded" if abs(p) <= FIT_TOL else "linear" if abs(p - 1) <= FIT_TOL
               else "other") if np.isfinite(p) else "limit"
        for c, x in zip(cols, (name, qty, blk, idx, model, C, p, limit, int(k.min()),
                               int(k.max()), len(k), float(v[np.argmax(k)]), beh),
                        strict=True):
            cols[c].append(x)

    for name in dict.fromkeys(spectrum["family"]):
        m = ((spectrum["family"] == name) & (spectrum["k"] >= FIT_FROM)
             & (spectrum["certified"] == 1))
        for blk in dict.fromkeys(spectrum["block"][m]):
            mb = m & (spectrum["block"] == blk)
            for idx in sorted(set(spectrum["index"][mb].tolist())):
                mi = mb & (spectrum["index"] == idx)
                k, lam = spectrum["k"][mi].astype(float), spectrum["eigenvalue"][mi]
                if len(k) >= 3:
                    C, p = power_fit(k, lam)
                    add(name, "eigenvalue", blk, idx, "C k^p", C, p, math.nan, k, lam)
        if name not in SPURIOUS:  # J = 0 at W = I: nothing to fit
            continue
        mj = (main["family"] == name) & (main["k"] >= FIT_FROM) & (main["certified"] == 1)
        if mj.sum() >= 3:
            k, jk = main["k"][mj].astype(float), main["loss_times_k"][mj]
            L, a, _ = jk_fit(k, jk)
            add(name, "J k", "", -1, "L + a k^-1/2 + b k^-1", a, math.nan, L, k, jk)
    return {
        "family": np.array(cols["family"], dtype=str),
        "quantity": np.array(cols["quantity"], dtype=str),
        "block": np.array(cols["block"], dtype=str), "index": np.array(cols["index"], dtype=int),
        "model": np.array(cols["model"], dtype=str),
        **{c: np.array(cols[c], dtype=float) for c in ("C", "p", "limit")},
        **{c: np.array(cols[c], dtype=int) for c in ("k_from", "k_to", "points")},
        "value_at_k_to": np.array(cols["value_at_k_to"], dtype=float),
        "behaviour": np.array(cols["behaviour"], dtype=str),
    }


# ------------------------------------------------------------------ claims
def _words(name: str) -> str:
    return "the global minimum W = I" if name == "global" else f"type {name}"


def claims(p: Params, main, birth, fits, split) -> list[Claim]:
    """The claims, decided from the tables alone (a row missing from ``main`` or ``split``, or
    a failed proof, makes the theorem-level claims FAIL). The birth and split claims are made
    when a spurious family (A, II) is in ``p.types``."""
    out = []
    spurious = [n for n in p.types if n in SPURIOUS]
    parts, ok_all, bad_all, n_bad = [], True, [], 0
    for name in p.types:
        bi = np.flatnonzero(birth["family"] == name)
        born = (birth["proved_lo"][bi[0]] == 1 and birth["proved_hi"][bi[0]] == 1
                if len(bi) else False)
        first = max(p.k_min, math.ceil(birth["k_star_hi"][bi[0]]) if born else p.k_min)
        m = main["family"] == name
        ks, proved = main["k"][m], main["certified"][m]
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
        bad_all += [f"{_words(name)} k = {k}: {r}" for k, r in failed[:3]]
        if missing:
            bad_all.append(f"{_words(name)}: {len(missing)} k missing from the table "
                           f"(first {missing[:5]})")
        parts.append(f"{_words(name)}: {len(have)} of {len(want)} k in [{first}, {p.k_max}] "
                     f"proved, {len(failed)} failed, {len(missing)} missing"
                     + ("; below the birth: " + ", ".join(f"k = {k} {v}" for k, v in below)
                        if below else ""))
    out.append(Claim.check(
        "Every k of each family from its birth (the global minimum: from k_min) to k_max is a "
        "proved strict local minimum of J",
        ok=ok_all,
        measured="; ".join(parts) + (" -- " + "; ".join(bad_all) if bad_all else ""),
        threshold="every k proved (Krawczyk unique critical point, every Hessian block > 0)",
        justification=("arb ball arithmetic at the stated precision on the fixed-point space "
                       "of the isotropy group (symmetric criticality) and on every isotypic "
                       "block of the Hessian (docs/families.md sections 3-4); for types A and "
                       "II the first k is the integer above the proved birth bracket (k_min "
                       "when it is not proved), for W = I (no birth) k_min"),
        value=float(n_bad)))
    if spurious:
        wide = []
        for i, name in enumerate(birth["family"]):
            if not (birth["proved_lo"][i] == 1 and birth["proved_hi"][i] == 1
                    and birth["width"][i] <= BIRTH_WIDTH):
                wide.append(str(name))
        text = "; ".join(
            f"type {birth['family'][i]}: k* in [{float(birth['k_star_lo'][i])!r}, "
            f"{float(birth['k_star_hi'][i])!r}] "
            f"(width {birth['width'][i]:.2g}), block {birth['block'][i]} (multiplicity "
            f"{birth['multiplicity'][i]}): Rayleigh quotient <= "
            f"{birth['lambda_lo_upper'][i]:.4g} at k_lo, block >= {birth['lower_hi'][i]:.2g} "
            f"at k_hi"
            for i in range(len(birth["family"])))
        out.append(Claim.check(
            "Each spurious family's birth is bracketed to width <= 1e-8, the sign change "
            "proved at both ends",
            ok=not wide and set(birth["family"].tolist()) == set(spurious),
            measured=text or "no bracket",
            threshold="width <= 1e-8; at k_lo a proved critical point with a proved negative "
                      "Rayleigh quotient, at k_hi a proved strict local minimum",
            justification="arb at 100 bits on the analytic continuation of the closed forms "
                          "in real k (relucheck.proofs.families.birth)",
            value=float(len(wide))))
        out.append(split_claim(p, split))
    ev = fits["quantity"] == "eigenvalue"
    summary = []
    for name in dict.fromkeys(fits["family"][ev]):
        mt = ev & (fits["family"] == name)
        beh = {b: int((fits["behaviour"][mt] == b).sum()) for b in ("bounded", "linear",
                                                                   "other")}
        lin = [f"{fits['block'][i]}[{fits['index'][i]}] p = {fits['p'][i]:.2f}"
               for i in np.flatnonzero(mt & (fits["behaviour"] == "linear"))]
        oth = [f"{fits['block'][i]}[{fits['index'][i]}] p = {fits['p'][i]:.2f}"
               for i in np.flatnonzero(mt & (fits["behaviour"] == "other"))]
        summary.append(f"{_words(name)}: {beh['bounded']} bounded (|p| <= {FIT_TOL}), "
                       f"{beh['linear']} linear ({', '.join(lin) or 'none'}), "
                       f"{beh['other']} other ({', '.join(oth) or 'none'})")
    no_fit = f"no fit: fewer than 3 proved k in [{FIT_FROM}, {p.k_max}]"
    out.append(Claim.report(
        "How the distinct Hessian eigenvalues scale with k (fits lambda ~ C k^p)",
        measured="; ".join(summary) or no_fit,
        statement=f"least-squares fits of log|lambda| on log k over the spectrum table's k in "
                  f"[{FIT_FROM}, {p.k_max}] (families_fits.csv)",
        justification="measured on float64 eigenvalues at the proved box centres; not proved"))
    if spurious:
        jk = np.flatnonzero(fits["quantity"] == "J k")
        out.append(Claim.report(
            "J k tends to a limit (fit L + a k^-1/2 + b k^-1)",
            measured="; ".join(f"type {fits['family'][i]}: L = {fits['limit'][i]:.5f}, "
                               f"J k = {fits['value_at_k_to'][i]:.6f} at k = {fits['k_to'][i]}"
                               for i in jk) or no_fit,
            statement=f"least squares on the proved losses (interval midpoints) at every k in "
                      f"[{FIT_FROM}, {p.k_max}]; docs/families.md compares 1/2 - 2/pi^2 = "
                      f"{0.5 - 2 / math.pi**2:.5f} (type A) and 1 - 4/pi^2 = "
                      f"{1 - 4 / math.pi**2:.5f} (type II)",
            justification="an extrapolation, not a proof",
            value=float(fits["limit"][jk[0]]) if len(jk) else None))
    return out


def split_claim(p: Params, split) -> Claim:
    """PASS when every k of each spurious family in the range has, for both units, a proved
    negative split curvature (a k missing from ``split`` or not certified fails it)."""
    from relucheck.proofs.families.patterns import PATTERNS
    from relucheck.proofs.families.split import UNITS

    parts, bad, n_bad = [], [], 0
    for name in (n for n in p.types if n in SPURIOUS):
        want = set(range(max(p.k_min, PATTERNS[name].min_k), p.k_max + 1))
        for unit in UNITS:
            m = (split["family"] == name) & (split["unit"] == unit)
            ks, cert = split["k"][m].astype(int), split["certified"][m]
            curv = split["curvature_upper"][m]
            ok = (cert == 1) & (curv < 0)
            have = {int(k) for k in ks[ok]}
            failed = sorted(int(k) for k in ks[~ok])
            missing = sorted(want - {int(k) for k in ks})
            n_bad += len(failed) + len(missing)
            text = (f"{_words(name)}, {unit} unit: {len(have & want)} of {len(want)} k proved"
                    f", {len(failed)} failed, {len(missing)} missing")
            if ok.any():
                i = int(np.argmax(np.where(ok, curv, -np.inf)))
                text += (f" (an eigenvalue <= {curv[i]:.2g} at every t, the weakest at "
                         f"k = {ks[i]})")
            parts.append(text)
            bad += [f"{_words(name)} {unit} k = {k}" for k in failed[:3]]
            if missing:
                bad.append(f"{_words(name)} {unit}: {len(missing)} k missing from the table "
                           f"(first {missing[:5]})")
    return Claim.check(
        "Every family point's split embedding at n = k + 1 is a proved saddle, for the "
        "special and a generic unit",
        ok=n_bad == 0,
        measured="; ".join(parts) + (" -- not proved: " + "; ".join(bad) if bad else ""),
        threshold="at every k of types A and II, for each unit i split into t w_i and "
                  "(1 - t) w_i: a proved bound rho < 0 of a Rayleigh quotient of "
                  "R_i = H_ii - I/2 over the proof's box, so the (k + 1)-unit Hessian has an "
                  "eigenvalue <= 2 rho < 0 for every t in (0, 1)",
        justification="arb over the box holding the Krawczyk-proved critical point "
                      "(relucheck.proofs.families.split): along (u, -u) on the two halves the "
                      "quadratic form is (1/t + 1/(1 - t)) u^T R_i u, and 1/(2t) + 1/(2(1 - t))"
                      " >= 2",
        value=float(n_bad))
