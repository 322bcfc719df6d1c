"""Birth of a family as a minimum: a proved bracket [k_lo, k_hi] (real k, the analytic
continuation of the closed forms) of width <= 1e-8 with

- at k_lo: a proved unique critical point in a box (Krawczyk) where the named block has a
  proved negative eigenvalue (a float vector v with v^T B~ v < 0 for every point of the box,
  B~ the normalised block: its smallest eigenvalue is < 0);
- at k_hi: a proved unique critical point where every block is proved positive definite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.proofs._arb import arb, ctx
from relucheck.proofs.families.arbtools import krawczyk, normalised, outward_decimals
from relucheck.proofs.families.continuation import birth, follow_integers
from relucheck.proofs.families.kit import ARB
from relucheck.proofs.families.newton import newton
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.proof import ProofResult, default_radius, prove_point


@dataclass
class Bracket:
    pattern: str
    block: str
    multiplicity: str  # as a formula in k
    k_lo: float
    k_hi: float
    k_star_float: float
    rayleigh_hi: str  # proved upper bound (< 0) of v^T B~ v / v^T v at k_lo
    lower_end_critical: bool
    upper: ProofResult

    @property
    def proved(self) -> bool:
        return self.lower_end_critical and self.rayleigh_hi.startswith("-") and \
            self.upper.proved

    @property
    def width(self) -> float:
        return self.k_hi - self.k_lo


MULT_FORMULA = {("A", "standard"): "k - 2", ("II", "standard"): "k - 3",
                ("A", "trivial"): "1", ("II", "trivial"): "1", ("II", "sign"): "1",
                ("II", "sign x standard"): "k - 3"}


def negative_direction(name: str, k: float, u, radius, block: str, prec: int = 100):
    """(proved critical point?, upper bound of the Rayleigh quotient of the named block over
    the box, as an arb) at real k."""
    pat = PATTERNS[name]
    blk = next(b for b in pat.blocks if b.name == block)
    old = ctx.prec
    ctx.prec = prec
    try:
        box = [arb(c, r) for c, r in zip(u, radius, strict=True)]
        _, g = pat.loss_and_gradient([arb(c) for c in u], k, ARB)
        jac = pat.block(pat.blocks[0], box, k, ARB)[0]
        ok, _, _ = krawczyk(list(u), list(radius), g, jac)
        B, G = pat.block(blk, box, k, ARB)
        Bn = normalised(B, G)
        m = len(Bn)
        mid = np.array([[float(x.mid()) for x in row] for row in Bn])
        v = np.linalg.eigh(mid)[1][:, 0]  # a float vector: any vector is sound
        v = [arb(float(x)) for x in v]
        num = sum((v[p] * Bn[p][q] * v[q] for p in range(m) for q in range(m)), arb(0))
        den = sum((x * x for x in v), arb(0))
        return ok, num / den
    finally:
        ctx.prec = old


def birth_bracket(name: str, half_width: float = 4e-9, prec: int = 100,
                  rho: float = 2.0**-46) -> Bracket:
    pts = follow_integers(name, 12)
    k_star, block, lo, hi = birth(name, pts)
    pat = PATTERNS[name]
    k_lo = float(k_star - half_width)
    k_hi = float(k_star + half_width)
    u_lo, _, _ = newton(pat, lo.u, k_lo)
    u_hi, _, _ = newton(pat, hi.u, k_hi)
    r_lo = default_radius(u_lo, 10, rho)
    ok_lo, ray = negative_direction(name, k_lo, list(map(float, u_lo)), r_lo, block, prec)
    upper = prove_point(name, k_hi, u_hi, radius=default_radius(u_hi, 10, rho), prec=prec,
                        real_k=True, digits=2)
    ray_hi = ray.upper()
    return Bracket(name, block, MULT_FORMULA.get((name, block), "?"), k_lo, k_hi, k_star,
                   outward_decimals(ray, 5)[1] if ray_hi < 0 else "not negative: " + str(ray),
                   bool(ok_lo), upper)
