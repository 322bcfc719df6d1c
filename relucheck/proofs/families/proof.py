"""Interval proof, per integer k, that a pattern's critical point is a strict local minimum
of the full loss J on M(k, k) (python-flint arb only; floats enter as exact dyadic numbers).

1. Krawczyk on the fixed-point space: the box X = u +- r (u the float point, r exact floats)
   holds exactly one zero u* of the fixed-space gradient g (closed form, thin arb at u), with
   the Jacobian enclosure J(X) = the trivial block over X.
2. Symmetric criticality: grad J at a fixed point lies in the fixed-point space, and its
   coordinates there are g; so grad J(W(u*)) = 0 on all of M(k, k).
3. The Hessian at W(u*) commutes with the isotropy group, so it is block-diagonal on the
   isotypic components; the eigenvalues on each are those of Gamma^{-1/2} B Gamma^{-1/2}.
   Every block, normalised, minus its claimed lower bound L is proved positive definite over
   the whole box X by an arb LDL^T with provably positive pivots. All L > 0 => H(W(u*)) is
   positive definite => W(u*) is a strict local minimum (and so is its whole orbit).
4. With a proved critical point in the box, each unit's split embedding at n = k + 1 gets a
   proved direction of negative curvature (:mod:`relucheck.proofs.families.split`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from relucheck.proofs._arb import arb, ctx
from relucheck.proofs.families.arbtools import (
    krawczyk,
    ldl_positive,
    normalised,
    outward_decimals,
    round_down_decimal,
)
from relucheck.proofs.families.kit import ARB
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.split import SPLIT_PATTERNS, UNITS, prove_split

PREC = 80  # bits
RADIUS_SHIFT = 36  # default box up to k = 10^4: radius 2^-36 relative (see default_radius)
WIDER = 8  # the last retry's box is 2^8 = 256 times wider
CENTRE_BITS = 44  # significant bits of a box centre (the certificate stores them in hex)
#: Above this k the blocks' enclosures widen like k^2 times the box (J sums k^2 terms), so
#: the box shrinks with k (box_shift) and the centre keeps all 53 bits.
LARGE_K = 10_000
K_LIMIT = 1_000_000  # the largest k the box schedule is made and tested for
MAX_SHIFT = 48  # k = 10^6 proves at 48 (44 leaves a block unproved; 52 is below the
#                 centre's own rounding and Krawczyk fails)


def box_shift(k) -> int:
    """The default box's radius shift at k: 36 up to LARGE_K, then 2 more bits per doubling
    of k (plus 2), at most MAX_SHIFT."""
    if k <= LARGE_K:
        return RADIUS_SHIFT
    return min(MAX_SHIFT, RADIUS_SHIFT + 2 + 2 * math.ceil(math.log2(k / LARGE_K)))


def centre_bits(k) -> int:
    """Significant bits of a default box's centre at k."""
    return CENTRE_BITS if k <= LARGE_K else 53


@dataclass(slots=True)
class BlockClaim:
    name: str
    multiplicity: int
    size: int
    lower: str  # decimal string L: every eigenvalue of the block >= L over the whole box
    proved: bool
    # the eigenvalues (float64, ascending) of the normalised block's midpoint over the box:
    # arb carries midpoints through at the working precision, so without parallel pairs these
    # are the eigenvalues at the box centre to float rounding (not part of the proof; with
    # them, :func:`_attempt` puts the float64 values at the centre here)
    eigenvalues: tuple = ()


@dataclass(slots=True)
class ProofResult:
    pattern: str
    k: int
    center: list  # floats (exact)
    radius: list  # floats (exact)
    proved: bool
    reason: str
    loss: tuple = ("", "")  # decimal strings lo, hi
    blocks: list = field(default_factory=list)
    slack: float = 0.0
    seconds: float = 0.0
    attempts: int = 1  # 2, 3: recentred by an arb Newton step (3: and a 256x wider box)
    shift: int | None = RADIUS_SHIFT  # radius = default_radius(center, k, 2^-shift); None: given
    newton_center: list = field(default_factory=list, repr=False)
    # the split embeddings at n = k + 1 ([split.SplitClaim], one per unit; empty where the box
    # holds no proved critical point or the pattern has no spurious residual, as W = I)
    splits: list = field(default_factory=list)


def _box(center, radius):
    return [arb(c, r) for c, r in zip(center, radius, strict=True)]


def short_float(x: float, bits: int = CENTRE_BITS) -> float:
    """x rounded to ``bits`` significant bits (an exact float with a short hex form)."""
    x = float(x)
    if x == 0.0 or not math.isfinite(x):
        return x
    m, e = math.frexp(x)
    return math.ldexp(round(math.ldexp(m, bits)), e - bits)


def default_radius(u, k, rho=2.0**-RADIUS_SHIFT):
    """Radius per unknown: rho times the power of two at or below max(|u_p|, 1/k^2), with
    1/k^2 the IEEE double 1.0 / (k * k); exact floats, so that a certificate stores only
    log2 rho and the checker recomputes the radii from the centre."""
    floor = 1.0 / (k * k)
    return [rho * 2.0 ** (math.frexp(max(abs(float(x)), floor))[1] - 1) for x in u]


def prove_blocks(pat, box, k, lowers=None, digits=3, cache=None, first=None):
    """Prove each block (normalised) minus its lower bound positive definite over the box.
    ``lowers``: {block name: decimal string} (claimed); None derives them from the midpoint
    (95 % of the float smallest eigenvalue, 3 digits, rounded down).
    ``cache``: the point's geometry cache; ``first``: the trivial block's (B, Gamma) when
    already computed. Returns ([BlockClaim], the trivial block B over the box)."""
    out = []
    cache = {} if cache is None else cache
    trivial = None
    for blk in pat.blocks:
        B, G = first if (first is not None and trivial is None) else \
            pat.block(blk, box, k, ARB, cache)
        if trivial is None:
            trivial = B
        Bn = normalised(B, G)
        n = len(Bn)
        import numpy as np  # to choose the claim and report the spectrum; the verdict is arb
        eig = tuple(float(x) for x in np.linalg.eigvalsh(
            np.array([[float(x.mid()) for x in row] for row in Bn])))
        if lowers is None:
            lam = eig[0]
            lower = round_down_decimal(0.95 * lam, digits) if lam > 0 else "0"
        else:
            lower = lowers[blk.name]
        L = arb(lower)
        shifted = [[Bn[p][q] - (L if p == q else 0) for q in range(n)] for p in range(n)]
        ok, _ = ldl_positive(shifted)
        ok = ok and L > 0
        mult = blk.dim(k)
        out.append(BlockClaim(blk.name, int(mult) if isinstance(k, int) else mult, n, lower,
                              bool(ok), eig))
    return out, trivial


def loss_over_box(J0, g0, jac, radius):
    """Enclosure of J over the box (so of J at the zero u* it holds) by the mean-value form
    twice: g(X) in g(x) + Jac(X)(X - x) and J(X) in J(x) + g(X).(X - x)."""
    n = len(radius)
    D = [arb(0, r) for r in radius]
    gX = [g0[p] + sum((jac[p][q] * D[q] for q in range(n)), arb(0)) for p in range(n)]
    return J0 + sum((gX[p] * D[p] for p in range(n)), arb(0))


def prove_point(name: str, k: int, u, *, radius=None, prec: int = PREC, real_k: bool = False,
                digits: int = 3, retries: int = 2) -> ProofResult:
    """The three steps of the module docstring at one integer k (or, with real_k, at a
    real k given as an exact float: the analytic continuation of the closed forms).
    When Krawczyk fails, up to ``retries`` more attempts recentre the box (the result
    records the centre and radius actually proved)."""
    t0 = time.perf_counter()
    pat = PATTERNS[name]
    if real_k:
        k = float(k)
    elif not isinstance(k, int) or k < pat.min_k:
        raise ValueError(f"k must be an integer >= {pat.min_k}")
    auto = radius is None  # the default box: centre to centre_bits, radius from box_shift
    bits = centre_bits(k) if auto else 53
    center = [short_float(x, bits) for x in u]
    shift = box_shift(k) if auto else None
    radius = default_radius(center, k, 2.0**-shift) if auto else [float(r) for r in radius]
    old = ctx.prec
    ctx.prec = prec
    try:
        for attempt in range(retries + 1):
            res = _attempt(pat, k, center, radius, digits, last=attempt == retries)
            res.attempts, res.shift = attempt + 1, shift
            if res.proved or not res.reason.startswith("Krawczyk"):
                break
            # the float centre was not accurate enough for the box: recentre by one arb
            # Newton step (rounded to floats) and, at the last attempt, widen a default box
            center = [short_float(x, bits) for x in res.newton_center]
            if attempt == 1 and auto:
                shift = box_shift(k) - WIDER
            radius = default_radius(center, k, 2.0**-shift) if auto else radius
    finally:
        ctx.prec = old
    res.seconds = time.perf_counter() - t0
    return res


def _attempt(pat, k, center, radius, digits, last=True) -> ProofResult:
    """One proof on one box; when Krawczyk fails and it is not the ``last`` attempt, the
    other blocks are not computed (the box will be recentred)."""
    res = ProofResult(pat.name, k, center, radius, False, "")
    box = _box(center, radius)
    J0, g = pat.loss_and_gradient([arb(c) for c in center], k, ARB)
    # the trivial block over the box is the Jacobian enclosure of g
    cache: dict = {}
    first = pat.block(pat.blocks[0], box, k, ARB, cache)
    ok, K, slack = krawczyk(center, radius, g, first[0])
    res.newton_center = [float(x.mid()) for x in K]
    res.slack = slack
    if not ok and not last:
        res.reason = "Krawczyk: K(X) not inside X"
        return res
    blocks, jac = prove_blocks(pat, box, k, digits=digits, cache=cache, first=first)
    if any(v is None for v in cache.get("inv_s", {}).values()):
        # a parallel pair (W = I: each row and its teacher): the bounded forms and the sqrt
        # of a ball around 0 move the midpoints, so the reported spectrum is float64 at the
        # centre instead
        from relucheck.proofs.families.kit import FLOAT
        from relucheck.proofs.families.patterns import block_eigenvalues

        for b, (_, B, G) in zip(blocks, pat.all_blocks(center, k, FLOAT), strict=True):
            b.eigenvalues = tuple(float(x) for x in block_eigenvalues(B, G))
    res.blocks = blocks
    res.loss = outward_decimals(loss_over_box(J0, g, jac, radius))
    if ok and pat.name in SPLIT_PATTERNS:
        res.splits = [prove_split(pat.name, unit, box, k, cache) for unit in UNITS]
    bad = [b.name for b in blocks if not b.proved]
    if not ok:
        res.reason = "Krawczyk: K(X) not inside X"
    elif bad:
        res.reason = "not proved positive definite: " + ", ".join(bad)
    else:
        res.proved, res.reason = True, "proved"
    return res


def prove_all(name: str, points: dict) -> list:
    """prove_point at every k of ``points`` ({k: Point}); a failure is a result with its
    reason, never dropped."""
    return [prove_point(name, k, p.u) for k, p in sorted(points.items())]
