"""Theorem 7's 2D reduction (theory.symmetric) against the full K x K formulas of Section 4, the
saddle against root finding and mpmath, and the dynamics integrators against exact solutions."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from relucheck.descent.dynamics import gradient_descent, gradient_flow
from relucheck.theory import angle, gradient_K, population_loss
from relucheck.theory.symmetric import (
    descent_gradient,
    embed,
    full_gradient,
    loss,
    loss_scale,
    project,
    saddle,
    symmetric_angles,
    teacher_error,
    velocity,
    velocity_jacobian,
    velocity_scale,
)

EPS = np.finfo(float).eps
coord = st.floats(-2.0, 2.0, allow_nan=False)
Ks = st.integers(2, 12)


def _reduction_bound(x, y, K):
    """Rounding bound for |Eqn 8 - 2D field|: each side sums O(K) terms of magnitude at most
    (pi + 1)(n + 1)/(2 pi) per unit (n = |w_j|); a sum of m terms with relative errors <= c eps
    is off by <= (m + c) eps sum |terms|; m + c <= 4K + 20 for the two sides together."""
    n = np.sqrt(x * x + (K - 1) * y * y)
    return (4 * K + 20) * EPS * (np.pi + 1) * K * (n + 1) / (2 * np.pi)


# ---------------------------------------------------------------- the reduction
@settings(max_examples=60, deadline=None)
@given(x=coord, y=coord, K=Ks)
def test_reduction_equals_eqn8_on_symmetric_subspace(x, y, K):
    """-(dx/dt, dy/dt) is row j of Eqn 8 at W = [x e_j + y sum_{k != j} e_k], for every j."""
    assume(np.hypot(x, y) > 1e-3)
    G = gradient_K(embed(x, y, K), np.eye(K))
    vx, vy = velocity(x, y, K)
    assert np.abs(G + embed(vx, vy, K)).max() <= _reduction_bound(x, y, K)


def test_reduction_batched_over_x_y_and_K(rng):
    x, y = rng.uniform(-1.5, 1.5, (2, 400))
    K = rng.integers(2, 9, 400)
    vx, vy = velocity(x, y, K)
    for k in np.unique(K):
        m = K == k
        G = gradient_K(embed(x[m], y[m], k), np.eye(k))
        assert np.all(np.abs(G + embed(vx[m], vy[m], k)).max(axis=(1, 2))
                      <= _reduction_bound(x[m], y[m], k))


@settings(max_examples=40, deadline=None)
@given(x=coord, y=coord, K=Ks)
def test_angles_are_those_of_the_vectors(x, y, K):
    """theta, phi*, phi are angle(w_j, e_j), angle(w_j, e_k), angle(w_j, w_k) of the K x K
    student (computed by the half-angle formula of theory.angles on the vectors themselves)."""
    assume(np.hypot(x, y) > 1e-3)
    W = embed(x, y, K)
    a = symmetric_angles(x, y, K)
    # Both are accurate to a few eps in absolute angle (half-angle forms on both sides).
    tol = 16 * EPS
    assert a.theta == pytest.approx(angle(W[0], np.eye(K)[0]), abs=tol)
    assert a.phi_star == pytest.approx(angle(W[0], np.eye(K)[1]), abs=tol)
    assert a.phi == pytest.approx(angle(W[0], W[1]), abs=tol)
    assert a.n == pytest.approx(np.linalg.norm(W[0]), rel=4 * EPS)
    for t, s in ((a.theta, a.sin_theta), (a.phi_star, a.sin_phi_star), (a.phi, a.sin_phi)):
        assert s == pytest.approx(np.sin(t), abs=tol)


@settings(max_examples=40, deadline=None)
@given(x=coord, y=coord, K=Ks)
def test_loss_and_error_equal_the_full_network(x, y, K):
    assume(np.hypot(x, y) > 1e-3)
    W = embed(x, y, K)
    # Both sums are off by a few eps times the summed magnitudes of O(K^2) kernel terms.
    assert loss(x, y, K) == pytest.approx(population_loss(W, np.eye(K)),
                                          abs=64 * K * EPS * loss_scale(x, y, K))
    np.testing.assert_allclose(teacher_error(x, y, K), np.sum((W - np.eye(K)) ** 2, axis=1),
                               rtol=8 * EPS, atol=8 * EPS)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(1e-6, 1e3), K=st.integers(2, 200))
def test_diagonal_is_exactly_invariant(x, K):
    """On x = y the exact field is tangent to the diagonal; the float64 one is, bitwise, so
    Theorem 7 (2)'s path cannot be pushed off the diagonal by rounding."""
    vx, vy = velocity(x, x, K)
    assert vx == vy


def test_embed_project_roundtrip(rng):
    x, y = rng.standard_normal((2, 5))
    W = embed(x, y, 4)
    assert W.shape == (5, 4, 4)
    px, py = project(W)
    np.testing.assert_array_equal(px, x)
    np.testing.assert_allclose(py, y, rtol=4 * EPS)
    # Row j is the cyclic shift of row 1 (Eqn 17's symmetry).
    for j in range(4):
        np.testing.assert_array_equal(W[:, j], np.roll(W[:, 0], j, axis=-1))


@pytest.mark.parametrize("K", [2, 3, 5, 10, 100])
def test_teacher_is_a_fixed_point(K):
    vx, vy = velocity(1.0, 0.0, K)
    assert abs(vx) <= 16 * EPS * velocity_scale(1.0, 0.0, K)
    assert abs(vy) <= 16 * EPS * velocity_scale(1.0, 0.0, K)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="K"):
        velocity(0.5, 0.1, 1)
    with pytest.raises(ValueError, match="K"):
        velocity(0.5, 0.1, 2.5)
    with pytest.raises(ValueError, match="x = y = 0"):
        velocity(np.array([0.5, 0.0]), np.array([0.1, 0.0]), 3)
    with pytest.raises(ValueError, match="K"):
        saddle(1)
    with pytest.raises(ValueError, match="K"):
        embed(0.5, 0.1, 1)


# ---------------------------------------------------------------- the saddle
@pytest.mark.parametrize("K,value", [(2, 0.534155), (5, 0.256841), (10, 0.155735)])
def test_saddle_matches_math_md(K, value):
    assert saddle(K) == pytest.approx(value, abs=5e-7)  # docs/math.md gives 6 decimals


@pytest.mark.parametrize("K", [2, 3, 5, 10, 37, 1000])
def test_saddle_is_the_root_on_the_diagonal(K):
    """brentq on s -> dx/dt(s, s) over (0, 1] finds the formula's value; |f'| = K/2 there (the
    diagonal dynamics is linear, see below), so the root is pinned to ~eps / (K/2) + xtol."""
    root = brentq(lambda s: velocity(s, s, K)[0], 1e-4, 1.0, xtol=1e-16, rtol=4 * EPS)
    assert root == pytest.approx(saddle(K), abs=1e-15 + 16 * EPS)


@pytest.mark.parametrize("K", [2, 5, 10, 1000])
def test_saddle_against_mpmath(K):
    with mpmath.workdps(40):
        exact = (mpmath.sqrt(K - 1) - mpmath.acos(1 / mpmath.sqrt(K)) + mpmath.pi) / (
            mpmath.pi * K)
    assert saddle(K) == pytest.approx(float(exact), rel=4 * EPS)


@settings(max_examples=30, deadline=None)
@given(s0=st.floats(1e-3, 2.0), K=st.integers(2, 50), t=st.floats(0.0, 5.0))
def test_diagonal_flow_is_linear(s0, K, t):
    """On x = y, theta = phi* = arccos(1/sqrt K), phi = 0 and T s = sqrt(K-1): the field is
    ds/dt = -(K/2)(s - s*), so s(t) = s* + (s0 - s*) exp(-K t/2). The float64 field equals this
    line to its rounding."""
    s_star = saddle(K)
    vx, _ = velocity(s0, s0, K)
    assert vx == pytest.approx(-(K / 2) * (s0 - s_star), abs=16 * EPS * velocity_scale(s0, s0, K))


@pytest.mark.parametrize("K", [2, 5, 10])
def test_saddle_jacobian_along_the_diagonal(K):
    """The diagonal is invariant and its field is -(K/2)(s - s*) (above): the finite-difference
    Jacobian at the saddle maps (1, 1) to -(K/2)(1, 1), to its O(step) + O(eps/step) error, and
    its other eigenvalue is positive (Theorem 7 (2): a saddle)."""
    J = velocity_jacobian(saddle(K), saddle(K), K)
    np.testing.assert_allclose(J @ [1.0, 1.0], [-K / 2, -K / 2], atol=1e-6 * K)
    lam = np.sort(np.linalg.eigvals(J).real)
    assert lam[0] < 0 < lam[1]


def test_descent_gradients_are_nan_where_the_field_is_undefined():
    """The 2D descent gradient is minus the field, NaN at w = 0 and past 1e100 (a diverged run);
    the full one is Eqn 8 against I_K, all NaN for a batch with a zero row."""
    w = np.array([[0.3, 0.1], [0.0, 0.0], [1e101, 0.0]])
    g = descent_gradient(w, 4)
    np.testing.assert_array_equal(g[0], -np.array(velocity(0.3, 0.1, 4)))
    assert np.all(np.isnan(g[1:]))
    W = embed(0.3, 0.1, 4)
    np.testing.assert_array_equal(full_gradient(W), gradient_K(W, np.eye(4)))
    assert np.all(np.isnan(full_gradient(np.stack([W, np.zeros((4, 4))]))))


# ---------------------------------------------------------------- integrators, exact cases
def _quadratic(a):
    """grad of 1/2 sum a_i w_i^2 for a batch (B, 2), per-run curvature a[index]."""
    return lambda w, index: a[index, None] * w


def test_gradient_descent_exact_iterates_and_early_stopping():
    a = np.array([0.5, 1.0, 2.0])
    w0 = np.array([[1.0, -2.0], [0.5, 0.5], [3.0, 0.0]])
    lr, gtol = 0.1, 1e-6
    d = gradient_descent(_quadratic(a), w0, lr, 10_000, gtol=gtol, record_every=7,
                         record=np.array([0, 2]))
    # |grad_t| = a (1 - lr a)^t |w0|: the first t with this below gtol is the stopping step.
    factor = 1 - lr * a
    t_stop = np.ceil(np.log(gtol / (a * np.linalg.norm(w0, axis=1))) / np.log(factor)).astype(int)
    np.testing.assert_array_equal(d.steps, t_stop)
    assert d.converged.all()
    np.testing.assert_allclose(d.final, factor[:, None] ** t_stop[:, None] * w0, rtol=1e-12)
    assert np.all(d.grad_norm < gtol)
    assert d.record_steps[0] == 0 and d.record_steps[-1] == t_stop.max()
    assert np.all(d.record_steps[1:-1] % 7 == 0)
    assert d.trajectory.shape == (d.record_steps.size, 2, 2)
    t = d.record_steps
    expect0 = factor[0] ** np.minimum(t, t_stop[0])[:, None] * w0[0]
    np.testing.assert_allclose(d.trajectory[:, 0], expect0, rtol=1e-12)


def test_gradient_descent_flags_divergence():
    a = np.array([1.0, 30.0])  # lr * a = 3 > 2: the second run blows up
    d = gradient_descent(_quadratic(a), np.ones((2, 2)), 0.1, 5000, gtol=1e-8)
    assert d.converged.tolist() == [True, False]
    assert np.isnan(d.grad_norm[1]) and d.steps[1] < 5000


def test_gradient_flow_batched_linear():
    a = np.array([0.5, 1.0, 4.0])
    w0 = np.array([[1.0, -2.0], [0.5, 0.5], [3.0, 1.0]])
    t = np.array([0.5, 1.0, 3.0])
    f = gradient_flow(_quadratic(a), w0, 3.0, t_eval=t)
    exact = np.exp(-a[None, :, None] * t[:, None, None]) * w0[None]
    np.testing.assert_allclose(f.w, exact, rtol=1e-8, atol=1e-12)
