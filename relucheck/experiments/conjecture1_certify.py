"""``conjecture1-grid --certify``: a computer-assisted proof of Conjecture 1 (K = 2) for every
a in (0, pi) and every phi in [0, 2 pi), in interval (arb ball) arithmetic
(docs/proof-conjecture1.md states the theorem, the pieces and the lemmas).

Conjecture 1 (Section 5.3): L12 > 0 and L21 > 0 for e* strictly inside Cone(e1, e2)
(0 < phi < a) and both < 0 strictly outside (a < phi < 2 pi). L = sin a G with sin a > 0, so
the proof is about G (:mod:`relucheck.proofs.conjecture1.interval`). The region is covered by boxes
in the coordinates (a, u), phi = u a, inside and (a, s), phi = a + s (2 pi - a), outside, each
certified by the strict sign of G's enclosure or, on the lines phi = 0 and phi = a where
G = 0 exactly (Proposition 1), by the strict sign of dG/dphi (mean value theorem)
(:mod:`relucheck.proofs.conjecture1.subdivision`). The certificate is the list of boxes;
``relucheck check-certificate`` re-verifies it.

Ends of the a range. As a -> pi, dG12/dphi on phi = a and dG21/dphi on phi = 0 tend to 0
like -2 (pi - a) and 2 (pi - a): at a = pi, K_a = 0 and G has a double zero where a line meets
a = pi, so no slope box reaches a = pi. The a -> pi end piece (``a_margin`` wide: a in
[pi - a_margin, pi)) gives its boxes in e = pi - a and settles the boxes at the corner by a
second-order lemma (:func:`relucheck.proofs.conjecture1.interval.corner_enclose`,
docs/proof-conjecture1.md); it is glued to the bisection region [a_min, a_top], whose top
a_top is pi - a_margin rounded up to a float (proved above it in arb). As a -> 0 the cone
collapses: G = O(a^2) inside (O(a) outside, O(a^2) again in the antipodal cone
pi <= phi <= pi + a) and the bisection stops at ``a_min`` (docs/proof-conjecture1.md, section
"a -> 0").
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from relucheck.experiments.params import check, check_fields, param
from relucheck.result import Claim, Result
from relucheck.runtime import cluster
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import Progress, null_progress

STEM = "fig10_conjecture1_certificate"
#: piece: "bulk" (bisection, a in [a_lo, a_hi]) or "pi" (the a -> pi end piece, a = pi - e with
#: e in [e_lo, e_hi]; its a_lo, a_hi are that range rounded outward, for drawing, and are checked
#: against e). F12, F21: the enclosures the method uses (of G, dG/dphi or the corner quantity).
COLUMNS = ("piece", "region", "a_lo", "a_hi", "e_lo", "e_hi", "x_lo", "x_hi", "depth",
           "certified", "method", "F12_lo", "F12_hi", "F21_lo", "F21_hi")
NUMERIC = ("a_lo", "a_hi", "e_lo", "e_hi", "x_lo", "x_hi", "depth", "certified", "F12_lo",
           "F12_hi", "F21_lo", "F21_hi")
TEXT = ("piece", "region", "method")
ENCLOSURES = (("F12", "F12_lo", "F12_hi"), ("F21", "F21_lo", "F21_hi"))


def gap_to_pi(a_max: float) -> float:
    """pi - a_max rounded *up* to a float d (computed in arb at 256 bits), so that "a <= pi - d"
    never claims more than "a <= a_max" (a float subtraction np.pi - a_max is off by up to
    1.2e-16 in either direction: np.pi is below pi)."""
    from relucheck.proofs.conjecture1 import interval as iv

    return _rounded(lambda: iv.arb.pi() - iv.arb(a_max), up=True)


#: The widest a -> 0 end piece accepted: its Taylor models in a are expanded at a = 0, and
#: measured they certify quickly up to a = 0.3 (at 0.6 the bisection stalls).
A_ZERO_MAX = 0.3
A_MAX_RULE = "in (a_min, pi) (a_zero when a_min is not given)"


@dataclass(frozen=True)
class Params:
    """The region and the prover's limits.

    The defaults prove every a in (0, pi): the a -> 0 end piece covers (0, a_zero] (boxes
    containing a = 0, rescaled functions; :mod:`relucheck.proofs.conjecture1.small_a`), the
    bisection [a_zero, a_top] with a_top = pi - a_margin rounded up to a float, and the a -> pi end
    piece [pi - a_margin, pi) (corner lemma). ``a_min`` given: the bisection starts there and
    there is no a -> 0 piece; ``a_max`` given: the bisection stops there and there is no
    a -> pi piece."""

    a_min: float | None = param(None, kind=float, min=0.0, max=float(np.pi), min_open=True,
                                max_open=True, optional=True)
    a_zero: float = param(0.25, kind=float, min=0.0, max=A_ZERO_MAX, min_open=True,
                          why="the a -> 0 end piece's Taylor models")
    a_margin: float = param(0.5, kind=float, min=0.0, max=float(np.pi), min_open=True,
                            max_open=True)
    a_max: float | None = param(None, kind=float, min=0.0, max=float(np.pi), min_open=True,
                                max_open=True, optional=True, expected=A_MAX_RULE)
    max_depth: int = param(60, min=1, max=200)
    prec: int = param(64, min=53, max=4096, expected="in [53, 4096] bits")
    # 0: one process per available core
    workers: int = param(0, min=0, max=1024, why="0: one per core")
    # dask.distributed: the frontier boxes as cluster tasks
    scheduler: str | None = param(None, kind=str, optional=True)

    @property
    def pi_piece(self) -> bool:
        return self.a_max is None

    @property
    def zero_piece(self) -> bool:
        return self.a_min is None

    @property
    def a_bottom(self) -> float:
        """The bottom of the bisection region: a_min, or a_zero (where the a -> 0 piece ends)."""
        return float(self.a_zero if self.a_min is None else self.a_min)

    @property
    def a_top(self) -> float:
        """The top of the bisection region: a_max, or pi - a_margin rounded up (in arb)."""
        if self.a_max is not None:
            return float(self.a_max)
        from relucheck.proofs.conjecture1 import interval as iv

        return _rounded(lambda: iv.arb.pi() - iv.arb(self.a_margin), up=True)

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        check_fields(self)
        check([
            (self.a_max is None or self.a_bottom < self.a_max, "a_max", A_MAX_RULE),
            (self.a_max is not None or self.a_bottom < np.pi - self.a_margin, "a_margin",
             "below pi - a_min (the a -> pi piece must leave room for the bisection)"),
        ])
        if self.scheduler is not None:
            cluster.check_option(self.scheduler)


def _rounded(make, up: bool) -> float:
    """The float bound (up or down) of an arb expression evaluated at 256 bits."""
    from relucheck.proofs.conjecture1 import interval as iv

    iv.require_flint()
    saved = iv.ctx.prec
    iv.ctx.prec = 256
    try:
        return iv.float_bounds(make())[1 if up else 0]
    finally:
        iv.ctx.prec = saved


QUICK = dict(a_zero=0.25, a_margin=0.5, max_depth=40)


def workers(p: Params) -> int:
    """Worker processes: as given, or one per core available to this process."""
    return cores(p.workers)


def leaves_table(leaves) -> dict[str, np.ndarray]:
    """The certificate: one row per box, enclosures rounded outward to floats."""
    b = [lf.box for lf in leaves]
    pi_end = np.array([x.from_pi for x in b], dtype=bool)
    a = np.array([x.a_floats() for x in b]).reshape(len(b), 2)
    nan = np.full(len(b), np.nan)
    return {
        "piece": np.array([x.piece for x in b], dtype=str),
        "region": np.array([x.region for x in b], dtype=str),
        "a_lo": a[:, 0],
        "a_hi": a[:, 1],
        "e_lo": np.where(pi_end, np.array([x.a_lo for x in b]), nan),
        "e_hi": np.where(pi_end, np.array([x.a_hi for x in b]), nan),
        "x_lo": np.array([x.x_lo for x in b]),
        "x_hi": np.array([x.x_hi for x in b]),
        "depth": np.array([x.depth for x in b], dtype=int),
        "certified": np.array([int(lf.certified) for lf in leaves], dtype=int),
        "method": np.array([lf.method for lf in leaves], dtype=str),
        "F12_lo": np.array([lf.g12[0] for lf in leaves]),
        "F12_hi": np.array([lf.g12[1] for lf in leaves]),
        "F21_lo": np.array([lf.g21[0] for lf in leaves]),
        "F21_hi": np.array([lf.g21[1] for lf in leaves]),
    }


def run(p: Params, rng: np.random.Generator | None = None, progress: Progress = null_progress,
        *, evaluate=None) -> Result:
    """Prove Conjecture 1 on [a_min, a_top] x [0, 2 pi) and, by default, on the a -> pi end
    piece; ``evaluate`` replaces the enclosure (tests use
    :class:`relucheck.proofs.conjecture1.subdivision.FlippedInDisc`). ``rng`` is unused."""
    from relucheck.proofs.conjecture1 import interval as iv
    from relucheck.proofs.conjecture1 import subdivision as cf

    p.validate()
    iv.require_flint()
    a_top = p.a_top
    roots = list(cf.iter_roots(p.a_bottom, a_top, p.a_margin if p.pi_piece else None,
                               zero=p.zero_piece))
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        leaves = cf.prove(roots, max_depth=p.max_depth, prec=p.prec, workers=workers(p),
                          progress=progress, a_floor=p.a_bottom / 4,
                          evaluate=evaluate or cf.enclose, client=client)
    prove_s = time.perf_counter() - t0
    table = leaves_table(leaves)
    pieces = expected_pieces(p)
    tiling = tiling_problems(table, pieces)
    bad = table["certified"] == 0
    uncertified = {k: v[bad] for k, v in table.items()}
    covered = coverage(pieces) if not tiling else []
    summary = _summary(p, pieces, table, tiling)
    return Result(
        stem=STEM,
        tables={"main": table, "uncertified": uncertified},
        claims=_claims(p, pieces, table, tiling),
        params={"a_min": p.a_min, "a_max": p.a_max, "a_bottom": p.a_bottom, "a_top": a_top,
                "a_zero": p.a_zero if p.zero_piece else None,
                "a_margin": p.a_margin if p.pi_piece else None, "max_depth": p.max_depth,
                "prec_bits": p.prec, "workers": p.workers},
        summary={**summary, "covered": covered},
        # the boxes do not depend on the worker count; how many ran and how long they took
        # are facts of this run (<stem>.run.json)
        run={"workers_used": workers(p), "prove_seconds": round(prove_s, 3)},
    )


def expected_pieces(p: Params) -> dict[str, tuple[float, float]]:
    """The root of each piece, in its own a coordinate: zero (0, a_zero); bulk
    (a_bottom, a_top); pi (0, a_margin) in e = pi - a."""
    out = {"bulk": (p.a_bottom, p.a_top)}
    if p.zero_piece:
        out["zero"] = (0.0, p.a_zero)
    if p.pi_piece:
        out["pi"] = (0.0, p.a_margin)
    return out


def _a_columns(piece: str) -> tuple[str, str]:
    return ("e_lo", "e_hi") if piece == "pi" else ("a_lo", "a_hi")


def tiling_problems(table, pieces: dict[str, tuple[float, float]]) -> list[str]:
    """:func:`relucheck.proofs.conjecture1.subdivision.check_tiling` for each piece's root in each
    region (rows named by CSV line), and rows of pieces not in ``pieces``."""
    from relucheck.proofs.conjecture1 import subdivision as cf

    problems = []
    known = np.isin(table["piece"], list(pieces))
    for i in np.flatnonzero(~known)[:5]:
        problems.append(f"line {file_line(i)}: unknown piece {table['piece'][i]!r}")
    for piece, (lo, hi) in pieces.items():
        c_lo, c_hi = _a_columns(piece)
        for region in cf.REGIONS_OF[piece]:
            m = (table["region"] == region) & (table["piece"] == piece)
            for msg in cf.check_tiling(table[c_lo][m], table[c_hi][m], table["x_lo"][m],
                                       table["x_hi"][m], (lo, hi, 0.0, 1.0),
                                       rows=file_line(np.flatnonzero(m))):
                msg = msg.replace("row ", "line ")
                if piece == "pi":  # this piece's boxes give e = pi - a
                    msg = msg.replace("a in [", "e = pi - a in [")
                problems.append(f"{piece}/{region}: {msg}")
    return problems


def _end_arb(end):
    """An end of a span as an arb ball around the exact real: a float, or ("pi-", e) = pi - e."""
    from relucheck.proofs.conjecture1 import interval as iv

    if isinstance(end, tuple):
        return iv.arb.pi() - iv.arb(end[1])
    return iv.arb(end)


def _end_text(end) -> str:
    return f"pi - {end[1]!r}" if isinstance(end, tuple) else repr(end)


def span_text(lo, hi) -> str:
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
    return [{"lo": lo, "hi": hi, "text": span_text(lo, hi)} for lo, hi in spans]


def _rounded_cmp(test) -> bool:
    """A comparison of arb balls at 256 bits, True only when certain."""
    from relucheck.proofs.conjecture1 import interval as iv

    iv.require_flint()
    saved = iv.ctx.prec
    iv.ctx.prec = 256
    try:
        return bool(test())
    finally:
        iv.ctx.prec = saved


def _count(table, piece=None, region=None, method=None) -> int:
    m = table["certified"] == 1
    if piece is not None:
        m &= table["piece"] == piece
    if region is not None:
        m &= table["region"] == region
    if method is not None:
        m &= table["method"] == method
    return int(m.sum())


def _by_piece(table) -> dict[str, int]:
    out = {}
    from relucheck.proofs.conjecture1 import subdivision as cf

    for piece in cf.PIECES:
        for r in cf.REGIONS_OF[piece]:
            for m in ("value", "slope", "corner", "gradient"):
                n = _count(table, piece, r, m)
                if n:
                    out[f"{piece}/{r}/{m}"] = n
    return out


def _summary(p: Params, pieces, table, tiling: list[str]) -> dict:
    n = len(table["a_lo"])
    a_top = pieces["bulk"][1]
    region = {"a_bottom": p.a_bottom, "a_top": a_top, "a_top_from_pi": gap_to_pi(a_top),
              "a_top_from_pi_rounding": "up (pi - a_top_from_pi <= a_top)",
              "phi": "[0, 2 pi), all of it: inside Cone(e1, e2) 0 < phi < a and outside "
                     "a < phi < 2 pi; L = 0 on phi = 0 and phi = a (Proposition 1)"}
    if "zero" in pieces:
        region["zero_end_piece"] = {"a_zero": pieces["zero"][1], "a": "(0, a_zero]",
                                    "patches": "in (phi = x a), B (a + x (pi - a)), C (pi + x a),"
                                               " D (pi + a + x (pi - a)); F = G/a^2 in, C; G/a"
                                               " B, D"}
    if "pi" in pieces:
        region["pi_end_piece"] = {"e_max": pieces["pi"][1], "a": "[pi - e_max, pi)",
                                  "note": "at a = pi itself L = 0 identically (sin a = 0); "
                                          "G's sign pattern is proved there too"}
    return {
        "region": region,
        "boxes": n,
        "certified": _count(table),
        "uncertified": n - _count(table),
        "by_piece_region_and_method": _by_piece(table),
        "max_depth_reached": int(table["depth"].max()) if n else 0,
        "smallest_box_a_width": float(np.min(table["a_hi"] - table["a_lo"])) if n else None,
        "precision_bits": p.prec,
        "tiling_problems": tiling[:20],
    }


def _claims(p: Params, pieces, table, tiling: list[str]) -> list[Claim]:
    n = len(table["a_lo"])
    ok_boxes = _count(table)
    n_bad = n - ok_boxes
    bad = np.flatnonzero(table["certified"] != 1)[:3]
    listed = "".join(
        f"; {table['piece'][i]} {table['region'][i]} a in [{table['a_lo'][i]:.6g}, "
        f"{table['a_hi'][i]:.6g}], x in [{table['x_lo'][i]:.6g}, {table['x_hi'][i]:.6g}]"
        for i in bad)
    if n_bad > len(bad):
        listed += f"; ... (all in {STEM}_uncertified.csv)"
    spans = coverage(pieces)
    proven = " and ".join(s["text"] for s in spans)
    by = ", ".join(f"{k} {v:,}" for k, v in _by_piece(table).items())
    return [
        Claim.check(
            "Conjecture 1 proved for every a in the range, every phi: L12, L21 > 0 inside, "
            "< 0 outside",
            ok=n_bad == 0 and not tiling,
            measured=(f"{ok_boxes:,} of {n:,} boxes certified ({by}); {n_bad} uncertified"
                      f"{listed}; {proven}"),
            threshold="every box certified (arb enclosure strictly signed)",
            justification=("interval arithmetic (python-flint arb, "
                           f"{p.prec} bits) with outward rounding: a strictly signed enclosure "
                           "is a proof for every point of the box; slope boxes by the mean "
                           "value theorem from G = 0 on the line; corner boxes (a -> pi) and "
                           "gradient boxes (a -> 0, phi -> pi) by the lemmas of "
                           "docs/proof-conjecture1.md"),
            value=float(n_bad)),
        Claim.check(
            "The boxes tile each piece (no gap, no overlap)",
            ok=not tiling,
            measured=f"{len(tiling)} tiling problems" + (f": {tiling[0]}" if tiling else ""),
            threshold="0 (exact float comparisons)",
            justification="guillotine check of each piece and region from the boxes alone",
            value=float(len(tiling))),
        Claim.report(
            "Ends of the a range",
            measured=f"covered {proven}",
            statement=("a -> 0: closed by the end piece when a_min is not given (rescaled "
                       "functions G/a^k with Taylor models in a, exact at a = 0). a -> pi: "
                       "closed by the end piece when a_max is not given (corner lemma; at "
                       "a = pi itself L = 0 identically: the conjecture is for a < pi). "
                       "docs/proof-conjecture1.md."),
        ),
    ]


# --- re-verifying a certificate (``relucheck check-certificate``) ------------------------------

_CHUNK = 2000  # boxes per task when re-verifying


def file_line(i):
    """The line of the CSV holding table row ``i`` (line 1 is the header)."""
    return i + 2


def _verify_rows(rows: list[tuple]) -> list[str]:
    """Recompute each row's claim and check the enclosures stored beside it; the problems found
    (empty when every claim holds).

    A stored enclosure is accepted only when it is finite, ordered, strictly signed as the
    method requires and meets the recomputed one: both enclose the same range of the same
    quantity over the box, so disjoint enclosures prove the stored one wrong. The proof rests
    on the recomputation alone; the stored columns are checked so that a certificate never
    carries numbers nobody verified (NaN, a flipped sign). A box of the a -> pi piece also has
    its a_lo, a_hi checked to be outward roundings of pi - e_hi, pi - e_lo."""
    from relucheck.proofs.conjecture1 import interval as iv
    from relucheck.proofs.conjecture1 import subdivision as cf

    problems = []
    for i, piece, region, a_lo, a_hi, e_lo, e_hi, x_lo, x_hi, method, stored in rows:
        line = file_line(i)
        if piece == cf.PI_END:
            box = cf.Box(region, e_lo, e_hi, x_lo, x_hi, 0, piece)
            # decided at 256 bits whatever --prec is: pi - e is irrational, never a float
            if not _rounded_cmp(lambda a_lo=a_lo, a_hi=a_hi, e_lo=e_lo, e_hi=e_hi: (
                    iv.arb(a_lo) <= iv.a_bounds(e_lo, e_hi, True)[0]
                    and iv.a_bounds(e_lo, e_hi, True)[1] <= iv.arb(a_hi))):
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
        return f"column {col} must be numeric; line {file_line(bad)} has {v[bad]!r}"
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
    from relucheck.proofs.conjecture1 import interval as iv
    from relucheck.proofs.conjecture1 import subdivision as cf

    iv.require_flint()
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
                            f"{file_line(bad[0])})")
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
    problems += [f"line {file_line(i)}: marked uncertified" for i in bad[:20]]
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
    for found in cf.pool_map(_verify_rows, chunks, prec=prec, workers=workers,
                             progress=progress, desc="re-verifying (chunks)"):
        problems += found
    covered = {"spans": coverage(pieces) if not problems else [], "pieces": pieces,
               "boxes": n, "precision_bits": prec}
    return covered, problems


# --- the range a certificate proves ------------------------------------------------------------


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
