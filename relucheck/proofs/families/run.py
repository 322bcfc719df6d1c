"""The whole pipeline over a range of k: continuation (float64) and the arb proof at every
integer k, in segments that run in parallel (processes, or tasks of a dask cluster), and the
two birth brackets. ``python -m relucheck.proofs.families.run OUT.jsonl.xz [k_max]`` writes
the certificate.

A segment [k_lo, k_hi] of one type starts from a point found by Newton from the seed's trace
(scaled to k_lo, :func:`continuation.scaled_guess`), follows the integers with a quadratic
prediction and a few Newton steps (:func:`newton.refine`), and proves each k
(:func:`proof.prove_point`). Segments return plain data (floats and strings, no arb balls)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from relucheck.proofs._arb import pool_map
from relucheck.proofs.families.continuation import (
    Point,
    _predict,
    follow_integers,
    scaled_guess,
)
from relucheck.proofs.families.newton import newton, refine
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.proof import LARGE_K, PREC, prove_point
from relucheck.runtime.progress import null_progress

#: The global minimum W = I: x = 1 on the diagonal, y = 0 off it.
EXACT_GLOBAL = (1.0, 0.0)
SMALL_K = 60  # below this the trace follows the seed with full Newton (one segment per type)
CHUNK = 500  # integers per segment above SMALL_K


@dataclass(frozen=True)
class Segment:
    name: str
    k_lo: int
    k_hi: int  # inclusive
    ref: Point | None = None  # a traced point below k_lo (None: trace from the seed)
    prec: int = PREC  # arb bits of the proofs


def segments(names, k_min: int, k_max: int, chunk: int = CHUNK, prec: int = PREC) -> list:
    """The segments covering [k_min, k_max] for each type (largest work first)."""
    out = []
    for name in names:
        lo = max(k_min, PATTERNS[name].min_k)
        if lo > k_max:
            continue
        start = lo
        if lo < SMALL_K:
            top = min(k_max, SMALL_K - 1)
            out.append(Segment(name, lo, top, prec=prec))
            start = top + 1
        if start <= k_max:  # from the trace's last point below SMALL_K, scaled
            ref = None if name == "global" else \
                follow_integers(name, SMALL_K - 1)[SMALL_K - 1]
            for a in range(start, k_max + 1, chunk):
                out.append(Segment(name, a, min(a + chunk - 1, k_max), ref, prec))
    return out


def trace(seg: Segment) -> list:
    """[Point] for k = seg.k_lo..seg.k_hi."""
    pat = PATTERNS[seg.name]
    if seg.name == "global":  # W = I, known exactly at every k
        return [Point("global", k, EXACT_GLOBAL, 0.0, 0.0)
                for k in range(seg.k_lo, seg.k_hi + 1)]
    if seg.ref is None:
        pts = follow_integers(seg.name, seg.k_hi, k_min=seg.k_lo)
        return [pts[k] for k in range(seg.k_lo, seg.k_hi + 1)]
    hist: list = []
    for k in range(seg.k_lo, seg.k_hi + 1):
        if len(hist) < 3:  # the first points: full Newton (from the scaled reference, then
            # from the previous point); above LARGE_K float rounding (J sums k^2 terms) keeps
            # Newton's steps from reaching 1e-12, so Newton stops at 1e-7 (refine) and the
            # proof recentres the box by an arb Newton step
            start = scaled_guess(seg.name, hist[-1] if hist else seg.ref, k)
            u = newton(pat, start, k)[0] if k <= LARGE_K else refine(pat, start, k, maxit=30)
        else:
            u = refine(pat, _predict(hist, k), k)
        hist.append(Point(seg.name, k, u, float("nan"), float("nan")))
    return hist


def prove_segment(seg: Segment) -> list:
    """The proof at every k of the segment ([ProofResult], no arb objects kept)."""
    out = []
    for p in trace(seg):
        res = prove_point(seg.name, int(p.k), p.u, prec=seg.prec)
        res.newton_center = []
        out.append(res)
    return out


def _task(item):
    kind, arg = item
    if kind == "birth":
        from relucheck.proofs.families.birth import birth_bracket

        return birth_bracket(arg)
    return prove_segment(arg)


def prove_range(names=("A", "II"), k_min: int = 6, k_max: int = 10_000, *, workers: int = 1,
                births: bool = True, progress=null_progress, client=None,
                chunk: int = CHUNK, prec: int = PREC) -> tuple[dict, dict, dict]:
    """({type: [ProofResult] by k}, {type: Bracket}, timings): every k in [k_min, k_max]
    proved (or its failure with the reason), and each type's birth bracket."""
    t0 = time.perf_counter()
    segs = segments(names, k_min, k_max, chunk, prec)
    # the global minimum W = I is a minimum at every k: no birth
    items = [("birth", n) for n in names if n != "global"] if births else []
    # the long type II segments first, so that the two workers finish together
    items += [("segment", s) for s in sorted(segs, key=lambda s: s.name != "II")]
    t_plan = time.perf_counter() - t0
    done = pool_map(_task, items, prec=prec, workers=workers, progress=progress,
                    desc="families: segments", client=client)
    results = {n: [] for n in names}
    brackets = {}
    for (kind, arg), r in zip(items, done, strict=True):
        if kind == "birth":
            brackets[arg] = r
        else:
            results[arg.name].extend(r)
    for n in names:
        results[n].sort(key=lambda r: r.k)
    timings = {"plan_seconds": t_plan, "prove_seconds": time.perf_counter() - t0,
               "proof_cpu_seconds": {n: sum(r.seconds for r in results[n]) for n in names}}
    return results, brackets, timings


def prove_saddle(name: str, k: int, centre, prec: int = 100):
    """A proved saddle at integer k: (block, upper bound < 0 of a Rayleigh quotient of that
    block over a box holding a proved unique critical point), or None when no block gives
    one (:func:`birth.negative_direction`, tried block by block)."""
    from relucheck.proofs.families.birth import negative_direction
    from relucheck.proofs.families.proof import default_radius

    radius = default_radius(centre, k, 2.0**-40)
    for blk in PATTERNS[name].blocks:
        if blk.dim(k) <= 0:
            continue
        ok, ray = negative_direction(name, k, list(centre), radius, blk.name, prec)
        if ok and ray < 0:
            return blk.name, float(ray.upper())
    return None


def run(out_path, k_max: int = 10_000, names=("A", "II", "global"), k_min: int = 6, log=print,
        workers: int = 1):
    """Prove every k in [k_min, k_max] and write the certificate to ``out_path``."""
    from relucheck.proofs.families.certificate import write_certificate

    results, _, timings = prove_range(names, k_min, k_max, workers=workers, births=False)
    stats = {}
    for name in names:
        res = results[name]
        failed = [(r.k, r.reason) for r in res if not r.proved]
        stats[name] = dict(n=len(res), proved=len(res) - len(failed), failed=failed)
        log(f"type {name}: {stats[name]['proved']}/{len(res)} proved; failed: {failed[:10]}")
    flat = [r for n in names for r in results[n]]
    write_certificate(out_path, flat, PREC)
    return flat, {**stats, "timings": timings}


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10_000, workers=2)
