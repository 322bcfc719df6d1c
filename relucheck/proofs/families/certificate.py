"""Certificates: one JSON object per line per (type, k), and a checker that re-derives every
verdict from the file alone with arb (no numpy linear algebra, no numba).

Row fields (docs/families.md):
  type        "A" or "II"
  k           integer dimension (teacher I_k, k students)
  unknowns    names of the fixed-space coordinates, in order
  center      box centre, one exact float per unknown, as float.hex() strings
  radius      box radius per unknown, float.hex() strings (> 0)
  prec        arb working precision in bits
  loss        [lo, hi] decimal strings: J at the critical point lies in [lo, hi]
  blocks      [{name, size, multiplicity, lambda_min_lower}] in the pattern's block order;
              lambda_min_lower a decimal string L: every Hessian eigenvalue of that block >= L
  verdict     "strict local minimum" or "not proved: <reason>"
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from relucheck.proofs._arb import arb, ctx, fmpq
from relucheck.proofs.families.arbtools import endpoints, krawczyk, ldl_positive, normalised
from relucheck.proofs.families.kit import ARB
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.proof import ProofResult, loss_over_box

MINIMUM = "strict local minimum"


def result_to_row(res: ProofResult, prec: int) -> dict:
    pat = PATTERNS[res.pattern]
    return {
        "type": res.pattern,
        "k": res.k,
        "unknowns": list(pat.unknowns),
        "center": [float(x).hex() for x in res.center],
        "radius": [float(x).hex() for x in res.radius],
        "prec": prec,
        "loss": list(res.loss),
        "blocks": [{"name": b.name, "size": b.size, "multiplicity": b.multiplicity,
                    "lambda_min_lower": b.lower} for b in res.blocks],
        "verdict": MINIMUM if res.proved else f"not proved: {res.reason}",
    }


def write_certificate(path, results, prec: int) -> None:
    with open(path, "w") as fh:
        for res in results:
            fh.write(json.dumps(result_to_row(res, prec), separators=(",", ":")) + "\n")


@dataclass
class CheckReport:
    rows: int = 0
    confirmed: int = 0  # rows claiming a minimum, re-proved
    failures_listed: int = 0  # rows honestly claiming "not proved"
    refused: list = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.refused and self.rows > 0


def _decimal(s) -> Fraction:
    if not isinstance(s, str):
        raise ValueError(f"expected a decimal string, got {s!r}")
    d = Decimal(s)
    if not d.is_finite():
        raise ValueError(f"not a finite decimal: {s!r}")
    return Fraction(d)


def check_row(row: dict) -> str | None:
    """None when the row's claims are re-proved (or it honestly claims no proof);
    otherwise the reason to refuse it."""
    name = row.get("type")
    if name not in ("A", "II"):
        return f"unknown type {name!r}"
    pat = PATTERNS[name]
    k = row.get("k")
    if not isinstance(k, int) or isinstance(k, bool) or k < pat.min_k:
        return f"k must be an integer >= {pat.min_k}"
    if row.get("unknowns") != list(pat.unknowns):
        return f"unknowns {row.get('unknowns')} are not type {name}'s {list(pat.unknowns)}"
    n = len(pat.unknowns)
    try:
        center = [float.fromhex(x) for x in row["center"]]
        radius = [float.fromhex(x) for x in row["radius"]]
    except (KeyError, TypeError, ValueError) as exc:
        return f"bad centre/radius: {exc}"
    if len(center) != n or len(radius) != n:
        return "centre/radius of the wrong length"
    if not all(r > 0 and r < float("inf") for r in radius):
        return "radius must be positive and finite"
    prec = row.get("prec")
    if not isinstance(prec, int) or not 53 <= prec <= 4096:
        return "prec must be an integer in [53, 4096]"
    blocks = row.get("blocks")
    if not isinstance(blocks, list) or len(blocks) != len(pat.blocks):
        return f"type {name} has {len(pat.blocks)} blocks"
    for b, blk in zip(blocks, pat.blocks, strict=True):
        if b.get("name") != blk.name:
            return f"block {b.get('name')!r} where type {name} has {blk.name!r}"
        if b.get("size") != len(blk.rules):
            return f"block {blk.name}: size {b.get('size')} != {len(blk.rules)}"
        if b.get("multiplicity") != blk.dim(k):
            return f"block {blk.name}: multiplicity {b.get('multiplicity')} != {blk.dim(k)}"
    verdict = row.get("verdict")
    if not isinstance(verdict, str):
        return "missing verdict"
    if verdict.startswith("not proved"):
        return None  # a listed failure claims nothing
    if verdict != MINIMUM:
        return f"unknown verdict {verdict!r}"
    try:
        lowers_q = [_decimal(b["lambda_min_lower"]) for b in blocks]
        lo_q, hi_q = (_decimal(x) for x in row["loss"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"bad number: {exc}"
    old = ctx.prec
    ctx.prec = prec
    try:
        # balls holding the exact decimals (the LDL below holds for every value in them)
        lowers = [arb(fmpq(q.numerator, q.denominator)) for q in lowers_q]
        box = [arb(c, r) for c, r in zip(center, radius, strict=True)]
        J0, g = pat.loss_and_gradient([arb(c) for c in center], k, ARB)
        cache: dict = {}
        jac = None
        for blk, L, b in zip(pat.blocks, lowers, blocks, strict=True):
            if not L > 0:
                return f"block {blk.name}: lower bound {b['lambda_min_lower']} is not > 0"
            B, G = pat.block(blk, box, k, ARB, cache)
            if jac is None:
                jac = B
            Bn = normalised(B, G)
            m = len(Bn)
            ok, _ = ldl_positive([[Bn[p][q] - (L if p == q else 0) for q in range(m)]
                                  for p in range(m)])
            if not ok:
                return f"block {blk.name}: not proved >= {b['lambda_min_lower']}"
        ok, _, _ = krawczyk(center, radius, g, jac)
        if not ok:
            return "Krawczyk: K(X) not inside X (no proved unique critical point in the box)"
        J = loss_over_box(J0, g, jac, radius)
        # the claimed decimals must enclose the proved ball (exact rational comparison)
        j_lo, j_hi = endpoints(J)
        if not (lo_q <= j_lo and j_hi <= hi_q):
            return f"loss {J} not enclosed by the claim [{row['loss'][0]}, {row['loss'][1]}]"
    finally:
        ctx.prec = old
    return None


def check_families(path) -> CheckReport:
    """Re-derive every verdict of a certificate file; refuse malformed or mislabelled rows,
    duplicate (type, k) and claims that do not re-prove."""
    rep = CheckReport()
    seen = set()
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rep.rows += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                rep.refused.append((lineno, f"not JSON: {exc}"))
                continue
            if not isinstance(row, dict):
                rep.refused.append((lineno, "not an object"))
                continue
            key = (row.get("type"), row.get("k"))
            if key in seen:
                rep.refused.append((lineno, f"duplicate {key}"))
                continue
            seen.add(key)
            reason = check_row(row)
            if reason is not None:
                rep.refused.append((lineno, reason))
            elif row["verdict"] == MINIMUM:
                rep.confirmed += 1
            else:
                rep.failures_listed += 1
    return rep
