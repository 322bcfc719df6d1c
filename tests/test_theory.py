"""The closed forms of Section 4 against independent computations: Monte Carlo (stated
confidence), central finite differences of the exact loss, mpmath, and invariances."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from conftest import assert_mean_matches
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import special_ortho_group

from relucheck.theory import (
    angle,
    arccos_kernel,
    expected_F,
    gradient_a,
    gradient_K,
    gradient_one_relu,
    h,
    population_loss,
)

relu = lambda z: np.maximum(z, 0.0)  # noqa: E731


# ---------------------------------------------------------------- h and angles
def test_h_endpoints_and_derivative():
    assert h(0.0) == pytest.approx(np.pi, abs=1e-15)
    assert h(np.pi) == pytest.approx(0.0, abs=1e-15)
    t = np.linspace(0.1, 3.0, 7)
    eps = 1e-6
    fd = (h(t + eps) - h(t - eps)) / (2 * eps)
    # h'(t) = -(pi - t) sin t (docs/math.md section 1); FD truncation ~ eps^2, rounding ~ 1e-16/eps.
    np.testing.assert_allclose(fd, -(np.pi - t) * np.sin(t), atol=1e-9)


@pytest.mark.parametrize("t", [1e-12, 1e-8, 1e-4, 0.5, np.pi / 2, np.pi - 1e-4, np.pi - 1e-9])
def test_angle_is_accurate_at_extremes(t):
    """The half-angle formula keeps full relative accuracy where arccos(dot) loses digits."""
    u = np.array([1.0, 0.0, 0.0])
    v = np.array([np.cos(t), np.sin(t), 0.0])
    mp_u = mpmath.matrix([1, 0, 0])
    mp_v = mpmath.matrix([mpmath.cos(t), mpmath.sin(t), 0])
    with mpmath.workdps(50):
        exact = mpmath.atan2(mpmath.norm(mp_u - mp_v) , mpmath.norm(mp_u + mp_v)) * 2
    assert angle(u, v) == pytest.approx(float(exact), rel=1e-13, abs=0)


# ---------------------------------------------------------------- Monte Carlo checks
def _random_pair(rng, d, t):
    e = rng.standard_normal(d)
    e /= np.linalg.norm(e)
    u = rng.standard_normal(d)
    u -= (u @ e) * e
    u /= np.linalg.norm(u)
    return e, 1.7 * (np.cos(t) * e + np.sin(t) * u)


@pytest.mark.parametrize("t", [0.2, 1.0, 2.0, 2.9])
def test_kernel_against_monte_carlo(rng, t):
    """E[relu(u.x) relu(v.x)] = |u||v| h(t)/(2 pi), z-test at family level 1e-4."""
    u, v = _random_pair(rng, 4, t)
    u = 0.6 * u
    X = rng.standard_normal((400_000, 4))
    per_sample = relu(X @ u) * relu(X @ v)
    assert_mean_matches(per_sample[:, None], np.atleast_1d(arccos_kernel(u, v)))


@pytest.mark.parametrize("t", [0.3, 1.3, 2.4, 3.0])
def test_eqn5_against_monte_carlo(rng, t):
    """Theorem 1: E[x 1(e.x > 0) relu(w.x)] = [(pi - t) w + |w| sin t e] / (2 pi), per sample."""
    e, w = _random_pair(rng, 5, t)
    X = rng.standard_normal((400_000, 5))
    per_sample = X * ((X @ e > 0) * relu(X @ w))[:, None]
    assert_mean_matches(per_sample, expected_F(e, w))


@pytest.mark.parametrize("top", [False, True])
def test_eqn8_against_monte_carlo(rng, top):
    """Eqn 8: grad_{w_j} J = E[a_j x 1(w_j.x > 0) (g(x) - g*(x))], per-sample gradients."""
    K, d = 3, 4
    W = rng.standard_normal((K, d))
    Ws = rng.standard_normal((K, d))
    a = rng.uniform(-1.5, 2.0, K) if top else np.ones(K)
    a_s = rng.uniform(-1.5, 2.0, K) if top else np.ones(K)
    X = rng.standard_normal((300_000, d))
    resid = relu(X @ W.T) @ a - relu(X @ Ws.T) @ a_s  # g - g*
    per_sample = (a[None, :, None] * (X @ W.T > 0)[:, :, None] * X[:, None, :]
                  * resid[:, None, None]).reshape(len(X), -1)
    assert_mean_matches(per_sample, gradient_K(W, Ws, a, a_s).ravel())
    # and the loss itself: J = 1/2 E[(g* - g)^2]
    assert_mean_matches(0.5 * resid[:, None] ** 2, np.atleast_1d(population_loss(W, Ws, a, a_s)))


# ---------------------------------------------------------------- finite differences
def _fd_gradient(f, x, eps=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        dx = np.zeros_like(x)
        dx[i] = eps
        g[i] = (f(x + dx) - f(x - dx)) / (2 * eps)
    return g


# Central differences with eps = 1e-5 on a loss of order 1: truncation ~ eps^2 |J'''| ~ 1e-10,
# rounding ~ 1e-16 / eps ~ 1e-11. A tolerance of 1e-7 is 1000x above both and far below any
# error in a term of the formula.
FD_TOL = 1e-7


@pytest.mark.parametrize("top", [False, True])
@pytest.mark.parametrize("K,Ks,d", [(1, 1, 3), (2, 2, 2), (3, 4, 5), (5, 5, 5)])
def test_gradient_matches_finite_differences(rng, top, K, Ks, d):
    W = rng.standard_normal((K, d))
    Ws = rng.standard_normal((Ks, d))
    a = rng.uniform(-2, 2, K) if top else None
    a_s = rng.uniform(-2, 2, Ks) if top else None
    fd = _fd_gradient(lambda V: population_loss(V, Ws, a, a_s), W)
    np.testing.assert_allclose(gradient_K(W, Ws, a, a_s), fd, atol=FD_TOL)
    if top:
        fd_a = _fd_gradient(lambda b: population_loss(W, Ws, b, a_s), a)
        np.testing.assert_allclose(gradient_a(W, Ws, a, a_s), fd_a, atol=FD_TOL)


def test_eqn6_is_eqn8_with_one_node(rng):
    w = rng.standard_normal((50, 7))
    ws = rng.standard_normal((50, 7))
    np.testing.assert_allclose(gradient_one_relu(w, ws), gradient_K(w[:, None], ws[:, None])[:, 0],
                               rtol=1e-13, atol=1e-14)


def test_batched_gradient_equals_one_at_a_time(rng):
    W = rng.standard_normal((6, 3, 4))
    Ws = rng.standard_normal((6, 3, 4))
    a = rng.standard_normal((6, 3))
    batched = gradient_K(W, Ws, a)
    for i in range(6):
        np.testing.assert_array_equal(batched[i], gradient_K(W[i], Ws[i], a[i]))


# ---------------------------------------------------------------- the w = 0 singularity
def test_zero_row_raises_clear_error():
    W = np.array([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="w = 0"):
        gradient_K(W, np.eye(2))
    with pytest.raises(ValueError, match="w = 0"):
        gradient_one_relu(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="w = 0"):
        expected_F(np.zeros(3), np.ones(3))


def test_zero_rows_where_the_formulas_are_defined():
    # a dead student unit contributes nothing to the loss; a zero teacher row nothing to anything
    W = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert np.isfinite(population_loss(W, np.eye(2)))
    np.testing.assert_array_equal(expected_F(np.array([1.0, 0.0]), np.zeros(2)), 0.0)
    g = gradient_K(np.eye(2), np.array([[1.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_allclose(g, gradient_K(np.eye(2), np.array([[1.0, 0.0]])), atol=1e-15)


# ---------------------------------------------------------------- invariances (hypothesis)
finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def _nonzero_rows(M):
    return bool(np.all(np.linalg.norm(M, axis=-1) > 1e-3))


@settings(max_examples=60, deadline=None)
@given(W=arrays(float, (3, 4), elements=finite), Ws=arrays(float, (2, 4), elements=finite),
       seed=st.integers(0, 2**32 - 1))
def test_rotation_equivariance(W, Ws, seed):
    """Gaussian input is isotropic: rotating every vector by Q rotates the gradient by Q."""
    if not (_nonzero_rows(W) and _nonzero_rows(Ws)):
        return
    Q = special_ortho_group.rvs(4, random_state=seed)
    g = gradient_K(W, Ws)
    np.testing.assert_allclose(gradient_K(W @ Q.T, Ws @ Q.T), g @ Q.T, atol=1e-10)
    assert population_loss(W @ Q.T, Ws @ Q.T) == pytest.approx(population_loss(W, Ws), abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(e=arrays(float, 5, elements=finite), w=arrays(float, 5, elements=finite),
       c=st.floats(1e-3, 1e3))
def test_eqn5_is_linear_in_norm_of_w(e, w, c):
    if np.linalg.norm(e) < 1e-3 or np.linalg.norm(w) < 1e-3:
        return
    np.testing.assert_allclose(expected_F(e, c * w), c * expected_F(e, w), rtol=1e-12,
                               atol=1e-12 * c * np.linalg.norm(w))
    # and it depends on e only through its direction
    np.testing.assert_allclose(expected_F(c * e, w), expected_F(e, w), rtol=1e-12, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(Ws=arrays(float, (4, 3), elements=finite), a=arrays(float, 4, elements=finite),
       perm=st.permutations(range(4)))
def test_loss_zero_at_teacher_and_permutation_invariant(Ws, a, perm):
    if not _nonzero_rows(Ws):
        return
    scale = np.sum(np.abs(a)[:, None] * np.abs(Ws)) ** 2 + 1.0
    assert population_loss(Ws, Ws, a, a) <= 1e-13 * scale
    np.testing.assert_allclose(gradient_K(Ws, Ws, a, a), 0.0, atol=1e-12 * scale)
    p = list(perm)
    W = Ws[::-1] + 0.5  # any student
    assert population_loss(W[p], Ws, a[p], a) == pytest.approx(population_loss(W, Ws, a, a),
                                                               rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(gradient_K(W[p], Ws) if _nonzero_rows(W) else 0.0,
                               gradient_K(W, Ws)[p] if _nonzero_rows(W) else 0.0, atol=1e-12)
