"""Certificates of the families' proofs: a compact, byte-stable file (xz of JSON lines) and
a checker that re-derives every verdict from the file alone with arb (no numpy linear algebra,
no numba). Format (docs/families.md section 6):

line 1, the header: {"format", "version", "prec" (arb bits), "types": {type: {"unknowns",
  "min_k", "blocks": [[name, size, multiplicity in k], ...]}}, "splits": {type: {unit: {"row",
  "blocks": [[name, size, multiplicity in k], ...]}}}, and the row layout in words}; the
  checker refuses a header whose labels are not the patterns' own.
each further line, one (type, k): [type, k, s, centre, [loss lo, loss hi], lowers, verdict,
  splits]
  s        the box's radius shift: r_p = 2^(e_p - s), 2^e_p the power of two at or below
           max(|c_p|, 1/k^2) (1/k^2 the IEEE double 1.0 / (k * k)), recomputed by the checker
  centre   one exact float per unknown (44 significant bits up to k = 10^4, 53 above), short
           hex (float.fromhex)
  loss     decimal strings: J at the critical point lies in [lo, hi]
  lowers   one decimal string L per block, in the header's order: every Hessian eigenvalue of
           that block >= L
  verdict  "M" (strict local minimum) or "not proved: <reason>" (claims no minimum, counted;
           it may still carry split claims)
  splits   [] or, for types A and II, one [unit, block, direction, upper] per unit (special,
           generic): the box holds a proved critical point (Krawczyk, re-checked) and
           v^T R~ v / v^T v <= upper < 0 over the box, v the direction (hex floats) in the
           named block of R_unit = H_unit,unit - I/2: the split embedding at n = k + 1 is a
           saddle (relucheck.proofs.families.split)
"""

from __future__ import annotations

import gzip
import json
import lzma
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from relucheck.proofs._arb import arb, fmpq, pool_map
from relucheck.proofs.families.arbtools import endpoints, krawczyk, ldl_positive, normalised
from relucheck.proofs.families.kit import ARB
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.proof import (
    K_LIMIT,
    WIDER,
    ProofResult,
    box_shift,
    default_radius,
    loss_over_box,
)
from relucheck.proofs.families.split import SPLIT_PATTERNS, SPLITS, UNITS, rayleigh, split_blocks
from relucheck.runtime.progress import null_progress

FORMAT = "relucheck-families-certificate"
VERSION = 3
MINIMUM = "strict local minimum"
PROVED = "M"  # a row's verdict: strict local minimum
TYPES = ("A", "II", "global")
#: The multiplicity of each block as a polynomial in k (the header states them; tests check
#: them against Block.dim).
MULTIPLICITY = {"A": ("1", "k - 2", "(k - 1)(k - 4)/2", "(k - 2)(k - 3)/2"),
                "II": ("1", "1", "k - 3", "k - 3", "(k - 2)(k - 5)/2", "(k - 3)(k - 4)/2"),
                "global": ("1", "k - 1", "k(k - 3)/2", "(k - 1)(k - 2)/2")}


def shifts(k: int) -> tuple[int, int]:
    """The radius shifts a row at k may use: the default box's and the 256 times wider one."""
    return box_shift(k), box_shift(k) - WIDER


ROW = ("[type, k, s, centre (hex floats), [loss lo, loss hi], [lower bound per block], "
       "verdict ('M': strict local minimum, or 'not proved: <reason>'), splits ([] or one "
       "[unit, block, direction (hex floats), upper < 0] per unit: the split embedding at "
       "n = k + 1 has a Rayleigh quotient <= upper)]")
RADIUS = ("r_p = 2^(e_p - s), 2^e_p the power of two at or below max(|c_p|, 1/k^2), "
          "1/k^2 the IEEE double 1.0 / (k * k); s is S(k) or S(k) - 8, S(k) = 36 for "
          "k <= 10^4, else min(48, 38 + 2 ceil(log2(k / 10^4)))")


def labels() -> dict:
    """The header's labels: each type's unknowns, smallest k and blocks (name, size,
    multiplicity)."""
    return {name: {"unknowns": list(PATTERNS[name].unknowns), "min_k": PATTERNS[name].min_k,
                   "blocks": [[b.name, len(b.rules), m] for b, m in
                              zip(PATTERNS[name].blocks, MULTIPLICITY[name], strict=True)]}
            for name in TYPES}


def split_labels() -> dict:
    """The header's split labels: per type and unit, the row split and R's blocks (name, size,
    multiplicity)."""
    return {name: {unit: {"row": SPLITS[name, unit].row,
                          "blocks": [[b.name, len(b.vectors), b.formula]
                                     for b in SPLITS[name, unit].blocks]}
                   for unit in UNITS}
            for name in SPLIT_PATTERNS}


def header(prec: int) -> dict:
    return {"format": FORMAT, "version": VERSION, "prec": prec, "row": ROW, "radius": RADIUS,
            "types": labels(), "splits": split_labels()}


def hex_float(x: float) -> str:
    """float.hex without the mantissa's trailing zeros (float.fromhex reads it back)."""
    s = float(x).hex()
    if "." not in s:
        return s
    mant, exp = s.split("p")
    return mant.rstrip("0").rstrip(".") + "p" + exp


def result_to_row(res: ProofResult) -> list:
    if res.shift is None:
        raise ValueError("only default boxes (radius from a shift) go into a certificate")
    splits = [[c.unit, c.block, [hex_float(x) for x in c.direction], c.upper]
              for c in res.splits if c.proved]
    return [res.pattern, res.k, res.shift, [hex_float(x) for x in res.center], list(res.loss),
            [b.lower for b in res.blocks],
            PROVED if res.proved else f"not proved: {res.reason}", splits]


def encode(rows, prec: int) -> bytes:
    """The certificate's bytes: xz (preset 6, CRC-64; the format has no time stamp or file
    name) of the header and the rows (any iterable, consumed once) as JSON lines, compressed
    as they come so that no text of the whole file is held; the same rows give the same bytes
    (with the same liblzma, however the input is fed)."""
    xz = lzma.LZMACompressor(format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)
    out = [xz.compress((json.dumps(header(prec), separators=(",", ":")) + "\n").encode())]
    batch = []
    for r in rows:
        batch.append(json.dumps(r, separators=(",", ":")))
        if len(batch) == 1000:
            out.append(xz.compress(("\n".join(batch) + "\n").encode("utf-8")))
            batch = []
    if batch:
        out.append(xz.compress(("\n".join(batch) + "\n").encode("utf-8")))
    out.append(xz.flush())
    return b"".join(out)


def write_certificate(path, results, prec: int) -> None:
    Path(path).write_bytes(encode((result_to_row(r) for r in results), prec))


def read_lines(data: bytes) -> list[str]:
    """The certificate's text lines (xz, gzip, or plain text)."""
    if data[:6] == b"\xfd7zXZ\x00":
        data = lzma.decompress(data)
    elif data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()


@dataclass
class CheckReport:
    rows: int = 0
    confirmed: int = 0  # rows claiming a minimum, re-proved
    failures_listed: int = 0  # rows honestly claiming "not proved"
    refused: list = field(default_factory=list)  # (line number, reason)
    prec: int | None = None
    readable: bool = True  # False: not this format at all (unreadable, foreign, other version)
    confirmed_keys: set = field(default_factory=set)  # (type, k) re-proved minima
    split_keys: set = field(default_factory=set)  # (type, k, unit) re-proved split saddles

    @property
    def ok(self) -> bool:
        return not self.refused and self.rows > 0


def _decimal(s) -> Fraction:
    if not isinstance(s, str):
        raise ValueError(f"expected a decimal string, got {s!r}")
    if len(s) > 64:  # the writer's decimals have at most 12 digits
        raise ValueError(f"decimal string too long: {s[:20]!r}...")
    d = Decimal(s)
    if not d.is_finite():
        raise ValueError(f"not a finite decimal: {s!r}")
    if abs(d.adjusted()) > 400:  # exact conversion of 1e-999999999 would stall the checker
        raise ValueError(f"decimal exponent out of range: {s!r}")
    return Fraction(d)


def check_header(head) -> str | None:
    """None when the header is this format's, with the patterns' own labels."""
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        return f"not a {FORMAT} file"
    if head.get("version") != VERSION:
        return f"version {head.get('version')!r}, this checker reads {VERSION}"
    prec = head.get("prec")
    if not isinstance(prec, int) or isinstance(prec, bool) or not 53 <= prec <= 4096:
        return "prec must be an integer in [53, 4096]"
    types = head.get("types")
    want = labels()
    if not isinstance(types, dict) or sorted(types) != sorted(want):
        return f"types must be {sorted(want)}"
    for name, lab in want.items():
        got = types[name]
        if not isinstance(got, dict):
            return f"type {name}: labels not an object"
        for key in ("unknowns", "min_k"):
            if got.get(key) != lab[key]:
                return f"type {name}: {key} {got.get(key)!r} are not {lab[key]!r}"
        blocks = got.get("blocks")
        if not isinstance(blocks, list) or len(blocks) != len(lab["blocks"]):
            return f"type {name} has {len(lab['blocks'])} blocks"
        for b, w in zip(blocks, lab["blocks"], strict=True):
            if not isinstance(b, list) or len(b) != 3 or b[0] != w[0]:
                return f"type {name}: block {b!r} where the pattern has {w[0]!r}"
            if b[1] != w[1]:
                return f"type {name}: block {w[0]} of size {b[1]!r}, not {w[1]}"
            if b[2] != w[2]:
                return f"type {name}: block {w[0]} of multiplicity {b[2]!r}, not {w[2]}"
    if head.get("splits") != split_labels():
        return f"split labels must be {split_labels()!r}"
    return None


def parse_row(row) -> tuple[str | None, tuple | None]:
    """(reason to refuse, None) or (None, parsed): the row's shape and labels. ``parsed`` is
    (type, k, centre, radius, lowers, loss lo, loss hi, verdict, splits)."""
    if not isinstance(row, list) or len(row) != 8:
        return "a row is a list of 8 fields: " + ROW, None
    name, k, shift, centre_s, loss_s, lowers_s, verdict, splits_s = row
    if name not in TYPES:
        return f"unknown type {name!r}", None
    pat = PATTERNS[name]
    if not isinstance(k, int) or isinstance(k, bool) or not pat.min_k <= k <= K_LIMIT:
        return f"k must be an integer in [{pat.min_k}, {K_LIMIT}]", None
    if not isinstance(shift, int) or isinstance(shift, bool) or shift not in shifts(k):
        return f"radius shift at k = {k} must be one of {shifts(k)}", None
    n = len(pat.unknowns)
    if not isinstance(centre_s, list) or len(centre_s) != n:
        return f"type {name} has {n} unknowns {list(pat.unknowns)}: centre of the wrong length", \
            None
    try:
        centre = [float.fromhex(x) for x in centre_s]
    except (TypeError, ValueError, OverflowError) as exc:
        return f"bad centre: {exc}", None
    if not all(abs(c) < float("inf") for c in centre):
        return "centre must be finite", None
    radius = default_radius(centre, k, 2.0**-shift)
    if not isinstance(lowers_s, list) or len(lowers_s) != len(pat.blocks):
        return f"type {name} has {len(pat.blocks)} blocks: one lower bound each", None
    if not isinstance(verdict, str):
        return "missing verdict", None
    reason, splits = parse_splits(name, splits_s)
    if reason is not None:
        return reason, None
    if verdict.startswith("not proved"):
        return None, (name, k, centre, radius, None, None, None, verdict, splits)
    if verdict != PROVED:
        return f"unknown verdict {verdict!r}", None
    try:
        lowers = [_decimal(x) for x in lowers_s]
        if not isinstance(loss_s, list) or len(loss_s) != 2:
            raise ValueError("loss must be [lo, hi]")
        lo, hi = (_decimal(x) for x in loss_s)
    except (TypeError, ValueError, ArithmeticError) as exc:
        return f"bad number: {exc}", None
    for blk, L, s in zip(pat.blocks, lowers, lowers_s, strict=True):
        if not L > 0:
            return f"block {blk.name}: lower bound {s} is not > 0", None
    return None, (name, k, centre, radius, lowers, lo, hi, verdict, splits)


def parse_splits(name: str, splits_s) -> tuple[str | None, list | None]:
    """(reason to refuse, None) or (None, [(unit, block, direction floats, upper Fraction)]):
    at most one claim per unit, in the order of UNITS, each naming a block of that unit's R
    with a direction of the block's size and a negative upper bound."""
    if not isinstance(splits_s, list):
        return "splits must be a list", None
    if not splits_s:
        return None, []
    if name not in SPLIT_PATTERNS:
        return f"type {name} has no split embedding: its splits must be []", None
    out = []
    due = list(UNITS)
    for claim in splits_s:
        if not isinstance(claim, list) or len(claim) != 4:
            return "a split claim is [unit, block, direction, upper]", None
        unit, blk, dir_s, up_s = claim
        if not isinstance(unit, str) or unit not in due:
            return (f"split claim for unit {unit!r}: the units are {list(UNITS)}, each at "
                    "most once and in this order"), None
        due = due[due.index(unit) + 1:]
        sizes = {b.name: len(b.vectors) for b in SPLITS[name, unit].blocks}
        if not isinstance(blk, str) or blk not in sizes:
            return f"split {unit}: block {blk!r} is not one of {sorted(sizes)}", None
        if not isinstance(dir_s, list) or len(dir_s) != sizes[blk]:
            return f"split {unit}: block {blk} needs a direction of {sizes[blk]} floats", None
        try:
            v = [float.fromhex(x) for x in dir_s]
            up = _decimal(up_s)
        except (TypeError, ValueError, ArithmeticError) as exc:  # OverflowError included
            return f"split {unit}: bad number: {exc}", None
        if not all(abs(x) < float("inf") for x in v) or not any(v):
            return f"split {unit}: the direction must be finite and nonzero", None
        if not up < 0:
            return f"split {unit}: upper bound {up_s} is not < 0", None
        out.append((unit, blk, v, up))
    return None, out


def reprove_splits(name, k, box, splits, cache) -> str | None:
    """None when every split claim re-proves over the box (the box's critical point is
    checked by the caller); otherwise the reason to refuse the row."""
    for unit, blk, v, up in splits:
        R, G = next((R, G) for b, R, G in split_blocks(name, unit, box, k, ARB, cache)
                    if b.name == blk)
        rho = rayleigh(R, G, v)
        if not endpoints(rho)[1] <= up:
            return f"split {unit}: Rayleigh quotient {rho} not <= the claimed {float(up):.4g}"
    return None


def reprove(parsed) -> str | None:
    """None when a parsed row's claims re-prove at the working precision (arb); otherwise the
    reason to refuse it. A row that is not a proved minimum but claims split saddles has its
    critical point (Krawczyk) and its split claims re-proved."""
    name, k, center, radius, lowers_q, lo_q, hi_q, verdict, splits = parsed
    if verdict != PROVED:
        return _reprove_critical_splits(name, k, center, radius, splits)
    pat = PATTERNS[name]
    # balls holding the exact decimals (the LDL below holds for every value in them)
    lowers = [arb(fmpq(q.numerator, q.denominator)) for q in lowers_q]
    box = [arb(c, r) for c, r in zip(center, radius, strict=True)]
    J0, g = pat.loss_and_gradient([arb(c) for c in center], k, ARB)
    cache: dict = {}
    jac = None
    for blk, L, q in zip(pat.blocks, lowers, lowers_q, strict=True):
        B, G = pat.block(blk, box, k, ARB, cache)
        if jac is None:
            jac = B
        Bn = normalised(B, G)
        m = len(Bn)
        ok, _ = ldl_positive([[Bn[p][r] - (L if p == r else 0) for r in range(m)]
                              for p in range(m)])
        if not ok:
            return f"block {blk.name}: not proved >= {float(q):.4g}"
    ok, _, _ = krawczyk(center, radius, g, jac)
    if not ok:
        return "Krawczyk: K(X) not inside X (no proved unique critical point in the box)"
    J = loss_over_box(J0, g, jac, radius)
    # the claimed decimals must enclose the proved ball (exact rational comparison)
    j_lo, j_hi = endpoints(J)
    if not (lo_q <= j_lo and j_hi <= hi_q):
        return f"loss {J} not enclosed by the claim [{float(lo_q)!r}, {float(hi_q)!r}]"
    return reprove_splits(name, k, box, splits, cache)


def _reprove_critical_splits(name, k, center, radius, splits) -> str | None:
    """A row claiming no minimum: only its split claims (if any), on a box whose unique
    critical point is re-proved first."""
    if not splits:
        return None
    pat = PATTERNS[name]
    box = [arb(c, r) for c, r in zip(center, radius, strict=True)]
    _, g = pat.loss_and_gradient([arb(c) for c in center], k, ARB)
    cache: dict = {}
    jac = pat.block(pat.blocks[0], box, k, ARB, cache)[0]
    if not krawczyk(center, radius, g, jac)[0]:
        return "Krawczyk: K(X) not inside X (the split claims need a proved critical point)"
    return reprove_splits(name, k, box, splits, cache)


def _reprove_chunk(chunk: list) -> list:
    return [(lineno, reprove(parsed)) for lineno, parsed in chunk]


def check_families(path, *, workers: int = 1, progress=null_progress, client=None,
                   chunk: int = 250) -> CheckReport:
    """Re-derive every verdict of a certificate file (xz, gzip or text); refuse a foreign or
    mislabelled header, malformed or mislabelled rows, a duplicate (type, k) and claims that
    do not re-prove. The re-proofs run in ``workers`` processes (or on a dask ``client``)."""
    rep = CheckReport()
    try:
        lines = read_lines(Path(path).read_bytes())
    except (OSError, EOFError, UnicodeDecodeError, lzma.LZMAError, zlib.error) as exc:
        rep.refused.append((0, f"not a certificate file: {exc.__class__.__name__}: {exc}"))
        rep.readable = False
        return rep
    if not lines:
        rep.refused.append((0, "empty file"))
        rep.readable = False
        return rep
    try:
        head = json.loads(lines[0])
    except json.JSONDecodeError as exc:
        head, bad = None, f"header not JSON: {exc}"
    else:
        bad = check_header(head)
    if bad is not None:
        rep.refused.append((1, bad))
        rep.readable = not (head is None or bad.startswith(("not a ", "version")))
        return rep
    prec = rep.prec = head["prec"]
    seen = set()
    todo = []
    for lineno, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        rep.rows += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            rep.refused.append((lineno, f"not JSON: {exc}"))
            continue
        reason, parsed = parse_row(row)
        if reason is not None:
            rep.refused.append((lineno, reason))
            continue
        key = parsed[:2]
        if key in seen:
            rep.refused.append((lineno, f"duplicate {key}"))
            continue
        seen.add(key)
        if parsed[7] == PROVED or parsed[8]:
            todo.append((lineno, parsed))
        if parsed[7] != PROVED:
            rep.failures_listed += 1
    keys = {lineno: parsed for lineno, parsed in todo}
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    if chunks:
        done = pool_map(_reprove_chunk, chunks, prec=prec, workers=workers, progress=progress,
                        desc="families: re-proving", client=client)
        for part in done:
            for lineno, reason in part:
                if reason is None:
                    parsed = keys[lineno]
                    if parsed[7] == PROVED:
                        rep.confirmed += 1
                        rep.confirmed_keys.add(parsed[:2])
                    rep.split_keys.update((*parsed[:2], unit) for unit, *_ in parsed[8])
                else:
                    rep.refused.append((lineno, reason))
    rep.refused.sort()
    return rep

