"""One extra unit: a family's point embedded at n = k + 1 by splitting row i into t w_i and
(1 - t) w_i, and a proved direction of negative curvature there (docs/families.md section 8).

relu is positively homogeneous, so the split point computes the same network for every
t in (0, 1) and is a critical point. Along v = (u, -u) on the two halves (zero elsewhere) the
first-order change of the output cancels, and the Hessian's quadratic form is

    v^T H_{k+1} v = (1/t + 1/(1 - t)) u^T R_i u,   R_i = H_ii - I/2,

with H_ii the diagonal block of row i of the Hessian of J at the k-unit point: R_i is the
Hessian in w of E[r(x) relu(w . x)] at w = w_i (r the residual), homogeneous of degree -1, so
the half t w_i contributes R_i / t. One u with u^T R_i u < 0 therefore makes the split point a
saddle for every t, with an eigenvalue <= (1/(2t) + 1/(2(1 - t))) rho <= 2 rho, rho the
Rayleigh quotient of u.

R_i commutes with the stabiliser of row i in the isotropy group, so it splits into blocks
like the Hessian's; each block's test matrices live on row i alone. Type A's special row 0
is fixed by S_{k-1} (blocks: trivial 2 x 2, standard 1 x 1 of multiplicity k - 2); a generic
row by S_{k-2}; type II's special row 0 by S_{k-2}; its generic row by S_2 x S_{k-3}.
R_i w_i = 0 always (Euler), so each R_i has an exact 0 in its trivial block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relucheck.proofs.families.frame import BULK, Frame
from relucheck.proofs.families.patterns import PATTERNS

#: The two kinds of unit split: the special one (row 0) and a generic one.
UNITS = ("special", "generic")
#: The patterns with a split embedding (at W = I the residual is 0, so R_i = 0).
SPLIT_PATTERNS = ("A", "II")
#: Significant bits of a stored direction.
DIRECTION_BITS = 16


@dataclass(frozen=True)
class SplitBlock:
    """One block of R_i: name, multiplicity in k (callable) and its formula, and the test
    vectors of row i as rules j -> exact int (j may be BULK)."""

    name: str
    dim: object
    formula: str
    vectors: tuple = field(repr=False)


@dataclass(frozen=True)
class SplitUnit:
    """The row split (``row``), the distinguished indices its frame needs, and R_row's
    blocks."""

    pattern: str
    unit: str
    row: int
    n_dist: int
    blocks: tuple = field(repr=False)


def _x(p1):
    """e_{p1} - e_{p1 + 1}: a vector of the standard representation on the generic columns."""
    return lambda j: 1 if j == p1 else (-1 if j == p1 + 1 else 0)


def _gen(first):
    """The indicator of the generic columns from ``first`` on (and the bulk)."""
    return lambda j: 1 if (j == BULK or j >= first) else 0


def _units():
    one = lambda k: 1  # noqa: E731
    out = {}
    # type A, special row 0: stabiliser S_{k-1} on columns 1..k-1
    out["A", "special"] = SplitUnit("A", "special", 0, 3, (
        SplitBlock("trivial", one, "1", (lambda j: int(j == 0), _gen(1))),
        SplitBlock("standard", lambda k: k - 2, "k - 2", (_x(1),)),
    ))
    # type A, generic row 1: stabiliser S_{k-2} on columns 2..k-1
    out["A", "generic"] = SplitUnit("A", "generic", 1, 4, (
        SplitBlock("trivial", one, "1", (lambda j: int(j == 0), lambda j: int(j == 1),
                                         _gen(2))),
        SplitBlock("standard", lambda k: k - 3, "k - 3", (_x(2),)),
    ))
    # type II, special row 0: stabiliser S_{k-2} on columns 2..k-1 (the S_2 moves row 0)
    out["II", "special"] = SplitUnit("II", "special", 0, 4, (
        SplitBlock("trivial", one, "1", (lambda j: int(j == 0), lambda j: int(j == 1),
                                         _gen(2))),
        SplitBlock("standard", lambda k: k - 3, "k - 3", (_x(2),)),
    ))
    # type II, generic row 2: stabiliser S_2 (columns 0, 1) x S_{k-3} (columns 3..k-1)
    out["II", "generic"] = SplitUnit("II", "generic", 2, 5, (
        SplitBlock("trivial", one, "1", (lambda j: int(j in (0, 1)), lambda j: int(j == 2),
                                         _gen(3))),
        SplitBlock("sign", one, "1", (lambda j: 1 if j == 0 else (-1 if j == 1 else 0),)),
        SplitBlock("standard", lambda k: k - 4, "k - 4", (_x(3),)),
    ))
    return out


SPLITS = _units()
_RULES: dict = {}


def _rules(su: SplitUnit, blk: SplitBlock) -> tuple:
    """The test matrices (row ``su.row`` only) of a block as frame rules, cached so that the
    frame's tables are built once."""
    key = (su.pattern, su.unit, blk.name)
    if key not in _RULES:
        _RULES[key] = tuple((lambda i, j, f=f: f(j) if i == su.row else 0)
                            for f in blk.vectors)
    return _RULES[key]


def split_blocks(name: str, unit: str, u, k, kit, geo_cache=None) -> list:
    """[(block, R, Gamma)]: R_pq = <T_p, (H_ii - I/2) T_q> and the Gram matrix of the block's
    test matrices T_p (row i only) at the pattern point u, in the kit's arithmetic.
    ``geo_cache``: the point's geometry, shared with the Hessian blocks' frames."""
    su = SPLITS[name, unit]
    pat = PATTERNS[name]
    fr = Frame(pat, u, k, kit, su.n_dist, geo_cache)
    out = []
    for blk in su.blocks:
        rules = _rules(su, blk)
        B = fr.hessian_form(rules)
        G = fr.gram(rules)
        n = len(rules)
        R = [[B[p][q] - G[p][q] / 2 for q in range(n)] for p in range(n)]
        out.append((blk, R, G))
    return out


# -- the proof over a box ------------------------------------------------------------------
@dataclass(slots=True)
class SplitClaim:
    """A proved (or failed) negative curvature of the split embedding of one unit: the block
    and direction v (exact floats, coordinates on the block's normalised test vectors),
    ``upper`` a decimal >= v^T R~ v / v^T v at every point of the box (R~ the normalised
    block), and the float smallest eigenvalue of R_i at the box centre."""

    unit: str
    block: str
    direction: list
    upper: str
    proved: bool
    lambda_min: float = float("nan")


def rayleigh(R, G, v):
    """v^T R~ v / v^T v (arb), R~ = D^{-1/2} R D^{-1/2}, D = diag(G)."""
    from relucheck.proofs._arb import arb
    from relucheck.proofs.families.arbtools import normalised

    Rn = normalised(R, G)
    m = len(Rn)
    w = [arb(x) for x in v]
    num = sum((w[p] * Rn[p][q] * w[q] for p in range(m) for q in range(m)), arb(0))
    return num / sum((x * x for x in w), arb(0))


def prove_split(name: str, unit: str, box, k, cache=None, digits: int = 4) -> SplitClaim:
    """The block of R_i with the smallest float eigenvalue at the box centre, its eigenvector
    (a float vector: any vector is sound) and a proved upper bound of its Rayleigh quotient
    over the whole box (arb at the context precision)."""
    import numpy as np

    from relucheck.proofs.families.arbtools import outward_decimals
    from relucheck.proofs.families.kit import ARB
    from relucheck.proofs.families.patterns import block_eigenvalues
    from relucheck.proofs.families.proof import short_float

    blocks = split_blocks(name, unit, box, k, ARB, cache)
    best = None
    for blk, R, G in blocks:
        if blk.dim(k) <= 0:
            continue
        Rm = [[float(x.mid()) for x in row] for row in R]
        Gm = [[float(x.mid()) if hasattr(x, "mid") else float(x) for x in row] for row in G]
        lam = float(block_eigenvalues(Rm, Gm)[0])
        if best is None or lam < best[0]:
            d = np.sqrt(np.diag(np.array(Gm)))
            v = np.linalg.eigh(np.array(Rm) / d[:, None] / d[None, :])[1][:, 0]
            # any vector is sound: 16 bits keep the bound within ~1e-9 of the eigenvalue
            # and the certificate short
            best = (lam, blk, R, G, [short_float(float(x), DIRECTION_BITS) for x in v])
    lam, blk, R, G, v = best
    rho = rayleigh(R, G, v)
    up = outward_decimals(rho, digits)[1]
    return SplitClaim(unit, blk.name, v, up, bool(rho < 0) and up.startswith("-"), lam)
