"""The public API (relucheck.api, re-exported lazily by relucheck): every docstring example runs
(doctest), and each function is checked against a computation that shares none of its code.

Finite-difference tolerances. A central difference D_h f = (f(x + h) - f(x - h)) / 2h has
truncation error c h^2 + O(h^4) and rounding error <= 2 eps S / h, with S a bound on the
magnitude of the terms f sums. We allow |D_h - D_2h| (= 3 c h^2 to leading order, so three times
the truncation error of D_h) plus the rounding of both, 8 eps S / h: the allowance comes from
the differences themselves, never from a tuned constant.
"""

from __future__ import annotations

import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import assert_mean_matches

import relucheck as rc
from relucheck import api, runner
from relucheck.theory import critical, lmatrix

EPS = np.finfo(float).eps
STEP = 1e-5
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _h(t):
    """h(t) = (pi - t) cos t + sin t, written out here (Section 5.2)."""
    return (np.pi - t) * np.cos(t) + np.sin(t)


def _angles(U, V):
    """Angles between rows by arccos of the clipped dot product: an independent (if less
    accurate near 0 and pi) evaluation of angle(u, v)."""
    U = U / np.linalg.norm(U, axis=-1, keepdims=True)
    V = V / np.linalg.norm(V, axis=-1, keepdims=True)
    return np.arccos(np.clip(U @ V.T, -1.0, 1.0))


def _central(f, x, h):
    """Jacobian of f at x by central differences: out[..., i] = d f / d x.flat[i]."""
    cols = []
    for i in range(x.size):
        dx = np.zeros(x.size)
        dx[i] = h
        dx = dx.reshape(x.shape)
        cols.append((f(x + dx) - f(x - dx)) / (2 * h))
    return np.stack(cols, axis=-1)


def _assert_fd(analytic, f, x, scale):
    """|analytic - D_h f| <= |D_h f - D_2h f| + 8 eps scale / h (module docstring)."""
    d1, d2 = _central(f, x, STEP), _central(f, x, 2 * STEP)
    allow = np.abs(d1 - d2) + 8 * EPS * scale / STEP
    err = np.abs(analytic - d1)
    assert np.all(err <= allow), (err.max(), allow[err > allow])


def _gradient_scale(W, W_star, a, a_star):
    """Bound on the terms a gradient entry sums: |a|_max sum_l |b_l| |v_l| over [W; W*]."""
    b = np.concatenate([a, a_star])
    V = np.concatenate([W, W_star])
    return np.abs(a).max() * np.sum(np.abs(b) * np.linalg.norm(V, axis=-1))


@pytest.fixture
def net(rng):
    """A generic student (n = 3, d = 4) against a teacher with k = 2 rows, top weights not 1."""
    W = rng.standard_normal((3, 4))
    W_star = rng.standard_normal((2, 4))
    a = np.array([0.7, -1.3, 1.1])
    a_star = np.array([1.5, -0.4])
    return W, W_star, a, a_star


# --------------------------------------------------------------------------- doctests, exports


@pytest.mark.parametrize("module", [api, lmatrix, runner], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=DOCTEST_FLAGS, report=True)
    assert result.attempted > 0 and result.failed == 0, result


def test_every_public_function_has_an_example_and_cites_the_paper():
    for name in rc.__all__:
        obj = getattr(rc, name)
        if callable(obj) and not isinstance(obj, type):
            assert "Examples" in obj.__doc__ and ">>>" in obj.__doc__, name
            assert any(s in obj.__doc__ for s in ("Eqn", "Theorem", "docs/math.md")), name


def test_names_resolve_and_are_listed():
    assert set(rc.__all__) <= set(dir(rc))
    for name in rc.__all__:
        getattr(rc, name)
    assert rc.population_gradient is api.population_gradient
    assert rc.L_matrix is lmatrix.L_matrix
    import relucheck.descent as descent
    import relucheck.runtime as runtime
    import relucheck.sampling as sampling
    import relucheck.theory as theory

    for mod in (descent, sampling, runtime, theory):
        assert set(mod.__all__) <= set(dir(mod))
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (mod.__name__, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rc.nope  # noqa: B018


def test_the_top_level_lists_exactly_the_api():
    """relucheck/__init__.py cannot import relucheck.api for its names (that would load numpy on
    ``import relucheck``): both read the one list in relucheck._public."""
    import relucheck.api as api

    assert set(rc.__all__) - {"__version__"} == set(api.__all__)


def test_import_is_lazy():
    """`import relucheck` loads no numpy, numba, click, matplotlib or scipy; the closed forms
    load numpy but not numba (only train/classify need the compiled engine)."""
    code = (
        "import sys, relucheck as rc\n"
        "heavy = ('numpy', 'numba', 'click', 'matplotlib', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "rc.population_gradient, rc.L_matrix, rc.Training\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "['numpy']"], out.stdout


# --------------------------------------------------------------------------- loss, gradient


@pytest.mark.parametrize("top", [False, True], ids=["a=1", "top weights"])
def test_gradient_is_the_derivative_of_the_loss(net, top):
    W, W_star, a, a_star = net
    if not top:
        a, a_star = np.ones(3), np.ones(2)
    G, Ga = rc.population_gradient(W, W_star, a, a_star, return_a=True)
    scale = 0.5 * _gradient_scale(W, W_star, a, a_star) ** 2  # bounds the kernel terms of J
    _assert_fd(G.reshape(-1), lambda x: rc.population_loss(x, W_star, a, a_star), W, scale)
    _assert_fd(Ga, lambda x: rc.population_loss(W, W_star, x, a_star), a, scale)


def test_gradient_limits_and_errors():
    W_star = np.eye(2)
    assert float(rc.population_loss(np.zeros((2, 2)), W_star)) > 0  # a dead unit is allowed
    with pytest.raises(ValueError, match="zero or non-finite row"):
        rc.population_gradient(np.array([[1.0, 0.0], [0.0, 0.0]]), W_star)  # w_j = 0
    for f in (rc.population_loss, rc.population_gradient, rc.population_hessian):
        with pytest.raises(ValueError, match="non-finite entry"):
            f(np.array([[1.0, np.nan], [0.0, 1.0]]), W_star)
        with pytest.raises(ValueError, match="non-finite entry"):
            f(W_star, np.array([[np.inf, 0.0], [0.0, 1.0]]))
        with pytest.raises(ValueError, match="same input dimension"):
            f(np.ones((2, 3)), W_star)
        with pytest.raises(ValueError, match="at least 2 axes"):
            f(np.ones(2), W_star)
        with pytest.raises(ValueError, match=r"a: expected shape \(\.\.\., 2\)"):
            f(W_star, W_star, np.ones(3))


# --------------------------------------------------------------------------- Hessian


@pytest.mark.parametrize("top", [False, True], ids=["a=1", "top weights"])
def test_hessian_is_the_derivative_of_the_gradient(net, top):
    W, W_star, a, a_star = net
    if not top:
        a, a_star = np.ones(3), np.ones(2)
    H = rc.population_hessian(W, W_star, a, a_star)
    assert H.shape == (3, 4, 3, 4)
    scale = _gradient_scale(W, W_star, a, a_star)
    _assert_fd(H.reshape(12, 12), lambda x: rc.population_gradient(x, W_star, a, a_star)
               .reshape(-1), W, scale)


def test_packed_hessian_is_the_derivative_of_both_gradients(net):
    W, W_star, a, a_star = net
    H = rc.population_hessian(W, W_star, a, a_star, train_a=True)
    assert H.shape == (3, 5, 3, 5)

    def grad(theta):
        gW, ga = rc.population_gradient(theta[:, :4], W_star, theta[:, 4], a_star, return_a=True)
        return np.concatenate([gW, ga[:, None]], axis=1).reshape(-1)

    scale = _gradient_scale(W, W_star, a, a_star) * (1 + np.linalg.norm(W, axis=-1).max())
    _assert_fd(H.reshape(15, 15), grad, np.concatenate([W, a[:, None]], axis=1), scale)


# --------------------------------------------------------------------------- gating (Eqn 5)


def test_gating_expectation_against_monte_carlo(rng):
    """Per-sample F(e, w) = x 1[x.e > 0] relu(x.w), x ~ N(0, I_3), for pairs at angles from
    small to near pi. z-test per coordinate, family-wise level 1e-4 (Bonferroni): a correct
    formula fails with probability below 1e-4; with n = 4e5 the standard errors are about 1.5e-3,
    so an error of 0.01 in any coordinate is caught."""
    d, n = 3, 400_000
    t = np.array([0.2, 1.3, 2.9])
    e = np.array([1.0, 0.0, 0.0])
    u = np.array([0.0, 0.6, 0.8])
    W = 1.7 * (np.cos(t)[:, None] * e + np.sin(t)[:, None] * u)  # |w| = 1.7 at angle t to e
    X = rng.standard_normal((n, d))
    gate = (X @ e > 0)[:, None]
    F = np.concatenate([X * (gate * np.maximum(X @ w, 0.0)[:, None]) for w in W], axis=1)
    assert_mean_matches(F, rc.gating_expectation(e, W).reshape(-1), alpha=1e-4)


def test_gating_limits_and_errors():
    e = np.array([0.0, 1.0])
    assert np.array_equal(rc.gating_expectation(e, np.zeros(2)), np.zeros(2))  # F(e, 0) = 0
    w = np.array([0.0, 3.0])
    assert np.allclose(rc.gating_expectation(e, -w), 0.0, atol=1e-15)  # t = pi: gates disjoint
    with pytest.raises(ValueError, match="zero or non-finite row"):
        rc.gating_expectation(np.zeros(2), w)
    with pytest.raises(ValueError, match="non-finite"):
        rc.gating_expectation(e, np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="same dimension"):
        rc.gating_expectation(e, np.ones(3))


# --------------------------------------------------------------------------- L_matrix (Eqn 14)


def _L_tolerance(E, e_star):
    """First-order float64 bound on L_matrix (its docstring): (16 + 4K) eps cond(M_r)
    (|m*| + |v| |M_r^{-1} v| max|m|), doubled for second-order terms; every input is built
    here from arccos angles."""
    K = E.shape[0]
    th, ts = _angles(E, E), _angles(E, e_star[None])[:, 0]
    M, v = _h(th), _h(ts)
    x = np.linalg.solve(M, v)
    scale = 2 * np.pi + np.linalg.norm(v) * np.linalg.norm(x) * 2 * np.pi
    return 2 * (16 + 4 * K) * EPS * np.linalg.cond(M) * scale


def test_L_matrix_K2_against_the_plane_formulas(rng):
    """Against critical.L_plane (the reduced K = 2 form) and L_plane_textbook, and the reference
    values of docs/math.md section 4."""
    a = rng.uniform(0.05, np.pi - 0.05, 40)
    phi = rng.uniform(0, 2 * np.pi, 40)
    E = np.stack([np.stack([np.ones_like(a), np.zeros_like(a)], -1),
                  np.stack([np.cos(a), np.sin(a)], -1)], axis=1)
    es = np.stack([np.cos(phi), np.sin(phi)], -1)
    L = rc.L_matrix(E, es)  # one batched call
    L12, L21 = critical.L_plane(a, phi)
    T12, T21 = critical.L_plane_textbook(a, phi)
    for i in range(a.size):
        tol = _L_tolerance(E[i], es[i])
        assert abs(L[i, 0, 1] - L12[i]) <= tol and abs(L[i, 1, 0] - L21[i]) <= tol
        assert abs(L[i, 0, 1] - T12[i]) <= 2 * tol and abs(L[i, 1, 0] - T21[i]) <= 2 * tol
        assert abs(L[i, 0, 0]) <= tol and abs(L[i, 1, 1]) <= tol  # Proposition 1
    for a0, p0, r12, r21 in ((3 * np.pi / 8, np.pi / 8, 0.364462883427043, 0.304190189760724),
                             (7 * np.pi / 8, np.pi, -0.0534978054711314, -0.402227663772468)):
        E0 = np.array([[1.0, 0.0], [np.cos(a0), np.sin(a0)]])
        e0 = np.array([np.cos(p0), np.sin(p0)])
        L0, tol = rc.L_matrix(E0, e0), _L_tolerance(E0, e0) + 1e-15  # + the printed digits
        assert abs(L0[0, 1] - r12) <= tol and abs(L0[1, 0] - r21) <= tol


@pytest.mark.parametrize("K, d", [(3, 3), (3, 5), (4, 6)])
def test_L_matrix_is_the_residual_of_the_normal_equation(rng, K, d):
    """Meaning of Eqn 14, checked through Eqn 8: solve the diagonal constraints M_r w = v
    (Eqn 13, one teacher unit e* of norm 1) for the norms w, place student rows |w_k| e_k with
    top weights sign(w_k) (so that a_k relu(|w_k| e_k . x) carries the signed norm w_k), and
    then 2 pi e_j' . grad_{w_j} J / a_j = m_{jj'} . w - m*_{jj'} = -L_{jj'} (Eqns 10 to 12).
    Only M_r and v are formed here (arccos angles); the rest is the population gradient."""
    for _ in range(5):
        E = rng.standard_normal((K, d))
        E /= np.linalg.norm(E, axis=1, keepdims=True)
        e_star = rng.standard_normal(d)
        e_star /= np.linalg.norm(e_star)
        w = np.linalg.solve(_h(_angles(E, E)), _h(_angles(E, e_star[None])[:, 0]))
        a = np.sign(w)
        G = rc.population_gradient(np.abs(w)[:, None] * E, e_star[None], a, None)
        expected = -2 * np.pi * (G / a[:, None]) @ E.T  # [j, j'] = -2 pi e_j' . grad_j / a_j
        tol = _L_tolerance(E, e_star) + 8 * EPS * 2 * np.pi * (1 + np.abs(w).sum())
        assert np.all(np.abs(rc.L_matrix(E, e_star) - expected) <= tol)
        # and the per-pair reference of Eqn 14
        L = rc.L_matrix(E, e_star)
        for j in range(K):
            for jp in range(K):
                assert abs(L[j, jp] - critical.L_jj(E, e_star, j, jp)) <= tol


def test_L_matrix_broadcasts_over_a_batch(rng):
    E = rng.standard_normal((4, 3, 5))
    es = rng.standard_normal((4, 5))
    L = rc.L_matrix(E, es)
    assert L.shape == (4, 3, 3)
    for b in range(4):
        assert np.array_equal(L[b], rc.L_matrix(E[b], es[b]))
    assert np.allclose(rc.L_matrix(E, es[0]), rc.L_matrix(E, np.broadcast_to(es[0], (4, 5))))


def test_L_matrix_dependent_units_error():
    e_star = np.array([0.0, 0.3, 1.0])
    E = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1e-5, 0.0]])  # units 0, 2 at 1e-5 rad
    with pytest.raises(rc.DependentUnitsError, match="units 0 and 2 are nearly parallel") as info:
        rc.L_matrix(E, e_star)
    assert isinstance(info.value, ValueError)
    assert info.value.units == (0, 2) and info.value.index == ()
    assert info.value.cond > lmatrix.MAX_COND
    E[2] = 2 * E[0]  # exactly parallel: M_r singular
    with pytest.raises(rc.DependentUnitsError, match="units 0 and 2"):
        rc.L_matrix(E, e_star)
    batch = np.stack([np.eye(3), E])
    with pytest.raises(rc.DependentUnitsError, match=r"batch index \(1,\)"):
        rc.L_matrix(batch, e_star)
    # cond(M_r) ~ 4 / a^2: at a = 1e-3 (4e6) the matrix is accepted, with a stricter limit not
    E[2] = [1.0, 1e-3, 0.0]
    assert np.all(np.isfinite(rc.L_matrix(E, e_star)))
    with pytest.raises(rc.DependentUnitsError):
        rc.L_matrix(E, e_star, max_cond=1e6)
    # antiparallel units are independent (h(pi) = 0) ...
    assert np.all(np.isfinite(rc.L_matrix(np.array([[1.0, 0.0], [-1.0, 0.0]]), e_star[1:])))
    # ... but d + 1 antiparallel pairs in R^d are dependent: relu(e.x) - relu(-e.x) = e.x
    t = np.array([0.3, 1.4, 2.2])
    U = np.stack([np.cos(t), np.sin(t)], -1)
    with pytest.raises(rc.DependentUnitsError, match="no two units are that close"):
        rc.L_matrix(np.concatenate([U, -U]), e_star[1:])
    with pytest.raises(ValueError, match="zero or non-finite row"):
        rc.L_matrix(np.array([[1.0, 0.0], [0.0, 0.0]]), e_star[1:])


# --------------------------------------------------------------------------- train, classify


def test_train_and_classify_reach_the_teacher(rng):
    """The teacher start is critical (converged at once, class teacher), and a nearby start
    descends back to it, up to a permutation of the rows."""
    W_star = np.array([[1.0, 0.0], [0.3, 0.9]])
    near = W_star[::-1] + 0.05 * rng.standard_normal((2, 2))
    runs = rc.train(np.stack([W_star, near]), W_star, workers=1)
    assert runs.status.tolist() == ["converged", "converged"]
    assert runs.iterations[0] == 0
    assert np.allclose(runs.W[1], W_star[::-1], atol=1e-8)
    ends = rc.classify(runs, workers=1)
    assert isinstance(ends, rc.Endpoints)
    assert ends.endpoint_class.tolist() == ["teacher", "teacher"]
    assert np.all(ends.lambda_min > ends.lambda_error_bound)  # a strict minimum (n = k)
    assert np.all(ends.relative_function_error < 1e-3)
    one = rc.train(W_star, W_star, workers=1)  # (n, d): one run
    assert one.W.shape == (1, 2, 2)


def test_classify_calls_a_dead_unit_singular_not_a_minimum():
    """k = n = d = 1 from w0 < 0: descent ends at the kink w = 0 (lambda_min = 1/2 on the left
    branch w^2/4 + 1/4, but (1 - w)^2/4 descends on the right): singular, slope -1/2, no
    Hessian; from w0 > 0 the teacher. The same run trained with a larger gtol and no polishing
    stops at |w| ~ 2 gtol: singular when classify is told that gtol."""
    W0 = np.array([[[-0.7]], [[0.4]], [[-2.0]]])
    ends = rc.classify(rc.train(W0, np.eye(1), workers=1), workers=1)
    assert ends.endpoint_class.tolist() == ["singular", "teacher", "singular"]
    assert ends.kink_slope[[0, 2]].tolist() == [-0.5, -0.5] and np.isnan(ends.kink_slope[1])
    assert np.isnan(ends.lambda_min[[0, 2]]).all() and ends.lambda_min[1] == 0.5
    coarse = rc.train(W0, np.eye(1), workers=1, gtol=1e-6, polish_tol=0.0)
    assert np.all(np.abs(coarse.W[[0, 2]]) > 1e-6) and coarse.gtol == 1e-6
    # the gtol the runs were trained with is classify's default
    assert (rc.classify(coarse, workers=1).endpoint_class.tolist()
            == rc.classify(coarse, gtol=1e-6, workers=1).endpoint_class.tolist()
            == ends.endpoint_class.tolist())
    # told a much finer stop rule, the coarse runs' dead units look alive: the default matters
    assert rc.classify(coarse, gtol=1e-12, workers=1).endpoint_class[0] != "singular"
    with pytest.raises(ValueError, match="gtol"):
        rc.classify(coarse, gtol=0.0)


def test_train_and_classify_errors():
    W_star = np.eye(2)
    with pytest.raises(ValueError, match="non-finite"):
        rc.train(np.full((1, 2, 2), np.nan), W_star)
    with pytest.raises(ValueError, match="same input dimension"):
        rc.train(np.ones((1, 2, 3)), W_star)
    with pytest.raises(TypeError, match=r"fields of relucheck\.descent\.train\.DescentConfig"):
        rc.train(W_star, W_star, learning_rate=0.1)
    with pytest.raises(ValueError, match="lr"):
        rc.train(W_star, W_star, lr=-1.0)
    with pytest.raises(TypeError, match=r"result of relucheck\.train"):
        rc.classify(rc.train(W_star, W_star, workers=1).runs)


# --------------------------------------------------------------------------- docs/api.md


def test_docs_page_lists_every_name_and_its_example_runs(capsys):
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    for name in rc.__all__:
        if name != "__version__":
            assert f"`{name}" in page, name
    example = page.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(example.strip().splitlines()) == 5
    exec(compile(example, "docs/api.md", "exec"), {})
    assert "['teacher' 'teacher' 'teacher' 'teacher']" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [
    pytest.param(np.eye(3) + 0j, id="complex"),
    pytest.param(np.eye(3).astype(object), id="object"),
    pytest.param(np.full((3, 3), "1"), id="string"),
])
@pytest.mark.parametrize("fn", [
    lambda W: rc.population_loss(W, np.eye(3)),
    lambda W: rc.population_gradient(W, np.eye(3)),
    lambda W: rc.population_hessian(W, np.eye(3)),
    lambda W: rc.population_loss(np.eye(3), W),
], ids=["loss", "gradient", "hessian", "teacher"])
def test_complex_object_and_string_arrays_are_refused_not_cast(fn, bad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way: refused before a cast
        with pytest.raises(ValueError, match="expected an array of real numbers"):
            fn(bad)


def test_the_top_level_namespace_holds_only_public_names():
    public = {n for n in dir(rc) if not n.startswith("__")}
    assert public == set(rc.__all__) - {"__version__"} | {
        "api", "cli", "descent", "experiments", "output", "proofs", "runtime", "sampling",
        "theory"}
