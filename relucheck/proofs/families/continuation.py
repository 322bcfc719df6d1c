"""Following the type A and type II critical points in k (float64).

- Integer k: from the seed upward (and downward to the smallest k the pattern allows), each
  Newton start the quadratic extrapolation of the three previous points.
- Real k: downward from the smallest integer in small steps until the family stops being a
  minimum (the smallest eigenvalue of some block crosses 0: located by bisection) or stops
  existing (Newton fails: a fold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.proofs.families.kit import FLOAT
from relucheck.proofs.families.newton import SEEDS, newton
from relucheck.proofs.families.patterns import PATTERNS, block_eigenvalues


@dataclass
class Point:
    pattern: str
    k: float
    u: np.ndarray
    grad: float  # |g|_inf of the fixed-space gradient at u
    loss: float

    def __post_init__(self):
        self.u = np.asarray(self.u, dtype=float)


def block_minima(pat, u, k) -> dict:
    """{block name: smallest eigenvalue} (float64) at the pattern point u."""
    return {blk.name: float(block_eigenvalues(B, G)[0])
            for blk, B, G in pat.all_blocks(u, k, FLOAT)}


def _predict(history, k):
    """Polynomial extrapolation (degree <= 2) of u from the last points (k_i, u_i)."""
    if not history:
        raise ValueError("no history")
    pts = history[-3:]
    if len(pts) == 1:
        return pts[0].u.copy()
    ks = np.array([p.k for p in pts], dtype=float)
    us = np.array([p.u for p in pts])
    out = np.zeros_like(us[0])
    for i in range(len(pts)):  # Lagrange
        w = 1.0
        for j in range(len(pts)):
            if j != i:
                w *= (k - ks[j]) / (ks[i] - ks[j])
        out += w * us[i]
    return out


def scaled_guess(name: str, ref: Point, k: float) -> np.ndarray:
    """A start for Newton at a large k from a point at a smaller k, using the observed
    scalings: the O(1) unknowns (type A: a, e; type II: g, e) kept, b and c (and type II's
    a) ~ 1/k, f ~ 1/k^2."""
    r = ref.k / k
    if name == "A":
        scale = (1.0, r, r, 1.0, r * r)
    elif name == "II":
        scale = (r, 1.0, r, r, 1.0, r * r)
    else:
        scale = (1.0,) * len(ref.u)
    return ref.u * np.array(scale)


def point_at(name: str, k: int, ref: Point | None = None) -> Point:
    """The critical point at one integer k by Newton from :func:`scaled_guess` of ``ref``
    (default: the seed continued to k = 60 if k > 60, else the integer trace)."""
    pat = PATTERNS[name]
    if ref is None:
        pts = follow_integers(name, max(min(k, 60), SEEDS[name][0]))
        if k in pts:
            return pts[k]
        ref = pts[max(pts)]
    u, g, _ = newton(pat, scaled_guess(name, ref, k), k)
    return Point(name, k, u, g, pat.loss(u, k, FLOAT))


def follow_integers(name: str, k_max: int, k_min: int | None = None) -> dict:
    """{k: Point} for every integer k from max(k_min, pattern.min_k) to k_max (both types
    start at their seed and go both ways)."""
    pat = PATTERNS[name]
    k0, u0 = SEEDS[name]
    k_min = pat.min_k if k_min is None else max(k_min, pat.min_k)
    out = {}
    for direction in (+1, -1):
        hist = []
        stop = k_max + 1 if direction > 0 else k_min - 1
        for k in range(k0, stop, direction):
            guess = _predict(hist, k) if hist else np.asarray(u0, dtype=float)
            u, g, _ = newton(pat, guess, k)
            p = Point(name, k, u, g, pat.loss(u, k, FLOAT))
            hist.append(p)
            out[k] = p
    return dict(sorted(out.items()))


def smallest_minimum(name: str, points: dict) -> int:
    """The smallest integer k of ``points`` from which on every listed k is a minimum (every
    block's smallest eigenvalue > 0 in float64)."""
    pat = PATTERNS[name]
    k_ok = None
    for k in sorted(points, reverse=True):
        if min(block_minima(pat, points[k].u, k).values()) > 0:
            k_ok = k
        else:
            break
    if k_ok is None:
        raise ValueError(f"type {name}: no minimum among the given points")
    return k_ok


def follow_real_down(name: str, start: Point, dk: float = 0.02, k_floor: float = 3.0,
                     stop_at_saddle: bool = True):
    """Continue downward in real k from ``start``. Returns (points, reason, k_end): reason is
    'not a minimum' (a block eigenvalue crossed 0 between the last two points; only when
    ``stop_at_saddle``), 'fold' (Newton failed at k_end: the branch ends or turns) or
    'floor'."""
    pat = PATTERNS[name]
    pts = [start]
    k = float(start.k)
    while k - dk >= k_floor:
        k_new = k - dk
        try:
            u, g, _ = newton(pat, _predict(pts, k_new), k_new)
        except RuntimeError:
            return pts, "fold", k_new
        if np.abs(u - pts[-1].u).max() > 0.2:  # jumped to another branch
            return pts, "fold", k_new
        p = Point(name, k_new, u, g, pat.loss(u, k_new, FLOAT))
        pts.append(p)
        if stop_at_saddle and min(block_minima(pat, u, k_new).values()) < 0:
            return pts, "not a minimum", k_new
        k = k_new
    return pts, "floor", k


def birth_point(name: str, lo: Point, hi: Point, tol: float = 1e-13):
    """Bisection in real k on the smallest block eigenvalue between lo (saddle) and hi
    (minimum). Returns (k_star, block name, lo_point, hi_point) with hi.k - lo.k <= tol."""
    pat = PATTERNS[name]
    mins = block_minima(pat, lo.u, lo.k)
    blk = min(mins, key=mins.get)
    if mins[blk] >= 0 or min(block_minima(pat, hi.u, hi.k).values()) <= 0:
        raise ValueError("lo must be a saddle and hi a minimum")
    while hi.k - lo.k > tol:
        km = 0.5 * (lo.k + hi.k)
        u, g, _ = newton(pat, 0.5 * (lo.u + hi.u), km)
        pm = Point(name, km, u, g, pat.loss(u, km, FLOAT))
        if block_minima(pat, u, km)[blk] < 0:
            lo = pm
        else:
            hi = pm
    return 0.5 * (lo.k + hi.k), blk, lo, hi


def birth(name: str, points: dict, dk: float = 0.02):
    """The birth of the family as a minimum: (k_star, block, lo, hi) from the smallest
    integer minimum downward (see :func:`birth_point`), or None if it folds first."""
    k0 = smallest_minimum(name, points)
    pts, reason, _ = follow_real_down(name, points[k0], dk=dk)
    if reason != "not a minimum":
        return None
    return birth_point(name, pts[-1], pts[-2])
