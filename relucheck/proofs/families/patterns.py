"""The symmetric patterns (teacher I_k, k student rows, a = a* = 1) and their Hessian blocks.

A pattern names its unknowns and maps every entry W[i, j] to one of them (``entry_class``);
indices 0 .. n_special - 1 are the special ones, all others "generic" (permuted by S_m,
m = k - n_special). Each block is an isotypic component of M(k, k) under the isotropy group:
a list of equivariant test matrices T_1..T_r (images of one vector of the irreducible
representation under r independent equivariant embeddings), the block being
B_pq = <T_p, H T_q> with Gram matrix Gamma_pq = <T_p, T_q>; its eigenvalues (those of
Gamma^{-1} B) are eigenvalues of H, each with the dimension of the irreducible as multiplicity.
All test matrices here are mutually orthogonal, so Gamma is diagonal.

Type A  (isotropy Delta S_{k-1}; special index 0): unknowns a, b, c, e, f.
Type II (isotropy Delta(S_2 x S_{k-2}); special 0, 1): unknowns a, g, b, c, e, f.
Global  (isotropy Delta S_k): unknowns x (diagonal), y (off-diagonal); W = I is (1, 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from relucheck.proofs.families.frame import BULK, Frame

_BASES: dict = {}


@dataclass(frozen=True)
class Block:
    """One isotypic component: name, irreducible's dimension dim(k), number of distinguished
    indices the test matrices need, and the test matrices as rules (i, j) -> exact number."""

    name: str
    dim: object  # callable k -> multiplicity (polynomial in k)
    n_dist: int
    rules: tuple = field(repr=False)
    # distinguished rows whose contributions coincide, folded: {row: count} (see
    # Frame.hessian_form); None = no folding
    row_orbits: dict | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Pattern:
    name: str
    unknowns: tuple
    n_special: int
    entry_class: object = field(repr=False)  # (i, j) -> index into unknowns (j may be BULK)
    blocks: tuple = field(repr=False, default=())
    min_k: int = 6  # smallest k where every block's test matrices exist (4 generic indices)

    # -- maps ------------------------------------------------------------------------
    def full_W(self, u, k: int) -> np.ndarray:
        """The k x k matrix of the pattern point with unknowns u (float64)."""
        u = np.asarray(u, dtype=float)
        idx = np.array([[self.entry_class(i, j) for j in range(k)] for i in range(k)])
        return u[idx]

    def basis(self):
        """The fixed-point space's basis E_p (indicator of the entries equal to unknown p);
        one tuple per pattern (the engine caches its tables by the rules' identity)."""
        key = (self.name, self.unknowns)
        if key not in _BASES:
            _BASES[key] = tuple((lambda i, j, p=p: 1 if self.entry_class(i, j) == p else 0)
                                for p in range(len(self.unknowns)))
        return _BASES[key]

    def project(self, M: np.ndarray) -> np.ndarray:
        """Coordinates <M, E_p> of a full k x k matrix on the basis E_p."""
        k = M.shape[0]
        idx = np.array([[self.entry_class(i, j) for j in range(k)] for i in range(k)])
        return np.array([M[idx == p].sum() for p in range(len(self.unknowns))])

    # -- closed forms (any kit) ------------------------------------------------------
    def loss(self, u, k, kit):
        return Frame(self, u, k, kit, self.n_special).loss()

    def gradient(self, u, k, kit):
        """dJ/du_p (= <grad J, E_p>), the gradient on the fixed-point space."""
        return Frame(self, u, k, kit, self.n_special).gradient(self.basis())

    def trivial_block(self, u, k, kit):
        """The Hessian of J restricted to the fixed space in the unknowns (the Jacobian of
        :meth:`gradient`) = the trivial isotypic block B_pq = <E_p, H E_q>."""
        return Frame(self, u, k, kit, self.n_special).hessian_form(self.basis())

    def block(self, blk: Block, u, k, kit, geo_cache=None, fold=True):
        """(B, Gamma) of one block (geo_cache: a dict shared by calls at the same point;
        fold=False sums every row, ignoring the block's row orbits)."""
        fr = Frame(self, u, k, kit, blk.n_dist, geo_cache)
        return (fr.hessian_form(blk.rules, blk.row_orbits if fold else None),
                fr.gram(blk.rules))

    def all_blocks(self, u, k, kit):
        """[(block, B, Gamma)] for every isotypic component, the trivial one first."""
        cache: dict = {}
        return [(blk, *self.block(blk, u, k, kit, cache)) for blk in self.blocks]

    def loss_and_gradient(self, u, k, kit):
        """(J, [dJ/du_p]) from one frame."""
        fr = Frame(self, u, k, kit, self.n_special)
        return fr.loss(), fr.gradient(self.basis())


# -- test matrices ------------------------------------------------------------------------
def _generic(ns):
    """Rules building the isotypic test matrices of S_m on the generic indices (>= ns), with
    the special indices 0..ns-1 treated separately by the callers."""
    def x(i):  # x = e_{p1} - e_{p2}, p1 = ns, p2 = ns + 1 (a vector of Std, sum 0)
        return 1 if i == ns else (-1 if i == ns + 1 else 0)

    def gen(i):
        return i == BULK or i >= ns

    def diag(i, j):
        return x(i) if (gen(i) and i == j) else 0

    def off_s(i, j):
        return x(i) + x(j) if (gen(i) and gen(j) and i != j) else 0

    def off_a(i, j):
        return x(i) - x(j) if (gen(i) and gen(j) and i != j) else 0

    p = [ns + r for r in range(4)]

    def two_two(i, j):  # (m-2, 2): symmetric, zero diagonal, zero row sums
        pos = {(p[0], p[1]), (p[2], p[3])}
        neg = {(p[0], p[2]), (p[1], p[3])}
        if (i, j) in pos or (j, i) in pos:
            return 1
        if (i, j) in neg or (j, i) in neg:
            return -1
        return 0

    def two_one_one(i, j):  # (m-2, 1, 1): antisymmetric 3-cycle circulation
        cyc = {(p[0], p[1]), (p[1], p[2]), (p[2], p[0])}
        if (i, j) in cyc:
            return 1
        if (j, i) in cyc:
            return -1
        return 0

    return x, gen, diag, off_s, off_a, two_two, two_one_one


def _type_a():
    def cls(i, j):
        si, sj = i == 0, j == 0
        if si and sj:
            return 0  # a
        if si:
            return 1  # b
        if sj:
            return 2  # c
        return 3 if i == j else 4  # e, f

    x, _, diag, off_s, off_a, two_two, two_one_one = _generic(1)
    std = (lambda i, j: x(j) if i == 0 else 0,  # e_1 x^T
           lambda i, j: x(i) if j == 0 else 0,  # x e_1^T
           diag, off_s, off_a)
    pat = Pattern("A", ("a", "b", "c", "e", "f"), 1, cls)
    blocks = (
        Block("trivial", lambda k: 1, 1, pat.basis()),
        Block("standard", lambda k: k - 2, 3, std, {0: 1, 1: 2}),
        Block("(m-2,2)", lambda k: (k - 1) * (k - 4) // 2 if isinstance(k, int)
              else (k - 1) * (k - 4) / 2, 5, (two_two,), {1: 4}),
        Block("(m-2,1,1)", lambda k: (k - 2) * (k - 3) // 2 if isinstance(k, int)
              else (k - 2) * (k - 3) / 2, 4, (two_one_one,), {1: 3}),
    )
    return Pattern("A", pat.unknowns, 1, cls, blocks, min_k=5)


def _type_ii():
    def cls(i, j):
        si, sj = i in (0, 1), j in (0, 1)
        if si and sj:
            return 0 if i == j else 1  # a, g
        if si:
            return 2  # b
        if sj:
            return 3  # c
        return 4 if i == j else 5  # e, f

    x, gen, diag, off_s, off_a, two_two, two_one_one = _generic(2)

    def sgn(i):
        return 1 if i == 0 else (-1 if i == 1 else 0)

    def sp(i):
        return i in (0, 1)

    eps_triv = (
        lambda i, j: sgn(i) if i == j and sp(i) else 0,                      # diag special
        lambda i, j: sgn(i) if sp(i) and sp(j) and i != j else 0,           # W_01 - W_10
        lambda i, j: sgn(i) if sp(i) and gen(j) else 0,                      # rows 0, 1
        lambda i, j: sgn(j) if gen(i) and sp(j) else 0,                      # cols 0, 1
    )
    std = (lambda i, j: x(j) if sp(i) else 0,
           lambda i, j: x(i) if sp(j) else 0,
           diag, off_s, off_a)
    eps_std = (lambda i, j: sgn(i) * x(j) if sp(i) else 0,
               lambda i, j: sgn(j) * x(i) if sp(j) else 0)
    pat = Pattern("II", ("a", "g", "b", "c", "e", "f"), 2, cls)

    def half(f):
        return lambda k: f(k) // 2 if isinstance(k, int) else f(k) / 2

    blocks = (
        Block("trivial", lambda k: 1, 2, pat.basis(), {0: 2}),
        Block("sign", lambda k: 1, 2, eps_triv, {0: 2}),
        Block("standard", lambda k: k - 3, 4, std, {0: 2, 2: 2}),
        Block("sign x standard", lambda k: k - 3, 4, eps_std, {0: 2, 2: 2}),
        Block("(m-2,2)", half(lambda k: (k - 2) * (k - 5)), 6, (two_two,), {2: 4}),
        Block("(m-2,1,1)", half(lambda k: (k - 3) * (k - 4)), 5, (two_one_one,), {2: 3}),
    )
    return Pattern("II", pat.unknowns, 2, cls, blocks, min_k=6)


def _global():
    def cls(i, j):
        return 0 if i == j else 1  # x, y

    _, _, diag, off_s, off_a, two_two, two_one_one = _generic(0)
    pat = Pattern("global", ("x", "y"), 0, cls)

    def half(f):
        return lambda k: f(k) // 2 if isinstance(k, int) else f(k) / 2

    blocks = (
        Block("trivial", lambda k: 1, 0, pat.basis()),
        Block("standard", lambda k: k - 1, 2, (diag, off_s, off_a), {0: 2}),
        Block("(m-2,2)", half(lambda k: k * (k - 3)), 4, (two_two,), {0: 4}),
        Block("(m-2,1,1)", half(lambda k: (k - 1) * (k - 2)), 3, (two_one_one,), {0: 3}),
    )
    return Pattern("global", pat.unknowns, 0, cls, blocks, min_k=4)


TYPE_A = _type_a()
TYPE_II = _type_ii()
GLOBAL = _global()
PATTERNS = {"A": TYPE_A, "II": TYPE_II, "global": GLOBAL}


def block_eigenvalues(B, Gamma) -> np.ndarray:
    """Eigenvalues of Gamma^{-1} B for a float block (Gamma diagonal positive)."""
    B = np.array(B, dtype=float)
    d = np.sqrt(np.diag(np.array(Gamma, dtype=float)))
    return np.linalg.eigvalsh(B / d[:, None] / d[None, :])


def spectrum(pat: Pattern, u, k: int, kit=None) -> np.ndarray:
    """All k^2 Hessian eigenvalues of the pattern point, from the blocks (float64), sorted."""
    from relucheck.proofs.families.kit import FLOAT
    kit = kit or FLOAT
    if k < pat.min_k:
        raise ValueError(f"pattern {pat.name} needs k >= {pat.min_k}")
    vals = []
    for blk, B, Gm in pat.all_blocks(u, k, kit):
        m = blk.dim(k)
        if m > 0:
            vals.extend(np.repeat(block_eigenvalues(B, Gm), m))
    return np.sort(np.array(vals))
