"""``conjecture1-grid --certify``: a computer-assisted proof of Conjecture 1 (K = 2) on the
continuous region a in [a_min, a_max], phi in [0, 2 pi), in interval (arb ball) arithmetic.

Conjecture 1 (Section 5.3): L12 > 0 and L21 > 0 for e* strictly inside Cone(e1, e2)
(0 < phi < a) and both < 0 strictly outside (a < phi < 2 pi). L = sin a G with sin a > 0, so
the proof is about G (:mod:`relucheck.numerics.l12_interval`). The region is covered by boxes in
the coordinates (a, u), phi = u a, inside and (a, s), phi = a + s (2 pi - a), outside, each
certified by the strict sign of G's enclosure or, on the lines phi = 0 and phi = a where
G = 0 exactly (Proposition 1), by the strict sign of dG/dphi (mean value theorem)
(:mod:`relucheck.numerics.certify`). The certificate is the list of boxes;
``relucheck check-certificate`` re-verifies it.

Ends of the a range. As a -> 0 the cone collapses: G = O(a^2) inside (O(a) outside) and the
work grows (measured: boxes per unit of log a like a^-1.3 below a = 0.01); the proof stops at
``a_min``. As a -> pi, G keeps its sign pattern but dG12/dphi on the line phi = a tends to 0
(at a = pi, K_a = 0 and G12 = (pi - t1) sin phi has a double zero at phi = pi; dG21/dphi tends
to -pi), so the boxes there shrink like pi - a; the proof stops at ``a_max = pi - a_margin``.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from relucheck.experiments.params import require_finite
from relucheck.numerics import cluster
from relucheck.numerics.parallel import cores
from relucheck.progress import Progress, null_progress
from relucheck.result import Claim, Result

STEM = "fig10_conjecture1_certificate"
COLUMNS = ("region", "a_lo", "a_hi", "x_lo", "x_hi", "depth", "certified", "method",
           "F12_lo", "F12_hi", "F21_lo", "F21_hi")


@dataclass(frozen=True)
class Params:
    """The region and the prover's limits. ``a_max`` None means pi - a_margin."""

    a_min: float = 0.01
    a_margin: float = 1e-3
    a_max: float | None = None
    max_depth: int = 60
    prec: int = 64
    workers: int = 0  # 0: one process per available core
    scheduler: str | None = None  # dask.distributed: the frontier boxes as cluster tasks

    @property
    def a_top(self) -> float:
        return float(np.pi - self.a_margin) if self.a_max is None else float(self.a_max)

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        require_finite(self)
        checks = [
            (0.0 < self.a_min < np.pi, "a_min", "in (0, pi)"),
            (0.0 < self.a_margin < np.pi, "a_margin", "in (0, pi)"),
            (self.a_min < self.a_top < np.pi, "a_max",
             "in (a_min, pi) (pi - a_margin when not given)"),
            (1 <= self.max_depth <= 200, "max_depth", "in [1, 200]"),
            (53 <= self.prec <= 4096, "prec", "in [53, 4096] bits"),
            (self.workers >= 0, "workers", ">= 0 (0: one per core)"),
        ]
        for ok, name, rng in checks:
            if not ok:
                raise ValueError(f"{name}: expected {rng}")
        if self.scheduler is not None:
            cluster.check_option(self.scheduler)


QUICK = dict(a_min=0.5, a_margin=0.2)


def workers(p: Params) -> int:
    """Worker processes: as given, or one per core available to this process."""
    return cores(p.workers)


def leaves_table(leaves) -> dict[str, np.ndarray]:
    """The certificate: one row per box, enclosures rounded outward to floats."""
    b = [lf.box for lf in leaves]
    return {
        "region": np.array([x.region for x in b], dtype=str),
        "a_lo": np.array([x.a_lo for x in b]),
        "a_hi": np.array([x.a_hi for x in b]),
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
    """Prove Conjecture 1 on [a_min, a_top] x [0, 2 pi); ``evaluate`` replaces the enclosure
    (tests use :class:`relucheck.numerics.certify.FlippedInDisc`). ``rng`` is unused."""
    from relucheck.numerics import certify as cf
    from relucheck.numerics import l12_interval as iv

    p.validate()
    iv.require_flint()
    a_max = p.a_top
    roots = list(cf.iter_roots(p.a_min, a_max))
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None if p.scheduler is None else stack.enter_context(
            cluster.client(cluster.parse(p.scheduler)))
        leaves = cf.prove(roots, max_depth=p.max_depth, prec=p.prec, workers=workers(p),
                          progress=progress, a_floor=p.a_min / 4,
                          evaluate=evaluate or cf.enclose, client=client)
    prove_s = time.perf_counter() - t0
    table = leaves_table(leaves)
    tiling = tiling_problems(table, p.a_min, a_max)
    bad = table["certified"] == 0
    uncertified = {k: v[bad] for k, v in table.items()}
    summary = _summary(p, a_max, table, tiling, prove_s)
    return Result(
        stem=STEM,
        tables={"main": table, "uncertified": uncertified},
        claims=_claims(p, a_max, table, tiling),
        params={"a_min": p.a_min, "a_max": a_max, "a_margin": p.a_margin if p.a_max is None
                else None, "max_depth": p.max_depth, "prec_bits": p.prec,
                "workers": workers(p)},
        summary=summary,
    )


def tiling_problems(table, a_min: float, a_max: float) -> list[str]:
    """:func:`relucheck.numerics.certify.check_tiling` for each region's root."""
    from relucheck.numerics import certify as cf
    from relucheck.numerics import l12_interval as iv

    problems = []
    for region in iv.REGIONS:
        m = table["region"] == region
        for msg in cf.check_tiling(table["a_lo"][m], table["a_hi"][m], table["x_lo"][m],
                                   table["x_hi"][m], (a_min, a_max, 0.0, 1.0),
                                   rows=np.flatnonzero(m)):
            problems.append(f"{region}: {msg}")
    return problems


def _count(table, region=None, method=None) -> int:
    m = table["certified"] == 1
    if region is not None:
        m &= table["region"] == region
    if method is not None:
        m &= table["method"] == method
    return int(m.sum())


def _summary(p: Params, a_max: float, table, tiling: list[str], prove_s: float) -> dict:
    n = len(table["a_lo"])
    return {
        "region": {"a_min": p.a_min, "a_max": a_max, "a_max_from_pi": float(np.pi - a_max),
                   "phi": "[0, 2 pi), all of it: inside Cone(e1, e2) 0 < phi < a and outside "
                          "a < phi < 2 pi; L = 0 on phi = 0 and phi = a (Proposition 1)"},
        "boxes": n,
        "certified": _count(table),
        "uncertified": n - _count(table),
        "by_region_and_method": {f"{r}/{m}": _count(table, r, m)
                                 for r in ("in", "out") for m in ("value", "slope")},
        "max_depth_reached": int(table["depth"].max()) if n else 0,
        "smallest_box_a_width": float(np.min(table["a_hi"] - table["a_lo"])) if n else None,
        "precision_bits": p.prec,
        "workers": workers(p),
        "prove_seconds": round(prove_s, 3),
        "tiling_problems": tiling[:20],
    }


def _claims(p: Params, a_max: float, table, tiling: list[str]) -> list[Claim]:
    n = len(table["a_lo"])
    ok_boxes = _count(table)
    n_bad = n - ok_boxes
    bad = np.flatnonzero(table["certified"] != 1)[:3]
    listed = "".join(
        f"; {table['region'][i]} a in [{table['a_lo'][i]:.6g}, {table['a_hi'][i]:.6g}], "
        f"x in [{table['x_lo'][i]:.6g}, {table['x_hi'][i]:.6g}]" for i in bad)
    if n_bad > len(bad):
        listed += f"; ... (all in {STEM}_uncertified.csv)"
    return [
        Claim.check(
            "Conjecture 1 proved on a in [a_min, a_max], every phi: L12, L21 > 0 inside, "
            "< 0 outside",
            ok=n_bad == 0 and not tiling,
            measured=(f"{ok_boxes:,} of {n:,} boxes certified ({_count(table, method='value'):,} "
                      f"by value, {_count(table, method='slope'):,} by slope on phi = 0, a); "
                      f"{n_bad} uncertified{listed}; a in [{p.a_min:g}, "
                      f"pi - {np.pi - a_max:.3g}]"),
            threshold="every box certified (arb enclosure strictly signed)",
            justification=("interval arithmetic (python-flint arb, "
                           f"{p.prec} bits) with outward rounding: a strictly signed enclosure "
                           "is a proof for every point of the box; slope boxes by the mean "
                           "value theorem from G = 0 on the line"),
            value=float(n_bad)),
        Claim.check(
            "The boxes tile the region (no gap, no overlap)",
            ok=not tiling,
            measured=f"{len(tiling)} tiling problems" + (f": {tiling[0]}" if tiling else ""),
            threshold="0 (exact float comparisons)",
            justification="guillotine check of both regions from the boxes alone",
            value=float(len(tiling))),
        Claim.report(
            "Ends of the a range",
            measured=(f"covered a >= {p.a_min:g} and a <= pi - {np.pi - a_max:.3g}"),
            statement=("a -> 0: the cone collapses, G = O(a^2) inside, and the boxes per "
                       "unit of log a grow like a^-1.3; a -> pi: dG12/dphi -> 0 on phi = a "
                       "(double zero of G12 at a = phi = pi), boxes shrink like pi - a. "
                       "Neither end is covered."),
        ),
    ]


# --- re-verifying a certificate (``relucheck check-certificate``) ------------------------------

_CHUNK = 2000  # boxes per task when re-verifying


def _verify_rows(rows: list[tuple]) -> list[str]:
    """Recompute each row's claim; the problems found (empty when every claim holds)."""
    from relucheck.numerics import certify as cf

    problems = []
    for i, region, a_lo, a_hi, x_lo, x_hi, method in rows:
        box = cf.Box(region, a_lo, a_hi, x_lo, x_hi)
        need = cf.required_sign(box)
        if need is None or need[0] != method:
            problems.append(f"row {i}: method {method!r} is not valid for this box "
                            f"(expected {need[0] if need else 'none: it touches both lines'})")
            continue
        leaf = cf.classify(box)
        if not leaf.certified:
            problems.append(f"row {i}: {region} box a in [{a_lo!r}, {a_hi!r}], x in "
                            f"[{x_lo!r}, {x_hi!r}]: the {method} enclosure is not strictly "
                            f"signed (F12 in {leaf.g12}, F21 in {leaf.g21})")
    return problems


def check_certificate(table, *, prec: int, workers: int, progress: Progress = null_progress
                      ) -> tuple[dict, list[str]]:
    """Re-verify a certificate table: every row certified, every box's claim recomputed in arb
    at ``prec`` bits, both regions tiled exactly over the same a range. Returns (what it
    covers, problems); the certificate proves Conjecture 1 there when problems is empty."""
    from relucheck.numerics import certify as cf
    from relucheck.numerics import l12_interval as iv

    iv.require_flint()
    missing = [c for c in COLUMNS if c not in table]
    if missing:
        raise ValueError(f"not a certificate: missing columns {', '.join(missing)}")
    n = len(table["a_lo"])
    if n == 0:
        raise ValueError("not a certificate: it has no boxes")
    regions = set(table["region"].tolist())
    if not regions <= set(iv.REGIONS):
        raise ValueError(f"not a certificate: unknown regions {sorted(regions - set(iv.REGIONS))}")
    problems: list[str] = []
    for col in ("a_lo", "a_hi", "x_lo", "x_hi"):
        if not np.all(np.isfinite(table[col])):
            problems.append(f"column {col} has empty or non-finite values")
    if problems:
        return {}, problems
    a_min, a_max = float(table["a_lo"].min()), float(table["a_hi"].max())
    if not 0 < a_min < a_max < np.pi:
        problems.append(f"a range [{a_min!r}, {a_max!r}] is not inside (0, pi)")
    bad = np.flatnonzero(table["certified"] != 1)
    problems += [f"row {i}: marked uncertified" for i in bad[:20]]
    if len(bad) > 20:
        problems.append(f"... {len(bad) - 20} more uncertified rows")
    for region in iv.REGIONS:
        if region not in regions:
            problems.append(f"region {region!r} has no boxes")
    problems += tiling_problems(table, a_min, a_max)
    rows = list(zip(range(n), table["region"].tolist(), table["a_lo"].tolist(),
                    table["a_hi"].tolist(), table["x_lo"].tolist(), table["x_hi"].tolist(),
                    table["method"].tolist(), strict=True))
    chunks = [rows[k:k + _CHUNK] for k in range(0, n, _CHUNK)]
    for found in cf.pool_map(_verify_rows, chunks, prec=prec, workers=workers,
                             progress=progress, desc="re-verifying (chunks)"):
        problems += found
    covered = {"a_min": a_min, "a_max": a_max, "a_max_from_pi": float(np.pi - a_max),
               "boxes": n, "precision_bits": prec}
    return covered, problems
