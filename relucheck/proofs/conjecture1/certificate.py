"""The certificate of Conjecture 1 (``fig10_conjecture1_certificate.csv``): its columns, the
a range it proves, and the checker that re-verifies it from the file alone in arb
(``relucheck check-certificate``; docs/proof-conjecture1.md section 7).
"""

from __future__ import annotations

import numpy as np

from relucheck.proofs._arb import arb, pool_map, precision, require_flint
from relucheck.proofs.conjecture1 import A_ZERO_MAX
from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import subdivision as cf
from relucheck.runtime.progress import Progress, null_progress

#: piece: "bulk" (bisection, a in [a_lo, a_hi]) or "pi" (the a -> pi end piece, a = pi - e with
#: e in [e_lo, e_hi]; its a_lo, a_hi are that range rounded outward, for drawing, and are checked
#: against e). F12, F21: the enclosures the method uses (of G, dG/dphi or the corner quantity).
COLUMNS = ("piece", "region", "a_lo", "a_hi", "e_lo", "e_hi", "x_lo", "x_hi", "depth",
           "certified", "method", "F12_lo", "F12_hi", "F21_lo", "F21_hi")
NUMERIC = ("a_lo", "a_hi", "e_lo", "e_hi", "x_lo", "x_hi", "depth", "certified", "F12_lo",
           "F12_hi", "F21_lo", "F21_hi")
ENCLOSURES = (("F12", "F12_lo", "F12_hi"), ("F21", "F21_lo", "F21_hi"))
_CHUNK = 2000  # boxes per task when re-verifying


def _file_line(i):
    """The line of the CSV holding table row ``i`` (line 1 is the header)."""
    return i + 2


def _a_columns(piece: str) -> tuple[str, str]:
    return ("e_lo", "e_hi") if piece == "pi" else ("a_lo", "a_hi")


def tiling_problems(table, pieces: dict[str, tuple[float, float]]) -> list[str]:
    """:func:`check_tiling` for each piece's root in each region (rows named by CSV line), and
    rows of pieces not in ``pieces``."""
    problems = []
    known = np.isin(table["piece"], list(pieces))
    for i in np.flatnonzero(~known)[:5]:
        problems.append(f"line {_file_line(i)}: unknown piece {table['piece'][i]!r}")
    for piece, (lo, hi) in pieces.items():
        c_lo, c_hi = _a_columns(piece)
        for region in cf.REGIONS_OF[piece]:
            m = (table["region"] == region) & (table["piece"] == piece)
            for msg in check_tiling(table[c_lo][m], table[c_hi][m], table["x_lo"][m],
                                    table["x_hi"][m], (lo, hi, 0.0, 1.0),
                                       rows=_file_line(np.flatnonzero(m))):
                msg = msg.replace("row ", "line ")
                if piece == "pi":  # this piece's boxes give e = pi - a
                    msg = msg.replace("a in [", "e = pi - a in [")
                problems.append(f"{piece}/{region}: {msg}")
    return problems


# --- the a range a certificate proves ----------------------------------------------------------


def _end_arb(end):
    """An end of a span as an arb ball around the exact real: a float, or ("pi-", e) = pi - e."""
    if isinstance(end, tuple):
        return arb.pi() - arb(end[1])
    return arb(end)


def _end_text(end) -> str:
    return f"pi - {end[1]!r}" if isinstance(end, tuple) else repr(end)


def _span_text(lo, hi) -> str:
    """A proven span exactly: [lo, hi] with lo = 0 open ("(0"), hi = ("pi-", 0.0) open ("pi)")."""
    left = "(0" if lo == 0.0 else f"[{_end_text(lo)}"
    right = "pi)" if hi == ("pi-", 0.0) else f"{_end_text(hi)}]"
    return f"a in {left}, {right}"


def coverage(pieces: dict[str, tuple[float, float]]) -> list[dict]:
    """The a ranges the pieces prove, merged where they meet (decided in arb at 256 bits):
    a list of {"lo", "hi", "text"}, each end a float or ("pi-", e) for pi - e. An end at 0 or
    at pi - 0 is open (the conjecture is about 0 < a < pi; G's sign holds at a = pi too, but
    L = sin a G = 0 there)."""
    raw = []
    if "zero" in pieces:
        raw.append(list(pieces["zero"]))
    raw.append(list(pieces["bulk"]))
    if "pi" in pieces:
        e_lo, e_hi = pieces["pi"]
        raw.append([("pi-", e_hi), ("pi-", e_lo)])
    spans = [raw[0]]
    for lo, hi in raw[1:]:
        meets = _rounded_cmp(lambda lo=lo, hi=spans[-1][1]: _end_arb(lo) <= _end_arb(hi))
        if meets:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return [{"lo": lo, "hi": hi, "text": _span_text(lo, hi)} for lo, hi in spans]


def _rounded_cmp(test) -> bool:
    """A comparison of arb balls at 256 bits, True only when certain."""
    with precision(256):
        return bool(test())


# --- re-verifying a certificate -----------------------------------------------------------------


def _verify_rows(rows: list[tuple]) -> list[str]:
    """Recompute each row's claim and check the enclosures stored beside it; the problems found
    (empty when every claim holds).

    A stored enclosure is accepted only when it is finite, ordered, strictly signed as the
    method requires and meets the recomputed one: both enclose the same range of the same
    quantity over the box, so disjoint enclosures prove the stored one wrong. The proof rests
    on the recomputation alone; the stored columns are checked so that a certificate never
    carries numbers nobody verified (NaN, a flipped sign). A box of the a -> pi piece also has
    its a_lo, a_hi checked to be outward roundings of pi - e_hi, pi - e_lo."""
    problems = []
    for i, piece, region, a_lo, a_hi, e_lo, e_hi, x_lo, x_hi, method, stored in rows:
        line = _file_line(i)
        if piece == cf.PI_END:
            box = cf.Box(region, e_lo, e_hi, x_lo, x_hi, 0, piece)
            # decided at 256 bits whatever --prec is: pi - e is irrational, never a float
            if not _rounded_cmp(lambda a_lo=a_lo, a_hi=a_hi, e_lo=e_lo, e_hi=e_hi: (
                    arb(a_lo) <= iv.a_bounds(e_lo, e_hi, True)[0]
                    and iv.a_bounds(e_lo, e_hi, True)[1] <= arb(a_hi))):
                problems.append(f"line {line}: a_lo, a_hi [{a_lo!r}, {a_hi!r}] do not contain "
                                f"pi - e for e in [{e_lo!r}, {e_hi!r}]")
        else:
            box = cf.Box(region, a_lo, a_hi, x_lo, x_hi, 0, piece)
        need = cf.required_sign(box)
        if need is None or need[0] != method:
            problems.append(f"line {line}: method {method!r} is not valid for this box "
                            f"(expected {need[0] if need else 'none: it touches both lines'})")
            continue
        leaf = cf.classify(box)
        if not leaf.certified:
            problems.append(f"line {line}: {piece} {region} box a in [{a_lo!r}, {a_hi!r}], x "
                            f"in [{x_lo!r}, {x_hi!r}]: the {method} enclosure is not strictly "
                            f"signed (F12 in {leaf.g12}, F21 in {leaf.g21})")
            continue
        sign = need[1]
        for (name, _, _), (lo, hi), (r_lo, r_hi) in zip(ENCLOSURES, stored,
                                                         (leaf.g12, leaf.g21), strict=True):
            if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
                problems.append(f"line {line}: stored {name} enclosure [{lo!r}, {hi!r}] is not "
                                f"a finite interval")
            elif not (lo > 0 if sign > 0 else hi < 0):
                problems.append(f"line {line}: stored {name} enclosure [{lo!r}, {hi!r}] is not "
                                f"strictly {'positive' if sign > 0 else 'negative'}")
            elif hi < r_lo or lo > r_hi:
                problems.append(f"line {line}: stored {name} enclosure [{lo!r}, {hi!r}] misses "
                                f"the recomputed one [{r_lo!r}, {r_hi!r}]")
    return problems


def _column_problem(table, col: str, numeric: bool) -> str | None:
    """Why column ``col`` cannot be read as a certificate column (None when it can)."""
    v = table[col]
    if numeric and v.dtype.kind not in "fiu":  # integers: the table cert.run returns
        bad = next((i for i, x in enumerate(v.tolist()) if not _is_float(x)), 0)
        return f"column {col} must be numeric; line {_file_line(bad)} has {v[bad]!r}"
    if not numeric and v.dtype.kind != "U":
        return f"column {col} must be text, it holds numbers"
    return None


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return x == ""
    return True


def read_certificate(table) -> None:
    """Raise ValueError (the file is not a certificate: exit 2) naming the first missing or
    unreadable column."""
    missing = [c for c in COLUMNS if c not in table]
    if missing:
        raise ValueError(f"not a certificate: missing columns {', '.join(missing)}")
    if len(table["a_lo"]) == 0:
        raise ValueError("not a certificate: it has no boxes")
    for col in COLUMNS:
        msg = _column_problem(table, col, col in NUMERIC)
        if msg:
            raise ValueError(f"not a certificate: {msg}")


def check_certificate(table, *, prec: int, workers: int, progress: Progress = null_progress
                      ) -> tuple[dict, list[str]]:
    """Re-verify a certificate table: every row certified, every box's claim recomputed in arb
    at ``prec`` bits (and the stored enclosures checked against it), each piece tiled exactly
    in both regions, the pieces glued. Returns (what it covers, problems); the certificate
    proves Conjecture 1 on covered["spans"] when problems is empty. Problems name CSV lines
    (the header is line 1). Raises ValueError when the table is not a certificate at all."""
    require_flint()
    read_certificate(table)
    n = len(table["a_lo"])
    found = set(table["piece"].tolist())
    if not found <= set(cf.PIECES):
        raise ValueError(f"not a certificate: unknown piece {sorted(found - set(cf.PIECES))}")
    for piece in found:
        regions = set(table["region"][table["piece"] == piece].tolist())
        if not regions <= set(cf.REGIONS_OF[piece]):
            raise ValueError(f"not a certificate: unknown region of piece {piece!r}: "
                             f"{sorted(regions - set(cf.REGIONS_OF[piece]))}")
    problems: list[str] = []
    bulk, pi_end = table["piece"] == cf.BULK, table["piece"] == cf.PI_END
    zero = table["piece"] == cf.ZERO_END
    for col, m in (("e_lo", pi_end), ("e_hi", pi_end), ("x_lo", None), ("x_hi", None),
                   ("a_lo", None), ("a_hi", None)):
        v = table[col] if m is None else table[col][m]
        rows = np.arange(n) if m is None else np.flatnonzero(m)
        bad = rows[~np.isfinite(v)]
        if len(bad):
            problems.append(f"column {col} has empty or non-finite values (line "
                            f"{_file_line(bad[0])})")
    if not bulk.any():
        problems.append("piece 'bulk' has no boxes")
    if problems:
        return {}, problems
    pieces = {"bulk": (float(table["a_lo"][bulk].min()), float(table["a_hi"][bulk].max()))}
    if zero.any():
        pieces["zero"] = (float(table["a_lo"][zero].min()), float(table["a_hi"][zero].max()))
        if not 0 <= pieces["zero"][0] < pieces["zero"][1] <= A_ZERO_MAX:
            problems.append(f"piece 'zero': a range {pieces['zero']} is not inside "
                            f"[0, {A_ZERO_MAX}]")
    if pi_end.any():
        pieces["pi"] = (float(table["e_lo"][pi_end].min()), float(table["e_hi"][pi_end].max()))
        if not 0 <= pieces["pi"][0] < pieces["pi"][1] < np.pi:
            problems.append(f"piece 'pi': e range {pieces['pi']} is not inside [0, pi)")
    a_min, a_top = pieces["bulk"]
    if not 0 < a_min < a_top < np.pi:
        problems.append(f"a range [{a_min!r}, {a_top!r}] is not inside (0, pi)")
    bad = np.flatnonzero(table["certified"] != 1)
    problems += [f"line {_file_line(i)}: marked uncertified" for i in bad[:20]]
    if len(bad) > 20:
        problems.append(f"... {len(bad) - 20} more uncertified rows")
    for piece in pieces:
        for region in cf.REGIONS_OF[piece]:
            if not np.any((table["region"] == region) & (table["piece"] == piece)):
                problems.append(f"piece {piece!r}, region {region!r} has no boxes")
    problems += tiling_problems(table, pieces)
    stored = list(zip(zip(table["F12_lo"].tolist(), table["F12_hi"].tolist(), strict=True),
                      zip(table["F21_lo"].tolist(), table["F21_hi"].tolist(), strict=True),
                      strict=True))
    rows = list(zip(range(n), table["piece"].tolist(), table["region"].tolist(),
                    table["a_lo"].tolist(), table["a_hi"].tolist(), table["e_lo"].tolist(),
                    table["e_hi"].tolist(), table["x_lo"].tolist(), table["x_hi"].tolist(),
                    table["method"].tolist(), stored, strict=True))
    chunks = [rows[k:k + _CHUNK] for k in range(0, n, _CHUNK)]
    for found in pool_map(_verify_rows, chunks, prec=prec, workers=workers,
                          progress=progress, desc="re-verifying (chunks)"):
        problems += found
    covered = {"spans": coverage(pieces) if not problems else [], "pieces": pieces,
               "boxes": n, "precision_bits": prec}
    return covered, problems


def parse_end(text: str) -> float | str:
    """An end of ``--region``: a finite float in [0, pi], or the word ``pi`` (the open end
    a < pi). Raises ValueError with what is accepted."""
    t = text.strip().lower()
    if t == "pi":
        return "pi"
    try:
        x = float(t)
    except ValueError:
        raise ValueError(f"{text!r} is not a number or 'pi'") from None
    if not (np.isfinite(x) and 0.0 <= x <= np.pi):
        raise ValueError(f"{text!r} is outside [0, pi] (write 'pi' for pi itself)")
    return x


def check_region(lo: float | str, hi: float | str) -> None:
    """Raise ValueError unless lo < hi ('pi' is pi itself: every float is below it)."""
    if lo == "pi" or (hi != "pi" and not lo < hi):
        raise ValueError(f"A_MIN must be below A_MAX (got {lo} and {hi})")


def region_text(lo: float | str, hi: float | str) -> str:
    """The requested set of a: Conjecture 1 is about 0 < a < pi, so an end at 0 or pi is open."""
    left = "(0" if lo == 0.0 else f"[{lo!r}"
    right = "pi)" if hi == "pi" else f"{hi!r}]"
    return f"a in {left}, {right}"


def covers(spans: list[dict], lo: float | str, hi: float | str) -> bool:
    """Whether one proven span holds every a of the requested range [lo, hi] (0 and pi as the
    open ends of the conjecture's 0 < a < pi), decided exactly in arb."""
    for s in spans:
        if lo == 0.0:
            ok_lo = s["lo"] == 0.0
        else:
            ok_lo = _rounded_cmp(lambda s=s: _end_arb(s["lo"]) <= _end_arb(lo))
        if hi == "pi":
            ok_hi = s["hi"] == ("pi-", 0.0)
        else:
            ok_hi = _rounded_cmp(lambda s=s: _end_arb(hi) <= _end_arb(s["hi"]))
        if ok_lo and ok_hi:
            return True
    return False


# --- the tiling (guillotine) check ---------------------------------------------------------------


def check_tiling(lo_a: np.ndarray, hi_a: np.ndarray, lo_x: np.ndarray, hi_x: np.ndarray,
                 root: tuple[float, float, float, float],
                 rows: np.ndarray | None = None) -> list[str]:
    """Problems (empty when none) with the claim that the closed boxes tile ``root`` exactly.

    Recursive guillotine check: a node whose boxes are exactly one box equal to the node is
    tiled; otherwise the node's midpoint in a, or failing that in x, must cut no box, and both
    halves must be tiled by the boxes on their side. Accepting proves the union is the whole
    root with disjoint interiors (no gap, no overlap); a tiling not made by bisection would be
    rejected, never wrongly accepted. ``rows`` names the boxes in messages (default 0, 1, ...).
    """
    rows = np.arange(len(lo_a)) if rows is None else rows
    problems: list[str] = []
    stack = [(root, np.arange(len(lo_a)))]
    while stack:
        (a0, a1, x0, x1), idx = stack.pop()
        if len(idx) == 0:
            problems.append(f"gap: a in [{a0!r}, {a1!r}], x in [{x0!r}, {x1!r}] has no box")
            continue
        if len(idx) == 1:
            i = idx[0]
            if (lo_a[i], hi_a[i], lo_x[i], hi_x[i]) != (a0, a1, x0, x1):
                problems.append(f"gap or misfit: a in [{a0!r}, {a1!r}], x in [{x0!r}, {x1!r}] "
                                f"holds only row {rows[i]} (a in [{float(lo_a[i])!r}, "
                                f"{float(hi_a[i])!r}], x in [{float(lo_x[i])!r}, "
                                f"{float(hi_x[i])!r}])")
            continue
        split = _cut(lo_a, hi_a, idx, a0, a1)
        if split is not None:
            m, left, right = split
            stack += [((m, a1, x0, x1), right), ((a0, m, x0, x1), left)]
            continue
        split = _cut(lo_x, hi_x, idx, x0, x1)
        if split is not None:
            m, left, right = split
            stack += [((a0, a1, m, x1), right), ((a0, a1, x0, m), left)]
            continue
        problems.append(f"{len(idx)} boxes overlap or do not bisect a in [{a0!r}, {a1!r}], "
                        f"x in [{x0!r}, {x1!r}] (first: row {rows[idx[0]]})")
    return problems


def _cut(lo: np.ndarray, hi: np.ndarray, idx: np.ndarray, n0: float, n1: float):
    """(midpoint, boxes left of it, boxes right of it) when no box straddles the midpoint."""
    m = cf.midpoint(n0, n1)
    if not n0 < m < n1:
        return None
    left = hi[idx] <= m
    right = lo[idx] >= m
    if not np.all(left | right):
        return None
    return m, idx[left], idx[right]
