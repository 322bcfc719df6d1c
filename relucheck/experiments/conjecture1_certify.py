"""``conjecture1-grid --certify``: the computer-assisted proof of Conjecture 1 (K = 2) for every
a in (0, pi) and every phi in [0, 2 pi), in arb ball arithmetic: its parameters, the run that
writes the certificate (one row per box), its summary and its claims. The theorem, the pieces and
the lemmas are docs/proof-conjecture1.md; the certificate's format and checker are
:mod:`relucheck.proofs.conjecture1.certificate`.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from relucheck import proofs
from relucheck.experiments.params import check, check_fields, param
from relucheck.proofs.conjecture1 import A_ZERO_MAX
from relucheck.result import Claim, Result
from relucheck.runtime import cluster
from relucheck.runtime.parallel import cores
from relucheck.runtime.progress import Progress, null_progress

STEM = "fig10_conjecture1_certificate"


def _gap_to_pi(a_max: float) -> float:
    """pi - a_max rounded *up* to a float d (computed in arb at 256 bits), so that "a <= pi - d"
    never claims more than "a <= a_max" (a float subtraction np.pi - a_max is off by up to
    1.2e-16 in either direction: np.pi is below pi)."""
    # python-flint loads when a proof runs, not when the command line starts
    from relucheck.proofs.conjecture1 import interval as iv

    return iv.pi_minus_up(a_max)


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
        return _gap_to_pi(self.a_margin)

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


QUICK = dict(a_zero=0.25, a_margin=0.5, max_depth=40)


def _workers(p: Params) -> int:
    """Worker processes: as given, or one per core available to this process."""
    return cores(p.workers)


def _leaves_table(leaves) -> dict[str, np.ndarray]:
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
    # python-flint loads when a proof runs, not when the command line starts
    from relucheck.proofs.conjecture1 import certificate
    from relucheck.proofs.conjecture1 import subdivision as cf

    p.validate()
    proofs.require_flint()
    a_top = p.a_top
    roots = list(cf.iter_roots(p.a_bottom, a_top, p.a_margin if p.pi_piece else None,
                               zero=p.zero_piece))
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        leaves = cf.prove(roots, max_depth=p.max_depth, prec=p.prec, workers=_workers(p),
                          progress=progress, a_floor=p.a_bottom / 4,
                          evaluate=evaluate or cf.enclose, client=client)
    prove_s = time.perf_counter() - t0
    table = _leaves_table(leaves)
    pieces = _expected_pieces(p)
    tiling = certificate.tiling_problems(table, pieces)
    bad = table["certified"] == 0
    uncertified = {k: v[bad] for k, v in table.items()}
    spans = certificate.coverage(pieces)
    by_piece = _by_piece(table, cf.PIECES, cf.REGIONS_OF)
    summary = _summary(p, pieces, table, tiling, by_piece)
    return Result(
        stem=STEM,
        tables={"main": table, "uncertified": uncertified},
        claims=_claims(p, table, tiling, spans, by_piece),
        params={"a_min": p.a_min, "a_max": p.a_max, "a_bottom": p.a_bottom, "a_top": a_top,
                "a_zero": p.a_zero if p.zero_piece else None,
                "a_margin": p.a_margin if p.pi_piece else None, "max_depth": p.max_depth,
                "prec_bits": p.prec, "workers": p.workers},
        summary={**summary, "covered": spans if not tiling else []},
        # the boxes do not depend on the worker count; how many ran and how long they took
        # are facts of this run (<stem>.run.json)
        run={"workers_used": _workers(p), "prove_seconds": round(prove_s, 3)},
    )


def _expected_pieces(p: Params) -> dict[str, tuple[float, float]]:
    """The root of each piece, in its own a coordinate: zero (0, a_zero); bulk
    (a_bottom, a_top); pi (0, a_margin) in e = pi - a."""
    out = {"bulk": (p.a_bottom, p.a_top)}
    if p.zero_piece:
        out["zero"] = (0.0, p.a_zero)
    if p.pi_piece:
        out["pi"] = (0.0, p.a_margin)
    return out


def _count(table, piece=None, region=None, method=None) -> int:
    m = table["certified"] == 1
    if piece is not None:
        m &= table["piece"] == piece
    if region is not None:
        m &= table["region"] == region
    if method is not None:
        m &= table["method"] == method
    return int(m.sum())


def _by_piece(table, pieces, regions_of) -> dict[str, int]:
    """Certified boxes by piece, region and method (those present)."""
    out = {}
    for piece in pieces:
        for r in regions_of[piece]:
            for m in ("value", "slope", "corner", "gradient"):
                n = _count(table, piece, r, m)
                if n:
                    out[f"{piece}/{r}/{m}"] = n
    return out


def _summary(p: Params, pieces, table, tiling: list[str], by_piece: dict[str, int]) -> dict:
    n = len(table["a_lo"])
    a_top = pieces["bulk"][1]
    region = {"a_bottom": p.a_bottom, "a_top": a_top, "a_top_from_pi": _gap_to_pi(a_top),
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
        "by_piece_region_and_method": by_piece,
        "max_depth_reached": int(table["depth"].max()) if n else 0,
        "smallest_box_a_width": float(np.min(table["a_hi"] - table["a_lo"])) if n else None,
        "precision_bits": p.prec,
        "tiling_problems": tiling[:20],
    }


def _claims(p: Params, table, tiling: list[str], spans: list[dict],
            by_piece: dict[str, int]) -> list[Claim]:
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
    proven = " and ".join(s["text"] for s in spans)
    by = ", ".join(f"{k} {v:,}" for k, v in by_piece.items())
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
