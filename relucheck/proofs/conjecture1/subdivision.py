"""Adaptive subdivision proving the sign of G12 and G21 on boxes (Conjecture 1, K = 2;
docs/proof-conjecture1.md).

A box [a_lo, a_hi] x [x_lo, x_hi] of region ``in`` (x = u, phi = u a) or ``out``
(x = s, phi = a + s (2 pi - a)) is *certified* by one of these properties, for both functions:

- ``value``: the enclosure of G lies strictly on the claimed side of 0 (> 0 inside the cone,
  < 0 outside). Used when the box does not touch a line x = 0 or x = 1.
- ``slope``: the box touches exactly one of the lines x = 0, x = 1, where G = 0 exactly
  (Proposition 1: e* = e1 or e* = e2), and the enclosure of dG/dphi over the whole box has the
  strict sign that leaves that line toward the claimed side. For each a in the box the segment
  from the line to any point of the box lies in the box, so by the mean value theorem G has the
  claimed strict sign on the box minus the line (dG/dx = a dG/dphi inside, (2 pi - a) dG/dphi
  outside: same sign).
- ``corner`` (the a -> pi end piece only, boxes with e = pi - a in [0, e_hi] touching one
  line): for the function with a double zero at (a, line) = (pi, line), the second-order
  property of :func:`relucheck.proofs.conjecture1.interval.corner_enclose` (Lemma P); for the other
  function the slope property.
- ``gradient`` (the a -> 0 end piece only, patches B and D at phi = pi): the mean value
  property of :func:`relucheck.proofs.conjecture1.small_a.enclose` (Lemma Z2).

Pieces. "bulk" boxes give a itself. Boxes of the a -> pi end piece ("pi") give their a range as
e = pi - a in [a_lo, a_hi] (so that pi enters the arithmetic as arb's pi, never as a rounded
float). Boxes of the a -> 0 end piece ("zero") have a in [a_lo, a_hi] with a_lo >= 0 and their
own regions, the patches in, B, C, D of :mod:`relucheck.proofs.conjecture1.small_a`, whose functions
are the rescaled F = G / a^k (value, slope: dF/dx, gradient).

Otherwise the box is bisected (at the float midpoint of one side) up to ``max_depth``; a box
still uncertified there is returned as such. The leaves tile the root exactly, which
:func:`check_tiling` verifies from the leaves alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import small_a as sa

VALUE, SLOPE, CORNER, GRADIENT, NONE = "value", "slope", "corner", "gradient", "none"
ZERO_END, BULK, PI_END = "zero", "bulk", "pi"
PIECES = (ZERO_END, BULK, PI_END)
#: The sign Conjecture 1 claims for G12 and G21 in each region.
CLAIMED_SIGN = {iv.IN: 1, iv.OUT: -1, **sa.SIGN}
#: The regions of each piece: the a -> 0 end piece has its own patches (l12_small_a).
REGIONS_OF = {BULK: iv.REGIONS, PI_END: iv.REGIONS, ZERO_END: sa.PATCHES}


@dataclass(frozen=True)
class Box:
    region: str
    a_lo: float
    a_hi: float
    x_lo: float
    x_hi: float
    depth: int = 0
    piece: str = BULK  # PI_END: a_lo, a_hi are e = pi - a

    @property
    def from_pi(self) -> bool:
        return self.piece == PI_END

    def a_floats(self) -> tuple[float, float]:
        """Floats lo <= a <= hi over the box (rounded outward): for drawing and reports."""
        if not self.from_pi:
            return self.a_lo, self.a_hi
        lo, hi = iv.a_bounds(self.a_lo, self.a_hi, True)
        return iv.float_bounds(lo)[0], iv.float_bounds(hi)[1]


@dataclass(frozen=True)
class Leaf:
    """A leaf of the subdivision: the box, whether and how it is certified, the enclosures
    used (of G or of dG/dphi, as floats rounded outward)."""

    box: Box
    certified: bool
    method: str
    g12: tuple[float, float]
    g21: tuple[float, float]
    spread_a: float = 0.0
    spread_x: float = 0.0


def midpoint(lo: float, hi: float) -> float:
    """The split point of [lo, hi]; both the prover and the checker use exactly this float."""
    return 0.5 * (lo + hi)


def required_sign(box: Box) -> tuple[str, int] | None:
    """(method, sign the enclosure must have) for the box, or None when it touches both lines."""
    sign = CLAIMED_SIGN[box.region]
    touches_lo, touches_hi = box.x_lo == 0.0, box.x_hi == 1.0
    if box.piece == ZERO_END and box.region != iv.IN:
        # x = 0 is the line phi = a on B, x = 1 the line phi = 2 pi on D; the other edge of B
        # and D is phi = pi (the gradient property); C has no line
        line, edge = {"B": (touches_lo, touches_hi), "D": (touches_hi, touches_lo),
                      "C": (False, False)}[box.region]
        if line and edge:
            return None
        if line:
            return SLOPE, sign if touches_lo else -sign
        return (GRADIENT if edge else VALUE), sign
    if touches_lo and touches_hi:
        return None
    method = CORNER if box.from_pi and box.a_lo == 0.0 and (touches_lo or touches_hi) else SLOPE
    if touches_lo:  # G = 0 at x = 0 and must move to the claimed side
        return method, sign
    if touches_hi:  # G must come back from the claimed side to 0 at x = 1
        return method, -sign
    return VALUE, sign


def enclose(box: Box, method: str):
    """The enclosures (of G or dG/dphi, or the corner quantities) the method of ``box`` uses."""
    if box.piece == ZERO_END:
        return sa.enclose(method, box.region, box.a_lo, box.a_hi, box.x_lo, box.x_hi)
    if method == CORNER:
        return iv.corner_enclose(box.region, box.a_hi, box.x_lo, box.x_hi)
    return iv.enclose(method, box.region, box.a_lo, box.a_hi, box.x_lo, box.x_hi,
                      from_pi=box.from_pi)


def _strict(x, sign: int) -> bool:
    return x is not None and (x > 0 if sign > 0 else x < 0)


Evaluator = Callable[[Box, str], iv.Enclosure]


def classify(box: Box, evaluate: Evaluator = enclose) -> Leaf:
    """Try to certify ``box`` with the property its position calls for."""
    need = required_sign(box)
    if need is None:
        return Leaf(box, False, NONE, (-np.inf, np.inf), (-np.inf, np.inf))
    method, sign = need
    e = evaluate(box, method)
    ok = _strict(e.f12, sign) and _strict(e.f21, sign)
    return Leaf(box, ok, method, iv.float_bounds(e.f12), iv.float_bounds(e.f21), e.spread_a,
                e.spread_x)


def split_axis(leaf: Leaf) -> str:
    """'a' or 'x': the side whose spread contributes more to the failed enclosure."""
    box = leaf.box
    if box.x_lo == 0.0 and box.x_hi == 1.0:
        return "x"  # a box on both lines can only be settled by separating them
    return "a" if leaf.spread_a >= leaf.spread_x else "x"


def children(box: Box, axis: str) -> tuple[Box, Box]:
    """Bisect ``box`` along ``axis`` ('a' or 'x')."""
    d = box.depth + 1
    if axis == "a":
        m = midpoint(box.a_lo, box.a_hi)
        return (Box(box.region, box.a_lo, m, box.x_lo, box.x_hi, d, box.piece),
                Box(box.region, m, box.a_hi, box.x_lo, box.x_hi, d, box.piece))
    m = midpoint(box.x_lo, box.x_hi)
    return (Box(box.region, box.a_lo, box.a_hi, box.x_lo, m, d, box.piece),
            Box(box.region, box.a_lo, box.a_hi, m, box.x_hi, d, box.piece))


def subdivide(root: Box, max_depth: int, evaluate: Evaluator = enclose) -> list[Leaf]:
    """Depth-first adaptive subdivision of ``root``; leaves in order (left child first)."""
    leaves: list[Leaf] = []
    stack = [root]
    while stack:
        box = stack.pop()
        leaf = classify(box, evaluate)
        if leaf.certified or box.depth >= max_depth:
            leaves.append(leaf)
        else:
            left, right = children(box, split_axis(leaf))
            stack += [right, left]
    return leaves


def frontier(root: Box, a_floor: float, x_parts: int) -> list[Box]:
    """Independent tasks for worker processes: ``root`` bisected in a toward a_lo until the
    lowest strip is narrower than ``a_floor`` (the work grows as a shrinks, so strips are
    narrower there), each strip then bisected in x into ``x_parts`` (a power of 2). The same
    bisection rule as :func:`subdivide`, and independent of the number of workers."""
    strips, rest = [], root
    while rest.a_hi - rest.a_lo > a_floor:
        low, high = children(rest, "a")
        strips.append(high)
        rest = low
    strips.append(rest)
    boxes = strips[::-1]
    while x_parts > 1:
        boxes = [c for b in boxes for c in children(b, "x")]
        x_parts //= 2
    return boxes


def _subdivide_task(task: tuple[Box, int, Evaluator]) -> list[Leaf]:
    box, max_depth, evaluate = task
    return subdivide(box, max_depth, evaluate)


def prove(roots: list[Box], *, max_depth: int, prec: int, workers: int, progress,
          a_floor: float, x_parts: int = 16, evaluate: Evaluator = enclose,
          client=None) -> list[Leaf]:
    """Subdivide every root (in parallel over frontier tasks, or as dask tasks with a
    ``client``); leaves sorted by region, a, x."""
    tasks = [(b, max_depth, evaluate) for r in roots for b in frontier(r, a_floor, x_parts)]
    parts = pool_map(_subdivide_task, tasks, prec=prec, workers=workers, progress=progress,
                     desc="proving (tasks)", client=client)
    leaves = [leaf for part in parts for leaf in part]
    leaves.sort(key=lambda lf: (PIECES.index(lf.box.piece),
                                REGIONS_OF[lf.box.piece].index(lf.box.region),
                                lf.box.a_lo, lf.box.x_lo))
    return leaves


def _worker_init(prec: int) -> None:
    """A pool worker: arb precision set, and Ctrl-C / SIGTERM left to the parent, which
    terminates the pool (otherwise every worker prints its own KeyboardInterrupt traceback)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    iv.set_precision(prec)


def pool_map(fn: Callable, items: list, *, prec: int, workers: int, progress, desc: str,
             client=None) -> list:
    """[fn(item) for item in items] at arb precision ``prec``, in ``workers`` processes when
    more than one, or as tasks of a dask.distributed ``client`` (results in the order of
    ``items`` whatever the count)."""
    import multiprocessing

    if client is not None:
        from functools import partial

        from relucheck.runtime import cluster

        return cluster.map_tasks(client, partial(cluster.at_precision, fn, prec), items,
                                 kind=f"{fn.__name__}-{prec}", progress=progress, desc=desc)
    out = []
    with progress(len(items), desc) as bar:
        if workers <= 1 or len(items) <= 1:
            saved = iv.ctx.prec
            iv.set_precision(prec)
            try:
                for item in items:
                    out.append(fn(item))
                    bar.update(1)
            finally:
                iv.ctx.prec = saved
            return out
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=_worker_init, initargs=(prec,)) as pool:
            for r in pool.imap(fn, items, chunksize=1):
                out.append(r)
                bar.update(1)
    return out


@dataclass(frozen=True)
class FlippedInDisc:
    """A deliberately wrong function for tests: G with its sign flipped on the disc of
    ``radius`` around (a, phi) = ``centre``. Boxes that may meet the disc get the enclosure of
    both signs (hull of F and -F, which encloses the flipped function there)."""

    centre: tuple[float, float]
    radius: float

    def meets(self, box: Box) -> bool:
        a0, p0 = self.centre
        (a_lo, a_hi), (p_lo, p_hi) = box.a_floats(), phi_range(box)
        da = max(a_lo - a0, 0.0, a0 - a_hi)
        dp = max(p_lo - p0, 0.0, p0 - p_hi)
        return da * da + dp * dp <= self.radius ** 2 * (1 + 1e-9)

    def __call__(self, box: Box, method: str) -> iv.Enclosure:
        e = enclose(box, method)
        if not self.meets(box):
            return e
        return e._replace(f12=e.f12.union(-e.f12), f21=e.f21.union(-e.f21))


def phi_range(box: Box) -> tuple[float, float]:
    """A float range containing phi over the box (phi = u a inside, a + s (2 pi - a) outside),
    widened by one ulp; for drawing and for the test function, not for the proof."""
    a_lo, a_hi = box.a_floats()
    if box.piece == ZERO_END and box.region != iv.IN:
        base = {"B": 0.0, "C": np.pi, "D": np.pi}[box.region]
        if box.region == "C":  # phi = pi + x a
            lo, hi = base + box.x_lo * a_lo, base + box.x_hi * a_hi
        else:  # phi = base + a + x (pi - a), increasing in a and x
            lo = base + a_lo + box.x_lo * (np.pi - a_lo)
            hi = base + a_hi + box.x_hi * (np.pi - a_hi)
    elif box.region == iv.IN:
        lo, hi = box.x_lo * a_lo, box.x_hi * a_hi
    else:
        lo = a_lo + box.x_lo * (2 * np.pi - a_hi)
        hi = a_hi + box.x_hi * (2 * np.pi - a_lo)
    return float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))


# --- checking a certificate -------------------------------------------------------------------


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
    m = midpoint(n0, n1)
    if not n0 < m < n1:
        return None
    left = hi[idx] <= m
    right = lo[idx] >= m
    if not np.all(left | right):
        return None
    return m, idx[left], idx[right]


def iter_roots(a_min: float, a_max: float, e_max: float | None = None,
               zero: bool = False) -> Iterator[Box]:
    """The root box of each region: a in [a_min, a_max] (bulk); when ``e_max`` is given, the
    a -> pi end piece e = pi - a in [0, e_max]; with ``zero``, the a -> 0 end piece
    a in [0, a_min] in its four patches."""
    if zero:
        for patch in sa.PATCHES:
            yield Box(patch, 0.0, a_min, 0.0, 1.0, 0, ZERO_END)
    for region in iv.REGIONS:
        yield Box(region, a_min, a_max, 0.0, 1.0, 0)
    if e_max is not None:
        for region in iv.REGIONS:
            yield Box(region, 0.0, e_max, 0.0, 1.0, 0, PI_END)
