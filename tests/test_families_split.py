"""The split embedding at n = k + 1 (relucheck.proofs.families.split) against the full
analytic Hessian of the (k+1)-unit network (relucheck.theory.hessian), finite differences of
the full loss, and its own arb proof.

(i) R_i = H_ii - I/2 from the blocks (with multiplicities) equals the full k-unit Hessian's
    row block minus I/2, and R_i w_i = 0; (ii) the split point is critical for every t, and
    along (u, -u) on the two halves the full (k+1)-unit Hessian's Rayleigh quotient is
    (1/t + 1/(1-t))/2 u^T R_i u / |u|^2; (iii) the same curvature by finite differences of the
    population loss along that line; (iv) the arb bound encloses the float quotient and is
    negative at the proved points.
"""

from __future__ import annotations

import numpy as np
import pytest

from relucheck.proofs._arb import arb, ctx
from relucheck.proofs.families.continuation import follow_integers
from relucheck.proofs.families.kit import FLOAT
from relucheck.proofs.families.patterns import PATTERNS, block_eigenvalues
from relucheck.proofs.families.proof import prove_point
from relucheck.proofs.families.split import SPLITS, UNITS, prove_split, split_blocks
from relucheck.theory.gradient import gradient_K, population_loss
from relucheck.theory.hessian import population_hessian

KS = {"A": (6, 7, 9, 13, 20, 30), "II": (6, 8, 11, 17, 30)}
CASES = [(name, k, unit) for name, ks in KS.items() for k in ks for unit in UNITS]


@pytest.fixture(scope="module")
def points():
    return {name: follow_integers(name, max(ks)) for name, ks in KS.items()}


def _full(name, k, pts):
    u = pts[name][k].u
    return u, PATTERNS[name].full_W(u, k)


def _split_W(W, i, t):
    return np.vstack([W[:i], t * W[i], (1 - t) * W[i], W[i + 1:]])


@pytest.mark.parametrize(("name", "k", "unit"), CASES)
def test_blocks_are_the_full_row_block(points, name, k, unit):
    u, W = _full(name, k, points)
    i = SPLITS[name, unit].row
    H = population_hessian(W, np.eye(k)).reshape(k * k, k * k)
    R = H[i * k:(i + 1) * k, i * k:(i + 1) * k] - np.eye(k) / 2
    vals = []
    for blk, Rb, G in split_blocks(name, unit, u, k, FLOAT):
        vals += [*np.repeat(block_eigenvalues(Rb, G), blk.dim(k))]
    assert len(vals) == k
    np.testing.assert_allclose(np.sort(vals), np.linalg.eigvalsh(R), atol=1e-13)
    np.testing.assert_allclose(R @ W[i], 0, atol=1e-13)  # Euler: R_i w_i = 0


@pytest.mark.parametrize(("name", "k", "unit"), CASES[::3])
@pytest.mark.parametrize("t", [0.5, 0.1])
def test_split_curvature_against_full_hessian(points, name, k, unit, t):
    _, W = _full(name, k, points)
    i = SPLITS[name, unit].row
    Ws = _split_W(W, i, t)
    teacher = np.eye(k)
    # a critical point of the (k+1)-unit loss, with the same loss
    assert np.abs(gradient_K(Ws, teacher)).max() < 1e-11
    # equal losses up to rounding: sums of (k + 1)^2 terms of size O(1)
    assert population_loss(Ws, teacher) == pytest.approx(population_loss(W, teacher),
                                                         abs=4e-16 * (k + 1) ** 2)
    H = population_hessian(W, teacher).reshape(k * k, k * k)
    R = H[i * k:(i + 1) * k, i * k:(i + 1) * k] - np.eye(k) / 2
    lam, vec = np.linalg.eigh(R)
    v = np.zeros((k + 1, k))
    v[i], v[i + 1] = vec[:, 0], -vec[:, 0]
    Hs = population_hessian(Ws, teacher).reshape((k + 1) * k, (k + 1) * k)
    q = v.ravel() @ Hs @ v.ravel() / (v.ravel() @ v.ravel())
    assert q == pytest.approx((1 / t + 1 / (1 - t)) / 2 * lam[0], rel=1e-10)
    assert lam[0] < 0 and np.linalg.eigvalsh(Hs)[0] <= q + 1e-12


@pytest.mark.parametrize(("name", "k"), [("A", 7), ("II", 9)])
def test_split_curvature_by_finite_differences(points, name, k):
    """Second differences of the full (k+1)-unit loss along (u, -u) (no Hessian code)."""
    u, W = _full(name, k, points)
    teacher = np.eye(k)
    for unit in UNITS:
        i = SPLITS[name, unit].row
        Ws = _split_W(W, i, 0.3)
        blocks = split_blocks(name, unit, u, k, FLOAT)
        lam = min(block_eigenvalues(R, G)[0] for _, R, G in blocks)
        H = population_hessian(W, teacher).reshape(k * k, k * k)
        R = H[i * k:(i + 1) * k, i * k:(i + 1) * k] - np.eye(k) / 2
        d = np.linalg.eigh(R)[1][:, 0]
        v = np.zeros_like(Ws)
        v[i], v[i + 1] = d, -d

        def second_difference(h, Ws=Ws, v=v):  # per |v|^2 = 2
            J = [population_loss(Ws + s * h * v, teacher) for s in (-1, 0, 1)]
            return (J[0] - 2 * J[1] + J[2]) / h**2 / 2

        # the halves open an angle ~ h, and the kernel's theta^3 term makes the loss along
        # the line C^2 with a |h|^3 term: the second difference errs by O(h) (1.5e-3
        # relative at h = 1e-3), so Richardson on h = 4e-4, 2e-4 (J sums O(k^2) terms:
        # rounding ~ 1e-14 / h^2 ~ 1e-7 relative)
        fd = 2 * second_difference(2e-4) - second_difference(4e-4)
        assert fd == pytest.approx((1 / 0.3 + 1 / 0.7) / 2 * lam, rel=1e-5)


@pytest.mark.parametrize(("name", "k"), [("A", 6), ("A", 30), ("II", 6), ("II", 30)])
def test_arb_bound_encloses_and_is_negative(points, name, k):
    r = prove_point(name, k, points[name][k].u)
    assert len(r.splits) == 2 and all(c.proved for c in r.splits)
    old = ctx.prec
    ctx.prec = 80
    try:
        box = [arb(c, rr) for c, rr in zip(r.center, r.radius, strict=True)]
        for c in r.splits:
            blocks = {b.name: (R, G) for b, R, G in split_blocks(name, c.unit, r.center, k,
                                                                   FLOAT)}
            R, G = (np.array(x, dtype=float) for x in blocks[c.block])
            d = np.sqrt(np.diag(G))
            v = np.array(c.direction)
            rho = v @ (R / d[:, None] / d[None, :]) @ v / (v @ v)
            assert rho <= float(c.upper) < 0
            assert float(c.upper) - rho < 1e-3 * abs(rho)  # the bound is tight, not vacuous
            again = prove_split(name, c.unit, box, k)
            assert again.upper == c.upper and again.block == c.block
    finally:
        ctx.prec = old


def test_global_has_no_split_claim():
    r = prove_point("global", 9, (1.0, 0.0))
    assert r.proved and r.splits == []
