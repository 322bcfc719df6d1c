"""Adaptive subdivision proving the signs of G12 and G21 box by box (Conjecture 1, K = 2): the
pieces (zero, bulk, pi), the property each box needs (value, slope, corner, gradient), bisection
and the parallel proof (docs/proof-conjecture1.md sections 3 to 7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from relucheck.proofs._arb import float_bounds, pool_map
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
        return float_bounds(lo)[0], float_bounds(hi)[1]


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


Evaluator = Callable[[Box, str], iv.PairEnclosure]


def classify(box: Box, evaluate: Evaluator = enclose) -> Leaf:
    """Try to certify ``box`` with the property its position calls for."""
    need = required_sign(box)
    if need is None:
        return Leaf(box, False, NONE, (-np.inf, np.inf), (-np.inf, np.inf))
    method, sign = need
    e = evaluate(box, method)
    ok = _strict(e.f12, sign) and _strict(e.f21, sign)
    return Leaf(box, ok, method, float_bounds(e.f12), float_bounds(e.f21), e.spread_a,
                e.spread_x)


def _split_axis(leaf: Leaf) -> str:
    """'a' or 'x': the side whose spread contributes more to the failed enclosure."""
    box = leaf.box
    if box.x_lo == 0.0 and box.x_hi == 1.0:
        return "x"  # a box on both lines can only be settled by separating them
    return "a" if leaf.spread_a >= leaf.spread_x else "x"


def _children(box: Box, axis: str) -> tuple[Box, Box]:
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
            left, right = _children(box, _split_axis(leaf))
            stack += [right, left]
    return leaves


def _frontier(root: Box, a_floor: float, x_parts: int) -> list[Box]:
    """Independent tasks for worker processes: ``root`` bisected in a toward a_lo until the
    lowest strip is narrower than ``a_floor`` (the work grows as a shrinks, so strips are
    narrower there), each strip then bisected in x into ``x_parts`` (a power of 2). The same
    bisection rule as :func:`subdivide`, and independent of the number of workers."""
    strips, rest = [], root
    while rest.a_hi - rest.a_lo > a_floor:
        low, high = _children(rest, "a")
        strips.append(high)
        rest = low
    strips.append(rest)
    boxes = strips[::-1]
    while x_parts > 1:
        boxes = [c for b in boxes for c in _children(b, "x")]
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
    tasks = [(b, max_depth, evaluate) for r in roots for b in _frontier(r, a_floor, x_parts)]
    parts = pool_map(_subdivide_task, tasks, prec=prec, workers=workers, progress=progress,
                     desc="proving (tasks)", client=client)
    leaves = [leaf for part in parts for leaf in part]
    leaves.sort(key=lambda lf: (PIECES.index(lf.box.piece),
                                REGIONS_OF[lf.box.piece].index(lf.box.region),
                                lf.box.a_lo, lf.box.x_lo))
    return leaves


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

    def __call__(self, box: Box, method: str) -> iv.PairEnclosure:
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
