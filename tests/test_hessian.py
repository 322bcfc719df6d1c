"""The analytic Hessian of the population loss (relucheck.theory.hessian) against central finite
differences of the analytic gradient (Eqn 8), at generic points, at parallel and antiparallel
units, at the global minimum and at Theorem 7's symmetric saddle; plus invariances and the
eigenvalue error bound.

FD tolerance. ``fd_hessian`` returns err = ||H_h - H_2h||_2, about 3x its truncation error where
the Hessian is smooth. Where two rows are parallel (t = 0) or antiparallel, k(u, v) is C^2 but not
C^3 (h(t) = pi - pi t^2/2 + t^3/3 + ...): the Hessian is only Lipschitz, the truncation error is
O(h) and err is about 1x of it, so those checks allow 2 err. Rounding: every gradient entry is a
sum of m = n + k terms of size <= |a_j| |b_l| |v_l| (b = [a; -a*], v = rows of [W; W*]), so an FD
entry has rounding error <= ~4 m eps gscale / h, and the spectral norm of the P x P error matrix
is at most P times that.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import special_ortho_group

from relucheck.descent.network import Network
from relucheck.finite_differences import fd_hessian
from relucheck.theory import (
    arccos_kernel,
    gradient_K,
    hessian_eigen_error,
    population_hessian,
    population_hessian_packed,
)

EPS = np.finfo(float).eps
STEP = 1e-5


def _flat(H: np.ndarray) -> np.ndarray:
    """(..., n, c, n, c) -> (..., n c, n c)."""
    n, c = H.shape[-2:]
    return H.reshape(H.shape[:-4] + (n * c, n * c))


def _fd(net: Network, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FD Hessian of ``net.grad`` at the batch theta (B, n, c), its err, and the rounding
    allowance 4 m P eps gscale / h (module docstring)."""
    B, n, c = theta.shape
    P = n * c
    H, err = fd_hessian(lambda x: net.grad(x.reshape(-1, n, c)).reshape(x.shape[0], -1),
                        theta.reshape(B, P), STEP)
    W, a = net.split(theta)
    b = np.concatenate([a, -np.broadcast_to(net.a_star, (B, len(net.a_star)))], axis=-1)
    V = np.concatenate([W, np.broadcast_to(net.W_star, (B, *net.W_star.shape))], axis=-2)
    gscale = np.abs(a).max(-1) * np.sum(np.abs(b) * np.linalg.norm(V, axis=-1), axis=-1)
    m = V.shape[-2]
    return H, err, 4 * m * P * EPS * gscale / STEP


def _assert_matches_fd(H: np.ndarray, net: Network, theta: np.ndarray, slack: float = 1.0):
    Hf, err, rounding = _fd(net, theta)
    diff = np.linalg.norm(_flat(H) - Hf, ord=2, axis=(-2, -1))
    assert np.all(diff <= slack * err + rounding), (diff, err, rounding)


def _unit_perp(rng, w):
    """A unit vector orthogonal to w."""
    r = rng.standard_normal(w.shape)
    r -= (r @ w) / (w @ w) * w
    return r / np.linalg.norm(r)


def _rotate(w, r, angle):
    """w turned by ``angle`` towards the unit vector r (r orthogonal to w), same norm."""
    nw = np.linalg.norm(w)
    return nw * (np.cos(angle) * w / nw + np.sin(angle) * r)


def _assert_clean(H):
    assert np.all(np.isfinite(H))
    Hm = _flat(H)
    assert np.array_equal(Hm, np.swapaxes(Hm, -1, -2))  # exactly symmetric


# ---------------------------------------------------------------- generic points vs FD
@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("extra", [0, 1, 2])
@pytest.mark.parametrize("dplus", [0, 2])
def test_matches_fd_unit_top_weights(rng, k, extra, dplus):
    """a = a* = 1 (the paper's case), n = k, k + 1, k + 2 students, d = k and d = k + 2."""
    n, d = k + extra, k + dplus
    W_star = rng.standard_normal((k, d))
    W = rng.standard_normal((2, n, d))
    H = population_hessian(W, W_star)
    assert H.shape == (2, n, d, n, d)
    _assert_clean(H)
    _assert_matches_fd(H, Network(W_star, np.ones(k), np.ones(n)), W)


@pytest.mark.parametrize(("n", "k", "d"), [(2, 2, 3), (3, 2, 2), (4, 3, 5), (5, 4, 4)])
def test_matches_fd_mixed_sign_top_weights(rng, n, k, d):
    """Fixed top weights a, a* of mixed sign, drawn independently of each other."""
    sign = lambda size: rng.choice([-1.0, 1.0], size) * rng.uniform(0.5, 2.0, size)  # noqa: E731
    a, a_star = sign(n), sign(k)
    a[0], a_star[0] = 1.3, -0.7  # both signs present in each
    a[-1], a_star[-1] = -1.1, 0.9
    W_star = rng.standard_normal((k, d))
    W = rng.standard_normal((3, n, d))
    H = population_hessian(W, W_star, a, a_star)
    _assert_clean(H)
    _assert_matches_fd(H, Network(W_star, a_star, a), W)


@pytest.mark.parametrize(("n", "k", "d"), [(2, 2, 2), (3, 2, 4), (3, 3, 3), (4, 3, 3)])
def test_packed_matches_fd_trained_top_layer(rng, n, k, d):
    """theta = [W | a] with the top layer trained: FD of Network(W*, a*, None).grad."""
    W_star = rng.standard_normal((k, d))
    a_star = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 2.0, k)
    W = rng.standard_normal((2, n, d))
    a = rng.uniform(-2.0, 2.0, (2, n))
    H = population_hessian_packed(W, W_star, a, a_star)
    assert H.shape == (2, n, d + 1, n, d + 1)
    _assert_clean(H)
    net = Network(W_star, a_star, None)
    _assert_matches_fd(H, net, net.pack(W, a))
    # the W-W block is the fixed-top-layer Hessian
    np.testing.assert_allclose(H[..., :d, :, :d], population_hessian(W, W_star, a, a_star),
                               rtol=0, atol=1e-14)


def test_packed_blocks_against_closed_forms(rng):
    """a-a block = k(w_j, w_l) (arccos kernel), W-a diagonal = grad_{w_j} J / a_j + a_j w_j / 2."""
    n, k, d = 3, 2, 4
    W_star = rng.standard_normal((k, d))
    W = rng.standard_normal((n, d))
    a = np.array([0.7, -1.2, 2.0])
    H = population_hessian_packed(W, W_star, a)
    np.testing.assert_allclose(H[:, d, :, d], arccos_kernel(W[:, None], W[None]),
                               rtol=1e-13, atol=1e-15)
    g = gradient_K(W, W_star, a)
    idx = np.arange(n)
    np.testing.assert_allclose(H[idx, :d, idx, d], g / a[:, None] + a[:, None] * W / 2,
                               rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- parallel / antiparallel
@pytest.mark.parametrize("scale", [3.0, -2.0])
def test_parallel_and_antiparallel_units(rng, scale):
    """w_2 = 3 w_1 (t = 0) and w_2 = -2 w_1 (t = pi): finite, symmetric, no warnings, equal to
    FD, and continuous: at angle 1e-7 from the exact configuration the Hessian moves by O(1e-7)."""
    d = 4
    W_star = rng.standard_normal((3, d))
    w1 = rng.standard_normal(d)
    W = np.stack([w1, scale * w1, rng.standard_normal(d)])
    W_near = W.copy()
    W_near[1] = _rotate(W[1], _unit_perp(rng, w1), 1e-7)
    a = np.array([1.0, -0.5, 2.0])
    for packed in (False, True):
        if packed:
            H0 = population_hessian_packed(W, W_star, a)
            H1 = population_hessian_packed(W_near, W_star, a)
        else:
            H0, H1 = population_hessian(W, W_star), population_hessian(W_near, W_star)
        _assert_clean(H0)
        _assert_clean(H1)
        assert np.max(np.abs(H0 - H1)) <= 10 * 1e-7 * np.max(np.abs(H0))
    _assert_matches_fd(population_hessian(W[None], W_star), Network(W_star, np.ones(3), np.ones(3)),
                       W[None], slack=2.0)
    net = Network(W_star, np.ones(3), None)
    theta = net.pack(W[None], a[None])
    _assert_matches_fd(population_hessian_packed(W[None], W_star, a), net, theta, slack=2.0)


def test_student_parallel_to_teacher_and_zero_teacher_row(rng):
    """A student row parallel to a teacher row (and one antiparallel); a zero teacher row adds
    nothing."""
    d = 3
    W = rng.standard_normal((3, d))
    W_star = np.stack([2.0 * W[0], -0.5 * W[1], rng.standard_normal(d)])
    H0 = population_hessian(W, W_star)
    _assert_clean(H0)
    for j in (0, 1):
        W_near = W.copy()
        W_near[j] = _rotate(W[j], _unit_perp(rng, W[j]), 1e-7)
        H1 = population_hessian(W_near, W_star)
        assert np.max(np.abs(H0 - H1)) <= 10 * 1e-7 * np.max(np.abs(H0))
    _assert_matches_fd(H0[None], Network(W_star, np.ones(3), np.ones(3)), W[None], slack=2.0)
    with_zero = np.concatenate([W_star, np.zeros((1, d))])
    np.testing.assert_allclose(population_hessian(W, with_zero), H0, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(population_hessian_packed(W, with_zero, np.ones(3)),
                               population_hessian_packed(W, W_star, np.ones(3)),
                               rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("bad", [0.0, np.nan, np.inf])
def test_zero_or_nonfinite_student_row_raises(rng, bad):
    W = rng.standard_normal((2, 3, 4))
    W[1, 2] = bad
    with pytest.raises(ValueError, match="zero or non-finite"):
        population_hessian(W, np.eye(4)[:3])
    with pytest.raises(ValueError, match="zero or non-finite"):
        population_hessian_packed(W, np.eye(4)[:3], np.ones(3))


# ---------------------------------------------------------------- known points
def test_global_minimum_is_positive_definite():
    """W = W* = I_K: zero loss, and the Hessian E[grad g grad g^T] is positive definite."""
    K = 4
    H = population_hessian(np.eye(K), np.eye(K))
    lam = np.linalg.eigvalsh(_flat(H))
    assert lam[0] > 0.05
    _assert_matches_fd(H[None], Network(np.eye(K), np.ones(K), np.ones(K)), np.eye(K)[None],
                       slack=2.0)


def test_theorem7_symmetric_saddle():
    """Theorem 7: w_j = x 1 with x = (sqrt(K-1) - arccos(1/sqrt K) + pi) / (pi K) is a critical
    point (all rows equal, so every student pair is parallel) and a saddle."""
    K = 5
    x = (np.sqrt(K - 1) - np.arccos(1 / np.sqrt(K)) + np.pi) / (np.pi * K)
    W = x * np.ones((K, K))
    assert np.max(np.abs(gradient_K(W, np.eye(K)))) < 1e-14
    H = population_hessian(W, np.eye(K))
    _assert_clean(H)
    lam = np.linalg.eigvalsh(_flat(H))[0]
    assert lam < -1.0
    net = Network(np.eye(K), np.ones(K), np.ones(K))
    Hf, err, rounding = _fd(net, W[None])
    assert abs(lam - np.linalg.eigvalsh(Hf[0])[0]) <= 2 * err[0] + rounding[0]
    _assert_matches_fd(H[None], net, W[None], slack=2.0)


# ---------------------------------------------------------------- invariances, batching
def test_rotation_scaling_and_batch_consistency(rng):
    """H(W R, W* R) = (I (x) R^T) H(W, W*) (I (x) R); H(c W, c W*) = H(W, W*) (J is homogeneous
    of degree 2); a batched call equals the per-run calls, with batched teachers too."""
    n, k, d = 3, 2, 4
    W = rng.standard_normal((2, n, d))
    W_star = rng.standard_normal((2, k, d))
    a, a_star = np.array([1.0, -2.0, 0.5]), np.array([0.8, -1.5])
    H = population_hessian(W, W_star, a, a_star)
    for b in range(2):
        np.testing.assert_allclose(H[b], population_hessian(W[b], W_star[b], a, a_star),
                                   rtol=1e-13, atol=1e-14)
    R = special_ortho_group.rvs(d, random_state=rng)
    HR = population_hessian(W @ R, W_star @ R, a, a_star)
    np.testing.assert_allclose(HR, np.einsum("...jalb,ax,by->...jxly", H, R, R),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(population_hessian(2.5 * W, 2.5 * W_star, a, a_star), H,
                               rtol=1e-12, atol=1e-13)
    Hp = population_hessian_packed(W, W_star, a, a_star)
    for b in range(2):
        np.testing.assert_allclose(Hp[b], population_hessian_packed(W[b], W_star[b], a, a_star),
                                   rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- eigenvalue error bound
def test_eigen_error_bound(rng):
    """Positive, finite, far below the smallest eigenvalue at the teacher, and it covers the
    spread of the eigenvalues of two float64 Hessians that are equal in exact arithmetic
    (a rotated and a permuted copy of the same configuration)."""
    K = 5
    H = population_hessian(np.eye(K), np.eye(K))
    bound = hessian_eigen_error(H)
    lam = np.linalg.eigvalsh(_flat(H))
    assert bound.shape == () and np.isfinite(bound) and 0 < bound < 1e-10
    assert bound < 1e-6 * lam[0]
    # the documented formula 4 (n + k + P) eps ||H||_F
    formula = 4 * (2 * K + K * K) * EPS * np.linalg.norm(_flat(H))
    assert bound == pytest.approx(formula, rel=1e-12, abs=0)
    n, k, d = 4, 3, 5
    W, W_star = rng.standard_normal((n, d)), rng.standard_normal((k, d))
    R = special_ortho_group.rvs(d, random_state=rng)
    perm = rng.permutation(n)
    Hs = [population_hessian(W, W_star), population_hessian((W @ R)[perm], W_star @ R)]
    bounds = hessian_eigen_error(np.stack(Hs), k)
    assert bounds.shape == (2,) and np.all(bounds > 0)
    spread = np.abs(np.linalg.eigvalsh(_flat(Hs[0])) - np.linalg.eigvalsh(_flat(Hs[1])))
    assert np.max(spread) <= bounds.sum()
    Hp = population_hessian_packed(W, W_star, np.ones(n))
    assert 0 < hessian_eigen_error(Hp, k) < 1e-10
    with pytest.raises(ValueError):
        hessian_eigen_error(_flat(Hp))


# ---------------------------------------------------------------- the compiled twin
def _compiled(W, W_star, a, a_star):
    from relucheck.descent import _kernels as kernels

    n, d = W.shape
    H = np.empty((n * d, n * d))
    ok = kernels.hessian(np.ascontiguousarray(W), np.ascontiguousarray(a),
                          np.ascontiguousarray(W_star), np.ascontiguousarray(a_star), H)
    return ok, H


@pytest.mark.parametrize("n,k,d", [(1, 1, 1), (3, 2, 5), (5, 5, 5), (6, 4, 9)])
def test_compiled_hessian_equals_numpy(rng, n, k, d):
    """kernels.hessian (used by Newton polishing and the endpoint classes) against
    population_hessian, at random points with mixed-sign top weights and with a student row
    parallel, antiparallel and equal in direction to a teacher row (the limits t = 0, pi)."""
    for trial in range(3):
        W = rng.standard_normal((n, d))
        W_star = rng.standard_normal((k, d))
        a, a_star = rng.standard_normal(n), rng.standard_normal(k)
        if trial >= 1 and n >= 3:
            W[1] = 3.0 * W[0]
            W[2] = -0.5 * W[0]
            W_star[0] = 2.0 * W[0]
        if trial == 2:
            W_star[-1] = 0.0  # a zero teacher row adds nothing
        ok, H = _compiled(W, W_star, a, a_star)
        R = _flat(population_hessian(W, W_star, a, a_star))
        assert ok
        assert np.array_equal(H, H.T)
        assert np.max(np.abs(H - R)) <= 64 * EPS * np.max(np.abs(R))


@pytest.mark.parametrize("bad", [0.0, np.nan, np.inf])
def test_compiled_hessian_refuses_zero_or_nonfinite_row(rng, bad):
    W = rng.standard_normal((3, 4))
    W[1, :] = 0.0 if bad == 0.0 else W[1]
    W[1, 2] = bad
    ok, H = _compiled(W, np.eye(4)[:3], np.ones(3), np.ones(3))
    assert not ok and np.all(np.isnan(H))
