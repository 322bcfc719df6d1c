"""The dynamics engine (relucheck.descent.train) and its compiled kernel
(relucheck.descent._kernels), each against an independent computation:

- the kernel's gradient and loss against the numpy implementation of Eqn 8 / Eqn 2
  (relucheck.theory.gradient), against mpmath at 50 digits where rows are (nearly) parallel or
  antiparallel, and against central differences of the loss;
- descent without polishing against a plain numpy loop w <- w - lr gradient_K written here
  (same iterates, same stopping iteration, same recorded states);
- descent with Newton polishing against plain descent run by run (docs/math.md section 9 setting);
- statuses (diverged, zero_row, small_loss), restarts, worker invariance, input validation.

Tolerances. The kernel and the numpy implementation evaluate the same closed forms with angles
taken to full relative accuracy (half-angle chords in both), so single evaluations agree to a few
ulps of the gradient's scale: 1e-13 relative leaves ~500 ulps. Iterates of the two descents
differ by rounding only, ~1e-16 per step, which a contracting descent does not amplify: 1e-12
after 200 steps, 1e-11 after a few thousand.
"""

from __future__ import annotations

import inspect
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import mpmath as mp
import numba
import numpy as np
import pytest

from relucheck.descent import _kernels as kernels
from relucheck.descent.train import (
    CONVERGED,
    DIVERGED,
    MAX_ITERS,
    SMALL_LOSS,
    ZERO_ROW,
    DescentConfig,
    gradient,
    train,
)
from relucheck.theory.gradient import gradient_a, gradient_K, population_loss
from relucheck.theory.hessian import population_hessian
from relucheck.theory.kernel import arccos_kernel

EPS = np.finfo(float).eps
GTOL = 1e-9 / (2 * math.pi)  # the census stopping rule (docs/math.md section 9)
# plain descent: no polishing, no loss rule (threshold 0), so only the gtol rule stops a run
PLAIN = dict(polish_tol=0.0, loss_tol=0.0)


# --- independent references ------------------------------------------------------------------

def _orthonormal(rng: np.random.Generator, k: int, d: int) -> np.ndarray:
    """k random orthonormal rows in R^d (a teacher that is not [I_k 0])."""
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return np.ascontiguousarray(Q[:, :k].T)


def _teacher(rng: np.random.Generator, k: int, d: int, kind: str) -> np.ndarray:
    if kind == "eye":  # [I_k 0]: the kernel's fast path
        return np.eye(d)[:k].copy()
    if kind == "diag":  # the zero pattern of [I_k 0] but other norms: not the fast path
        return np.eye(d)[:k] * rng.uniform(0.5, 2.0, size=(k, 1))
    Ws = _orthonormal(rng, k, d)
    if kind == "orth-zero":  # rows of several norms, one of them zero
        Ws *= rng.uniform(0.5, 2.0, size=(k, 1))
        Ws[1] = 0.0
    return Ws


def _xavier(rng: np.random.Generator, R: int, n: int, d: int) -> np.ndarray:
    """Census starts: every entry N(0, 1/d) (docs/math.md section 9)."""
    return rng.normal(scale=1.0 / math.sqrt(d), size=(R, n, d))


def _mp_rows(W, Ws, a, a_star):
    V = [[mp.mpf(float(x)) for x in row] for row in np.vstack([W, Ws])]
    b = [mp.mpf(float(x)) for x in a] + [-mp.mpf(float(x)) for x in a_star]
    return V, b


def _mp_angle(u, v):
    """(angle, |u|, |v|) in mpmath from the exact binary values of the float rows."""
    nu = mp.sqrt(mp.fsum(x * x for x in u))
    nv = mp.sqrt(mp.fsum(x * x for x in v))
    s = mp.sqrt(mp.fsum((x / nu - y / nv) ** 2 for x, y in zip(u, v, strict=True)))
    c = mp.sqrt(mp.fsum((x / nu + y / nv) ** 2 for x, y in zip(u, v, strict=True)))
    return 2 * mp.atan2(s, c), nu, nv


def _mp_gradient(W, Ws, a, a_star, dps: int = 50):
    """Eqn 8 (docs/math.md section 2) and dJ/da at ``dps`` digits:
    grad_j = a_j / (2 pi) [sum_l b_l (pi - t_jl) v_l + (sum_l b_l |v_l| sin t_jl) e_j] over
    V = [W; W*], b = [a; -a*]; dJ/da_j = sum_l b_l k(w_j, v_l)."""
    with mp.workdps(dps):
        V, b = _mp_rows(W, Ws, a, a_star)
        n, d = W.shape
        G, ga = np.zeros((n, d)), np.zeros(n)
        for j in range(n):
            acc, asym, gj = [mp.mpf(0)] * d, mp.mpf(0), mp.mpf(0)
            for q, v in enumerate(V):
                if all(x == 0 for x in v):
                    continue
                t, nu, nv = _mp_angle(V[j], v)
                acc = [acc[i] + b[q] * (mp.pi - t) * v[i] for i in range(d)]
                asym += b[q] * nv * mp.sin(t)
                gj += b[q] * nu * nv * ((mp.pi - t) * mp.cos(t) + mp.sin(t)) / (2 * mp.pi)
            nj = mp.sqrt(mp.fsum(x * x for x in V[j]))
            G[j] = [float(b[j] * (acc[i] + asym * V[j][i] / nj) / (2 * mp.pi)) for i in range(d)]
            ga[j] = float(gj)
        return G, ga


def _mp_loss(W, Ws, a, a_star, dps: int = 50) -> float:
    """J = 1/2 sum_{l,q} b_l b_q k(v_l, v_q) at ``dps`` digits (zero rows contribute 0)."""
    with mp.workdps(dps):
        V, b = _mp_rows(W, Ws, a, a_star)
        J = mp.mpf(0)
        for p, u in enumerate(V):
            for q, v in enumerate(V):
                if all(x == 0 for x in u) or all(x == 0 for x in v):
                    continue
                t, nu, nv = _mp_angle(u, v)
                J += b[p] * b[q] * nu * nv * ((mp.pi - t) * mp.cos(t) + mp.sin(t)) / (2 * mp.pi)
        return float(J / 2)


def _plain_descent(W0, Ws, a0, a_star, lr, gtol, max_iters, train_a=False, record=()):
    """w <- w - lr gradient_K (and a <- a - lr gradient_a when ``train_a``) in numpy, stopping
    before the update at the first iterate with max_j |grad_{w_j} J| (and |dJ/da_j|) <= gtol,
    or after ``max_iters`` updates. Returns (W, a, iteration, g per iterate, converged,
    {iteration: (W, a)} at ``record``)."""
    W = np.array(W0, dtype=float)
    a = np.array(a0, dtype=float)
    gs, states = [], {}
    for it in range(max_iters + 1):
        if it in record:
            states[it] = (W.copy(), a.copy())
        G = gradient_K(W, Ws, a, a_star)
        g = float(np.max(np.linalg.norm(G, axis=-1)))
        if train_a:
            ga = gradient_a(W, Ws, a, a_star)
            g = max(g, float(np.max(np.abs(ga))))
        gs.append(g)
        if g <= gtol or it == max_iters:
            return W, a, it, np.array(gs), g <= gtol, states
        W -= lr * G
        if train_a:
            a -= lr * ga
    raise AssertionError("unreachable")


def _rel(x: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(x - ref)) / np.max(np.abs(ref)))


# --- 1. the kernel's gradient against Eqn 8 in numpy and in mpmath ---------------------------

GRAD_CASES = [  # (n, k, d, teacher): n < k, n = k, n > k on both of the kernel's paths
    (2, 4, 4, "eye"), (4, 4, 4, "eye"), (6, 4, 4, "eye"), (3, 4, 6, "eye"),
    (2, 4, 7, "orth"), (4, 4, 7, "orth"), (6, 4, 7, "orth"), (3, 3, 5, "orth-zero"),
    (4, 3, 5, "diag"),
]


@pytest.mark.parametrize("train_a", [False, True])
@pytest.mark.parametrize(("n", "k", "d", "kind"), GRAD_CASES)
def test_kernel_gradient_equals_theory(rng, n, k, d, kind, train_a):
    Ws = _teacher(rng, k, d, kind)
    assert kernels.teacher_units(Ws)[2] == (kind == "eye")  # the path this case exercises
    W = rng.normal(size=(5, n, d))
    a = rng.normal(size=(5, n))
    a_star = rng.normal(size=k)
    G, ga, gmax = gradient(W, a, Ws, a_star, train_a)
    Gt = gradient_K(W, Ws, a, a_star)
    assert _rel(G, Gt) <= 1e-13
    expect = np.linalg.norm(Gt, axis=-1).max(axis=-1)  # the gtol rule: max_j |grad_{w_j} J|
    if train_a:
        gat = gradient_a(W, Ws, a, a_star)
        assert _rel(ga, gat) <= 1e-13
        expect = np.maximum(expect, np.abs(gat).max(axis=-1))
    np.testing.assert_allclose(gmax, expect, rtol=1e-13)


def _near_parallel(rng, d: int, k: int, kind: str, delta: float = 1e-9):
    """A teacher and seven student rows: one exactly parallel to teacher row 0; 0.7 u' at angle
    delta from 1.1 u; a row at pi - delta from 1.1 u; 2 u, parallel to 1.1 u; rows at delta and
    pi - delta from teacher row 0."""
    Ws = _teacher(rng, k, d, kind)
    u, v, p = rng.normal(size=(3, d))
    u /= np.linalg.norm(u)
    v -= (v @ u) * u
    v /= np.linalg.norm(v)
    e0 = Ws[0] / np.linalg.norm(Ws[0])
    p -= (p @ e0) * e0
    p /= np.linalg.norm(p)

    def rot(x, y, t):
        return math.cos(t) * x + math.sin(t) * y

    W = np.array([1.3 * Ws[0], 0.7 * rot(u, v, delta), 1.1 * u, -0.9 * rot(u, v, -delta),
                  2.0 * u, 0.8 * rot(e0, p, delta), -1.2 * rot(e0, p, delta)])
    return W, Ws


@pytest.mark.parametrize(("d", "k", "kind"), [(3, 3, "eye"), (5, 3, "orth")])
def test_kernel_gradient_at_parallel_rows_matches_mpmath(rng, d, k, kind):
    """Angles 0, 1e-9 and pi - 1e-9 between student rows and between student and teacher rows,
    where arccos of a rounded cosine is wrong by up to sqrt(eps) ~ 1e-8: the reference is Eqn 8
    in mpmath at 50 digits from the exact binary values of the rows, and the numpy
    implementation is held to it too. (An angle from arccos with sin t from the chord, i.e. t and
    sin t inconsistent, is off by ~1e-9 in the gradient and fails here; arccos and sqrt(1 - c^2)
    of the same rounded cosine err consistently and the first-order errors cancel in Eqn 8.)"""
    W, Ws = _near_parallel(rng, d, k, kind)
    assert kernels.teacher_units(Ws)[2] == (kind == "eye")
    n = W.shape[0]
    a = rng.uniform(0.5, 1.5, size=n) * rng.choice([-1.0, 1.0], size=n)
    a_star = rng.uniform(0.5, 1.5, size=k)
    Gm, gam = _mp_gradient(W, Ws, a, a_star)
    G, ga, _ = gradient(W[None], a[None], Ws, a_star, True)
    assert _rel(G[0], Gm) <= 1e-13
    assert _rel(ga[0], gam) <= 1e-13
    assert _rel(gradient_K(W, Ws, a, a_star), Gm) <= 1e-13
    assert _rel(gradient_a(W, Ws, a, a_star), gam) <= 1e-13


def test_asin_polynomial_coefficients_are_the_stated_interpolant():
    """ASIN_Q is what its comment says: the degree-12 Chebyshev interpolant of
    (asin(sqrt z) / sqrt z - 1) / z on [0, 1/4], recomputed here in mpmath."""
    with mp.workdps(40):
        def q(z):
            if z == 0:
                return mp.mpf(1) / 6
            s = mp.sqrt(z)
            return (mp.asin(s) / s - 1) / z

        try:  # mpmath >= 1.4 asks for the order (and warns without it); 1.3 knows no asc
            coeffs, err = mp.chebyfit(q, [0, mp.mpf(1) / 4], 13, error=True, asc=True)
            coeffs = coeffs[::-1]
        except TypeError:
            coeffs, err = mp.chebyfit(q, [0, mp.mpf(1) / 4], 13, error=True)
    assert err < 2e-17
    assert kernels.ASIN_Q == tuple(float(c) for c in coeffs)


def test_asin_polynomial_is_within_an_ulp_of_mpmath(rng):
    """asin_half against mpmath on [-1/2, 1/2] (random points, both ends, tiny and subnormal
    arguments): relative error at most 1 ulp (2.2e-16); NaN stays NaN."""
    asin_half = numba.njit(lambda x: kernels.asin_half(x))
    xs = np.concatenate([rng.uniform(-0.5, 0.5, 4000), rng.uniform(-1e-3, 1e-3, 500),
                         [0.5, -0.5, np.nextafter(0.5, 0), 1e-300, -5e-324, 0.0, -0.0, 1e-8]])
    worst = 0.0
    with mp.workdps(40):
        for x in xs:
            exact = mp.asin(mp.mpf(float(x)))
            got = asin_half(float(x))
            if exact == 0:
                assert got == 0.0
                continue
            worst = max(worst, float(abs((mp.mpf(got) - exact) / exact)))
    assert worst <= 2.3e-16, worst
    assert math.isnan(asin_half(math.nan))


# --- 2. the kernel's loss ---------------------------------------------------------------------

@pytest.mark.parametrize(("n", "k", "d", "kind"), GRAD_CASES)
def test_kernel_loss_equals_theory_with_zero_rows(rng, n, k, d, kind):
    Ws = _teacher(rng, k, d, kind)
    a_star = rng.normal(size=k)
    for _ in range(4):
        W = rng.normal(size=(n, d))
        a = rng.normal(size=n)
        W[rng.integers(n)] = 0.0  # a dead student unit contributes nothing
        J = population_loss(W, Ws, a, a_star)
        J0 = population_loss(np.zeros((1, d)), Ws, np.zeros(1), a_star)
        assert abs(kernels.loss(W, a, Ws, a_star) - J) <= 1e-13 * max(J, J0)
    # the zero network: J(0) = a*^T K(W*, W*) a* / 2 exactly as the theory computes it
    J0k = kernels.loss(np.zeros((2, d)), np.ones(2), Ws, a_star)
    assert J0k == pytest.approx(float(J0), rel=1e-14)


@pytest.mark.parametrize(("d", "k", "kind"), [(3, 3, "eye"), (5, 3, "orth")])
def test_kernel_loss_matches_mpmath(rng, d, k, kind):
    W, Ws = _near_parallel(rng, d, k, kind)
    n = W.shape[0]
    a = rng.uniform(0.5, 1.5, size=n + 1)
    a_star = rng.uniform(0.5, 1.5, size=k)
    W = np.vstack([W, np.zeros(d)])  # and a dead unit
    Jm = _mp_loss(W, Ws, a, a_star)
    assert Jm > 0.1
    assert kernels.loss(W, a, Ws, a_star) == pytest.approx(Jm, rel=1e-14)
    assert float(population_loss(W, Ws, a, a_star)) == pytest.approx(Jm, rel=1e-14)


@pytest.mark.parametrize(("k", "d", "kind"), [(4, 4, "eye"), (10, 10, "eye"), (5, 7, "orth")])
def test_kernel_loss_vanishes_at_permuted_teacher(rng, k, d, kind):
    """J(P W*) = 0 with a = P a*: the cancellation of a sum of terms of size J(0) leaves at most
    a few ulps of J(0)."""
    Ws = _teacher(rng, k, d, kind)
    a_star = np.ones(k) if kind == "eye" else rng.uniform(0.5, 2.0, size=k)
    if kind != "eye":
        Ws *= rng.uniform(0.5, 2.0, size=(k, 1))
    P = rng.permutation(k)
    J0 = kernels.loss(np.zeros((1, d)), np.ones(1), Ws, a_star)
    J = kernels.loss(np.ascontiguousarray(Ws[P]), a_star[P].copy(), Ws, a_star)
    assert 0.0 <= J <= 1e-15 * max(1.0, J0)
    # and it is a critical point: the gradient vanishes to rounding too
    _, _, g = gradient(Ws[P][None], a_star[P][None], Ws, a_star, True)
    assert g[0] <= 1e-14 * max(1.0, J0)


# --- 3. the kernel's gradient against central differences of the loss ------------------------

@pytest.mark.parametrize(("n", "k", "d", "kind"), [(3, 3, 3, "eye"), (4, 3, 5, "orth"),
                                                   (2, 4, 4, "eye")])
def test_kernel_gradient_equals_central_differences(rng, n, k, d, kind):
    """(J(w + h e_i) - J(w - h e_i)) / 2h = dJ/dw_i + h^2/6 d3J/dw_i^3 + rounding, h = 1e-5.
    Truncation: rows of norm in [0.5, 2] keep |d3J| below 10 (at most ~3 in these cases, from
    the error at h = 1e-3: 5e-7 = h^2/6 |d3J|), so <= 2e-10. Rounding: J is a sum of
    (n + k)^2 <= 64 terms whose absolute values add up to S = 1/2 sum |b_l b_q| k(v_l, v_q), so
    each J has error <= 64 eps S and the difference quotient <= 64 eps S / h (~8e-9 here; the
    observed error is ~1e-10). J is quadratic in a: there only rounding counts."""
    h = 1e-5
    Ws = _teacher(rng, k, d, kind)
    W = rng.normal(size=(n, d))
    W *= rng.uniform(0.5, 2.0, size=(n, 1)) / np.linalg.norm(W, axis=1, keepdims=True)
    a = rng.uniform(0.5, 1.5, size=n) * rng.choice([-1.0, 1.0], size=n)
    a_star = rng.uniform(0.5, 1.5, size=k)
    G, ga, _ = gradient(W[None], a[None], Ws, a_star, True)
    V = np.vstack([W, Ws])
    b = np.concatenate([a, -a_star])
    S = 0.5 * np.sum(np.abs(b[:, None] * b[None, :]) * arccos_kernel(V[:, None], V[None, :]))
    tol = 10 * h**2 / 6 + 64 * EPS * S / h
    step = h * np.eye(n * d).reshape(n * d, n, d)  # (n d) perturbations of W
    Wb = np.broadcast_to(W, step.shape)
    fd = (population_loss(Wb + step, Ws, a, a_star)
          - population_loss(Wb - step, Ws, a, a_star)) / (2 * h)
    assert np.max(np.abs(fd.reshape(n, d) - G[0])) <= tol
    # the kernel's own loss is consistent with its gradient as well
    fdk = np.array([(kernels.loss(W + s, a, Ws, a_star) - kernels.loss(W - s, a, Ws, a_star))
                    / (2 * h) for s in step])
    assert np.max(np.abs(fdk.reshape(n, d) - G[0])) <= tol
    sa = h * np.eye(n)
    Wn = np.broadcast_to(W, (n, n, d))
    fda = (population_loss(Wn, Ws, a + sa, a_star) - population_loss(Wn, Ws, a - sa, a_star)) / (
        2 * h)
    assert np.max(np.abs(fda - ga[0])) <= 64 * EPS * S / h


# --- 4. descent without polishing against a numpy loop -----------------------------------------

DESCENT_CASES = [  # (n, k, d, teacher, train_a, random fixed a)
    (3, 3, 3, "eye", False, False), (2, 3, 4, "orth", False, True),
    (4, 3, 3, "eye", False, False), (3, 2, 4, "orth", True, True), (3, 3, 3, "eye", True, True),
]


def _descent_case(rng, n, k, d, kind, random_a):
    Ws = _teacher(rng, k, d, kind)
    W0 = _xavier(rng, 1, n, d)[0]
    a0 = rng.uniform(0.5, 1.5, size=n) if random_a else np.ones(n)
    a_star = rng.uniform(0.5, 1.5, size=k) if random_a else np.ones(k)
    return W0, Ws, a0, a_star


@pytest.mark.parametrize(("n", "k", "d", "kind", "train_a", "random_a"), DESCENT_CASES)
def test_descent_reproduces_plain_numpy_loop(rng, n, k, d, kind, train_a, random_a):
    W0, Ws, a0, a_star = _descent_case(rng, n, k, d, kind, random_a)
    lr = 0.1
    # (a) 200 steps, no stopping: the same iterate
    cfg = DescentConfig(lr=lr, gtol=1e-300, max_iters=200, train_a=train_a, **PLAIN)
    r = train(W0[None], Ws, a0, a_star, cfg, workers=1)
    W, a, it, gs, _, _ = _plain_descent(W0, Ws, a0, a_star, lr, 0.0, 200, train_a)
    assert r.status[0] == MAX_ITERS and r.iterations[0] == it == 200
    np.testing.assert_allclose(r.W[0], W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.a[0], a, rtol=0, atol=1e-12)
    assert r.grad[0] == pytest.approx(gs[-1], rel=1e-10)
    # (b) the gtol rule max_j |grad_j| <= gtol: the same stopping iteration and state
    gtol = 1e-4
    W, a, it, gs, conv, _ = _plain_descent(W0, Ws, a0, a_star, lr, gtol, 50_000, train_a)
    assert conv and 200 < it
    # not a knife edge: rounding (~1e-16 relative) cannot move the crossing by a step
    assert gs[-1] < gtol * (1 - 1e-9) and gs[-2] > gtol * (1 + 1e-9)
    cfg = DescentConfig(lr=lr, gtol=gtol, max_iters=50_000, train_a=train_a, **PLAIN)
    r = train(W0[None], Ws, a0, a_star, cfg, workers=1)
    assert r.status[0] == CONVERGED and r.iterations[0] == it
    np.testing.assert_allclose(r.W[0], W, rtol=0, atol=1e-11)
    np.testing.assert_allclose(r.a[0], a, rtol=0, atol=1e-11)
    assert r.grad[0] == pytest.approx(gs[-1], rel=1e-9)


# --- 5. polishing does not change where a run ends (the census setting, k = n = d = 10) -------

@pytest.fixture(scope="module")
def census10():
    """200 Xavier starts at k = n = d = 10 and where plain descent (no polishing) takes them, to
    gtol = 1e-9/(2 pi), with the smallest Hessian eigenvalue at each endpoint."""
    k = 10
    rng = np.random.default_rng(np.random.SeedSequence(20170806))
    W0 = _xavier(rng, 200, k, k)
    plain = train(W0, np.eye(k), cfg=DescentConfig(polish_tol=0.0, max_iters=2_000_000))
    H = population_hessian(plain.W, np.eye(k)).reshape(200, k * k, k * k)
    lam = np.linalg.eigvalsh(H)[:, 0]
    return W0, plain, lam


def _assert_same_endpoints(polished, plain, lam, k=10):
    """Run by run, both runs converged and ended at the same critical point. At a strict
    minimum x* (Hessian >= lam I) a state with gradient g is within |g| / lam of x* (to first
    order; |x - x*| ~ 1e-8 leaves the second order far below), and |g|_F <= sqrt(k) gtol when
    every row's gradient is <= gtol: the two endpoints are within 2 sqrt(k) gtol / lam of each
    other (6e-8 at lam = 0.016, the smallest here). The losses: each within
    k gtol^2 / (2 lam) ~ 1e-17 of J(x*), plus the rounding of J ~ 1e-14."""
    assert np.all(plain.status == CONVERGED), np.unique(plain.status, return_counts=True)
    assert np.all(lam > 0)  # every endpoint is a strict minimum
    bad = np.flatnonzero(polished.status != CONVERGED)
    assert bad.size == 0, [(int(r), polished.status[r], float(polished.grad[r])) for r in bad]
    diff = np.abs(polished.W - plain.W).max(axis=(1, 2))
    bound = 2 * math.sqrt(k) * GTOL / lam
    far = np.flatnonzero(diff > bound)
    assert far.size == 0, [(int(r), float(diff[r]), float(bound[r])) for r in far]
    J1 = population_loss(polished.W, np.eye(k))
    J2 = population_loss(plain.W, np.eye(k))
    np.testing.assert_allclose(J1, J2, rtol=0, atol=1e-12)
    # the comparison is not vacuous: most runs did end by Newton steps
    assert np.mean(polished.polish_steps > 0) > 0.5


def test_polishing_does_not_change_endpoints(census10, monkeypatch):
    """Newton polishing alone (the loss rule switched off) against plain descent."""
    W0, plain, lam = census10
    monkeypatch.setattr(kernels, "loss", lambda *args: math.inf)  # the loss rule never fires
    polished = train(W0, np.eye(10), cfg=DescentConfig())
    _assert_same_endpoints(polished, plain, lam)


def test_default_descent_ends_strict_minima_where_plain_descent_does(census10):
    """The default DescentConfig (polishing and the loss rule) against plain descent: at n = k every
    endpoint is a strict minimum, so by the engine's own rule (train.py docstring: "strict minima
    still end polished, at a gradient near rounding") every run must end converged there."""
    W0, plain, lam = census10
    _assert_same_endpoints(train(W0, np.eye(10), cfg=DescentConfig()), plain, lam)


# --- 6. the number of workers does not change any bit ---------------------------------------

def test_workers_give_bit_identical_runs(rng):
    k, n = 4, 5  # n = k + 1: converged, small_loss and (below) diverged/zero_row runs
    W0 = _xavier(rng, 12, n, k)
    W0[3, 1] = 0.0
    W0[7, 2, 0] = np.nan
    runs = [train(W0, np.eye(k), workers=w, record=[0, 5], record_iters=[0, 10, 500])
            for w in (1, 2)]
    r1, r2 = runs
    assert {CONVERGED, SMALL_LOSS, ZERO_ROW, DIVERGED} <= set(r1.status)
    assert r1.W.tobytes() == r2.W.tobytes()
    assert r1.a.tobytes() == r2.a.tobytes()
    assert list(r1.status) == list(r2.status)
    for field in ("iterations", "polish_steps", "grad", "lr"):
        assert getattr(r1, field).tobytes() == getattr(r2, field).tobytes(), field
    assert r1.curves.keys() == r2.curves.keys() == {0, 5}
    for r in (0, 5):
        for x, y in zip(r1.curves[r], r2.curves[r], strict=True):
            assert x.tobytes() == y.tobytes()


def test_the_first_descent_of_a_process_has_the_bits_of_any_later_one():
    # A Newton polish at k = 12 (a 144 x 144 Cholesky factor, which OpenBLAS would thread):
    # the first train() of a fresh process must already run LAPACK on one thread.
    script = textwrap.dedent("""
        import hashlib, numpy as np
        from relucheck.descent.train import train
        W0 = np.random.default_rng(3).normal(size=(1, 12, 12)) * 0.3 + np.eye(12)
        runs = [train(W0, np.eye(12), workers=1) for _ in range(2)]
        assert runs[0].polish_steps[0] > 0
        print(*(hashlib.sha256(r.W.tobytes()).hexdigest() for r in runs))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == out[1]


def test_the_first_descent_of_a_process_limits_a_loaded_lapack():
    # The mechanism, whatever the core count: when train() sets its one-thread limit, scipy's
    # LAPACK (which polishing calls) is already loaded, so the limit reaches it.
    script = textwrap.dedent("""
        import sys, numpy as np
        from relucheck.descent import train as t
        seen = []
        real = t.threadpool_limits
        def spy(*args, **kw):
            seen.append("scipy.linalg.lapack" in sys.modules)
            return real(*args, **kw)
        t.threadpool_limits = spy
        assert "scipy.linalg.lapack" not in sys.modules
        t.train(np.eye(3)[None] * 0.5, np.eye(3), workers=1)
        print(seen)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[True]"


# --- 6b. the lane path (many runs in one vector loop) gives every run the one-run path's bits --

def _descend_one(W0, k, steps, lr=0.1):
    n, d = W0.shape
    W = W0.copy()
    out = kernels.descend(W, np.ones(n), np.eye(k, d), np.ones(k), lr=lr, gtol=0.0,
                          polish_tol=-1.0, polish_after=0, it=0, max_iters=steps,
                          g_limit=math.inf, train_a=False, rec_it=np.zeros(0, np.int64),
                          rec_W=np.zeros((0, n, d)), rec_a=np.zeros((0, n)), rec_ptr=0)
    return W, out


def test_twin_kernels_spell_their_shared_arguments_alike():
    """kernels.descend and kernels.descend_lanes take the stopping rule under the same names, in
    the same order, keyword-only (numba does not enforce the ``*``: every caller passes them by
    keyword)."""
    rule = ["lr", "gtol", "polish_tol", "polish_after", "it", "max_iters", "g_limit"]
    for kernel in (kernels.descend, kernels.descend_lanes):
        params = inspect.signature(kernel.py_func).parameters.values()
        kw_only = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
        assert kw_only[:len(rule)] == rule, kernel


@pytest.mark.parametrize("k, n, d", [(10, 10, 10), (5, 6, 7), (3, 3, 3)])
def test_lane_kernel_equals_one_run_kernel_bit_for_bit(rng, k, n, d):
    """kernels.descend_lanes on 5 of 8 lanes against kernels.descend run by run: the same
    W, iteration and gradient to the last bit after 1500 steps (gtol 0: nobody stops early),
    and the 3 idle lanes untouched."""
    L, nl, steps = 8, 5, 1500
    W0 = _xavier(rng, L, n, d)
    Wl = np.ascontiguousarray(np.transpose(W0, (1, 2, 0)))
    idle = Wl[:, :, nl:].copy()
    it, polish_after, code = (np.zeros(L, np.int64) for _ in range(3))
    gout = np.zeros(L)
    kernels.descend_lanes(Wl, np.ones((n, L)), np.ones(k), nl, lr=np.full(L, 0.1), gtol=0.0,
                          polish_tol=-1.0, polish_after=polish_after, it=it, max_iters=steps,
                          g_limit=math.inf, work=kernels.lane_workspace(n, d, k, L), code=code,
                          gout=gout)
    assert np.all(code[:nl] == kernels.MAX_ITERS) and np.all(it[:nl] == steps)
    for r in range(nl):
        W, (status, its, g, _) = _descend_one(W0[r], k, steps)
        assert (status, its) == (code[r], it[r])
        assert W.tobytes() == np.ascontiguousarray(Wl[:, :, r]).tobytes(), r
        assert g == gout[r]
    assert Wl[:, :, nl:].tobytes() == idle.tobytes()


def _lane_calls(monkeypatch) -> list:
    import relucheck.descent.train as engine

    calls: list = []
    real = engine._lane_worker

    def spy(*args):
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(engine, "_lane_worker", spy)
    return calls


def _assert_same_runs(r1, r2) -> None:
    assert list(r1.status) == list(r2.status)
    for field in ("W", "a", "iterations", "polish_steps", "grad", "lr"):
        assert getattr(r1, field).tobytes() == getattr(r2, field).tobytes(), field


@pytest.mark.parametrize("k, n, d", [(4, 5, 4), (3, 4, 5)])
def test_lane_path_gives_every_run_the_one_run_bits(rng, monkeypatch, k, n, d):
    """train() without recording takes the lane path (spied); with one run recorded it takes the
    one-run path for all. Every run, whatever its class (converged, small_loss, zero_row,
    diverged by a NaN or a blown-up row), top weights per run, must agree to the last bit."""
    W0 = _xavier(rng, 24, n, d)
    W0[3, 1] = 0.0
    W0[7, 2, 0] = np.nan
    W0[9, 0] = 1e200
    W0[11, 1] = 0.0
    W0[11, 3, 1] = np.inf  # a zero row before an infinite one: zero_row
    a0 = rng.uniform(0.5, 1.5, size=(24, n))
    calls = _lane_calls(monkeypatch)
    lanes = train(W0, np.eye(k, d), a0, workers=2)
    assert calls and all(L == 12 for L in calls)
    one = train(W0, np.eye(k, d), a0, workers=2, record=[0], record_iters=[0])
    assert len(calls) == 2  # the recorded call did not use lanes
    assert {CONVERGED, SMALL_LOSS, ZERO_ROW, DIVERGED} <= set(lanes.status)
    assert [lanes.status[i] for i in (3, 7, 9, 11)] == [ZERO_ROW, DIVERGED, DIVERGED, ZERO_ROW]
    _assert_same_runs(lanes, one)


def test_lane_path_restarts_as_the_one_run_path_does(rng, monkeypatch):
    """Restarts with half the step (DescentConfig(lr=5, g_limit=1e4, restarts=...)) in lanes: the
    same steps, statuses and bits as run by run, for 2 and 1 restarts."""
    k = 4
    W0 = _xavier(rng, 6, k, k)
    calls = _lane_calls(monkeypatch)
    for restarts in (3, 1):
        cfg = DescentConfig(lr=5.0, g_limit=1e4, restarts=restarts)
        lanes = train(W0, np.eye(k), cfg=cfg, workers=1)
        one = train(W0, np.eye(k), cfg=cfg, workers=1, record=[0], record_iters=[0])
        _assert_same_runs(lanes, one)
    assert len(calls) == 2


# --- 7. divergence is a status, never an exception; restarts ------------------------------------

@pytest.mark.parametrize("lr", [5.0, 1e6])
def test_large_steps_diverge_without_exception(rng, lr):
    k = 4
    W0 = _xavier(rng, 6, k, k)
    r = train(W0, np.eye(k), cfg=DescentConfig(lr=lr), workers=2)
    assert np.all(r.status == DIVERGED) and np.all(r.grad == np.inf)
    # the run stops at the first iterate with a row beyond kernels.BLOWUP (or a non-finite
    # one): the numpy loop, stepped until that happens, stops at the same iteration
    for i in range(2):
        W = W0[i].copy()
        it = 0
        while np.all(np.linalg.norm(W, axis=1) < kernels.BLOWUP):
            W -= lr * gradient_K(W, np.eye(k))
            it += 1
        assert r.iterations[i] == it
        assert np.max(np.linalg.norm(r.W[i], axis=1)) >= kernels.BLOWUP


def test_bad_starts_diverge_without_exception(rng):
    k = 3
    W0 = _xavier(rng, 5, k, k)
    W0[0, 1, 2] = np.nan
    W0[1, 0, 0] = np.inf
    W0[2, 2, 1] = -np.inf
    W0[3] = 1e200  # finite, but its row norms overflow
    r = train(W0, np.eye(k), workers=2)
    assert list(r.status) == [DIVERGED] * 4 + [CONVERGED]  # the good run is not affected
    assert np.all(r.iterations[:4] == 0) and np.all(r.grad[:4] == np.inf)
    np.testing.assert_array_equal(r.W[:4], W0[:4])  # left where they were (NaN == NaN here)
    # the batch gradient marks such runs NaN and leaves the others exact
    G, _, g = gradient(W0, np.ones(k), np.eye(k), np.ones(k))
    assert np.all(np.isnan(G[:4])) and np.all(np.isnan(g[:4]))
    assert _rel(G[4], gradient_K(W0[4], np.eye(k))) <= 1e-13


def test_restarts_halve_the_step_until_a_run_converges(rng):
    """DescentConfig(g_limit=1e4, restarts=3) from lr 5: each diverging attempt restarts from the
    start with half the step. Reference: single attempts at lr 5, 2.5, 1.25."""
    k = 4
    W0 = _xavier(rng, 4, k, k)
    single = {lr: train(W0, np.eye(k), cfg=DescentConfig(lr=lr, g_limit=1e4), workers=1)
              for lr in (5.0, 2.5, 1.25)}
    assert np.all(single[5.0].status == DIVERGED) and np.all(single[2.5].status == DIVERGED)
    assert np.all(single[1.25].status == CONVERGED)
    r = train(W0, np.eye(k), cfg=DescentConfig(lr=5.0, g_limit=1e4, restarts=3), workers=1)
    assert np.all(r.lr == 1.25)
    assert list(r.status) == list(single[1.25].status)
    assert r.W.tobytes() == single[1.25].W.tobytes()
    np.testing.assert_array_equal(r.iterations, single[1.25].iterations)
    # too few restarts: the last attempt (lr 2.5) diverges and says so
    r = train(W0, np.eye(k), cfg=DescentConfig(lr=5.0, g_limit=1e4, restarts=1), workers=1)
    assert np.all(r.status == DIVERGED) and np.all(r.lr == 2.5)
    np.testing.assert_array_equal(r.iterations, single[2.5].iterations)


def test_restarts_report_the_halved_step_for_an_integer_lr(rng):
    """DescentConfig(lr=5) is accepted by validate(); the step it ends with is 1.25, not 1."""
    k = 4
    W0 = _xavier(rng, 2, k, k)
    r = train(W0, np.eye(k), cfg=DescentConfig(lr=5, g_limit=1e4, restarts=3), workers=1)
    assert np.all(r.status == CONVERGED)
    assert r.lr.dtype == float and np.all(r.lr == 1.25), r.lr


# --- 8. zero rows; the loss rule with an extra student unit ------------------------------------

def test_zero_row_is_a_status(rng):
    k = 3
    W0 = _xavier(rng, 2, k, k)
    W0[0, 1] = 0.0
    r = train(W0, np.eye(k), workers=1)
    assert list(r.status) == [ZERO_ROW, CONVERGED]
    assert r.iterations[0] == 0
    np.testing.assert_array_equal(r.W[0], W0[0])
    G, _, g = gradient(W0, np.ones(k), np.eye(k), np.ones(k))
    assert np.all(np.isnan(G[0])) and np.isnan(g[0])
    assert _rel(G[1], gradient_K(W0[1], np.eye(k))) <= 1e-13


def test_small_loss_ends_runs_with_an_extra_unit(rng):
    """n = k + 1 (k = 4): the global minima are not strict and plain descent creeps; runs stop
    by the loss rule with J <= loss_tol J(0), J(0) the loss of the zero network. Runs that end
    'converged' have a gradient <= gtol by the numpy implementation."""
    k, n = 4, 5
    cfg = DescentConfig()
    r = train(_xavier(rng, 8, n, k), np.eye(k), cfg=cfg)
    assert set(r.status) <= {CONVERGED, SMALL_LOSS}
    small = r.status == SMALL_LOSS
    assert small.sum() >= 2
    J0 = float(population_loss(np.zeros((1, k)), np.eye(k), np.zeros(1)))
    J = population_loss(r.W, np.eye(k))
    assert np.all(J[small] <= cfg.loss_tol * J0), J[small] / J0
    assert np.all(r.grad[small] > cfg.gtol) and np.all(r.iterations[small] < cfg.max_iters)
    g = np.linalg.norm(gradient_K(r.W[~small], np.eye(k)), axis=-1).max(axis=-1)
    assert np.all(g <= cfg.gtol + 1e-15)


# --- 9. recording -----------------------------------------------------------------------------

def test_recorded_states_equal_the_plain_loop(rng):
    k, n, d = 3, 3, 4
    Ws = _orthonormal(rng, k, d)
    W0 = _xavier(rng, 3, n, d)
    a0 = rng.uniform(0.5, 1.5, size=(3, n))
    a_star = rng.uniform(0.5, 1.5, size=k)
    # 200 steps, train_a: unsorted, repeated and unreachable iterations
    cfg = DescentConfig(gtol=1e-300, max_iters=200, train_a=True, **PLAIN)
    r = train(W0, Ws, a0, a_star, cfg, workers=2, record=[0, 2],
              record_iters=[200, 0, 7, 50, 50, 10**6])
    assert r.curves.keys() == {0, 2}
    for i in (0, 2):
        _, _, _, _, _, states = _plain_descent(W0[i], Ws, a0[i], a_star, 0.1, 0.0, 200, True,
                                               record=(0, 7, 50, 200))
        its, RW, Ra = r.curves[i]
        np.testing.assert_array_equal(its, [0, 7, 50, 200])
        for t, Wt, at in zip(its, RW, Ra, strict=True):
            np.testing.assert_allclose(Wt, states[t][0], rtol=0, atol=1e-12)
            np.testing.assert_allclose(at, states[t][1], rtol=0, atol=1e-12)
    # a converged run keeps the iterations it reached, its last state included
    gtol = 1e-5
    _, _, it, gs, conv, states = _plain_descent(W0[1], Ws, np.ones(n), np.ones(k), 0.1, gtol,
                                                50_000, record=range(50_001))
    assert conv and gs[-1] < gtol * (1 - 1e-9) and gs[-2] > gtol * (1 + 1e-9)
    want = [0, 1, it // 2, it - 1, it]
    r = train(W0[1:2], Ws, cfg=DescentConfig(gtol=gtol, max_iters=50_000, **PLAIN), workers=1,
              record=[0], record_iters=[*want, it + 1, 2 * it])
    its, RW, Ra = r.curves[0]
    np.testing.assert_array_equal(its, want)
    for t, Wt in zip(its, RW, strict=True):
        np.testing.assert_allclose(Wt, states[t][0], rtol=0, atol=1e-11)
    np.testing.assert_array_equal(RW[-1], r.W[0])
    np.testing.assert_array_equal(Ra, 1.0)


# --- 10. input validation ---------------------------------------------------------------------

def test_train_rejects_bad_shapes():
    W0 = np.ones((2, 3, 3))
    I3 = np.eye(3)
    with pytest.raises(ValueError, match=r"W0: expected shape \(runs, n, d\)"):
        train(W0[0], I3)
    with pytest.raises(ValueError, match=r"W0: expected shape \(runs, n, d\)"):
        train(W0[None], I3)
    with pytest.raises(ValueError, match=r"W_star: expected shape \(k, 3\)"):
        train(W0, np.ones(3))
    with pytest.raises(ValueError, match=r"W_star: expected shape \(k, 3\)"):
        train(W0, np.eye(4))
    with pytest.raises(ValueError, match=r"a_star: expected shape \(3,\)"):
        train(W0, I3, a_star=np.ones(2))
    with pytest.raises(ValueError, match=r"a_star: expected shape \(3,\)"):
        train(W0, I3, a_star=np.ones((1, 3)))


@pytest.mark.parametrize("a0", [np.ones(2), np.ones((3, 3)), np.ones((2, 3, 1))])
def test_train_names_a0_in_its_shape_error(a0):
    with pytest.raises(ValueError, match=r"a0"):
        train(np.ones((2, 3, 3)), np.eye(3), a0=a0)


def test_batch_gradient_rejects_bad_shapes():
    """train.gradient hands its arrays to a compiled kernel without bounds checks: a teacher of
    the wrong width or an a* of the wrong length must be a ValueError, not a silent read past the
    end of an array. Run in a subprocess, so that such a read cannot take pytest down."""
    code = textwrap.dedent("""
        import numpy as np
        from relucheck.descent.train import gradient
        W = np.ones((1, 3, 3))
        for Ws, a_star in [(np.eye(4), np.ones(4)), (np.eye(2), np.ones(2)),
                           (np.eye(3), np.ones(2))]:
            try:
                gradient(W, np.ones(3), Ws, a_star)
            except ValueError as e:
                assert "W_star" in str(e) or "a_star" in str(e), e
            else:
                raise SystemExit(f"no error for W_star {Ws.shape}, a_star {a_star.shape}")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


BAD = {  # field: values validate() must reject (nan, inf where not meaningful, negative, ...)
    "lr": [math.nan, math.inf, -1.0, 0.0],
    "gtol": [math.nan, math.inf, -1e-9, 0.0],
    "max_iters": [math.nan, -1],
    "polish_tol": [math.nan],  # any number is meaningful (<= 0: off)
    "polish_steps": [math.nan, 0, -1],
    "loss_tol": [math.nan, math.inf, -1e-10, 1.0],
    "g_limit": [math.nan, -1.0, 0.0],  # inf is the default (no limit)
    "restarts": [math.nan, -1],
}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in BAD.items() for v in vs])
def test_descent_validate_rejects(field, value):
    with pytest.raises(ValueError, match=rf"^{field}: expected"):
        DescentConfig(**{field: value}).validate()
    with pytest.raises(ValueError, match=rf"^{field}: expected"):  # train validates first
        train(np.ones((1, 2, 2)), np.eye(2), cfg=DescentConfig(**{field: value}))


@pytest.mark.parametrize(("field", "value"), [("max_iters", math.inf), ("max_iters", 1.5),
                                              ("polish_steps", math.inf),
                                              ("polish_steps", 2.5), ("restarts", math.inf),
                                              ("restarts", 1.5)])
def test_descent_validate_rejects_non_integer_counts(field, value):
    """Counts must be integers: otherwise inf or 1.5 fails later, inside train, with a TypeError
    (range(inf)), or runs a float through the kernel (and a fresh numba compile)."""
    with pytest.raises(ValueError, match=rf"^{field}: expected"):
        DescentConfig(**{field: value}).validate()


def test_descent_validate_accepts_the_defaults_and_edge_values():
    DescentConfig().validate()
    DescentConfig(polish_tol=0.0, loss_tol=0.0, g_limit=math.inf, restarts=0,
                  max_iters=0).validate()
    DescentConfig(polish_tol=-1.0).validate()  # <= 0 turns polishing off


def test_the_session_warm_up_leaves_nothing_for_a_run_to_compile():
    """tests/conftest.py warms the kernels before any test: a census and a noise sweep after it
    (a fresh process) add no compiled signature, so no test pays for numba's compiler."""
    code = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import conftest
from relucheck.descent import _kernels as kernels

def compiled():
    return {name: list(map(str, getattr(kernels, name).signatures)) for name in dir(kernels)
            if hasattr(getattr(kernels, name), "signatures")}

conftest.warm_kernels()
warm = compiled()
from relucheck.experiments import census, noise_sweep
census.run(census.Params(ks=(3, 4), extra=(0, 1), runs=6, certify=False),
           np.random.default_rng(0))
noise_sweep.run(noise_sweep.quick(noise_sweep.Params()), np.random.default_rng(0))
after = compiled()
print(" ".join(sorted(k for k, v in warm.items() if v)))
assert after == warm, {k: v for k, v in after.items() if v != warm[k]}
"""
    tests = Path(__file__).resolve().parent
    r = subprocess.run([sys.executable, "-c", code, str(tests)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    warmed = r.stdout.split()
    assert {"descend", "descend_lanes", "gradient_batch", "hessian", "hessian_batch", "loss",
            "lane_workspace"} <= set(warmed)
