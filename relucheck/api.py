"""The public library API of relucheck: the paper's closed forms, the census engine, the
endpoint classifier and the command runner (:func:`relucheck.runner.run`) behind one set of
names (``import relucheck as rc; rc.population_gradient``).

Every function here checks its inputs (shapes, finite values) and then calls the one
implementation in :mod:`relucheck.theory` or :mod:`relucheck.descent`; no formula is written
twice. Notation follows Tian (ICML 2017): the student g(x) = sum_j a_j relu(w_j . x) has rows w_j
of W (n, d) and top weights a (n,), the teacher has W* (k, d) and a* (k,), x ~ N(0, I_d), and
J = 1/2 E[(g* - g)^2] per sample (Eqn 2 with N = 1). Top weights default to 1, the paper's case.
Functions of (W, W*) broadcast over leading batch axes. The compiled census engine (numba) is
imported only when :func:`train` or :func:`classify` is first called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from relucheck._public import NAMES
from relucheck.runner import run as run  # re-exported (the "as" says so to linters)
from relucheck.theory import gating, gradient, hessian, init_prob, symmetric
from relucheck.theory.lmatrix import MAX_COND as MAX_COND
from relucheck.theory.lmatrix import DependentUnitsError as DependentUnitsError
from relucheck.theory.lmatrix import L_matrix as L_matrix

if TYPE_CHECKING:
    from relucheck.descent.train import Runs

__all__ = list(NAMES)  # relucheck._public: the one list of public names


# --------------------------------------------------------------------------- input checks


def _finite(x, name: str, min_ndim: int = 0) -> np.ndarray:
    """x as a float array with at least ``min_ndim`` axes and only finite entries."""
    try:
        kind = np.asarray(x).dtype.kind
        if kind not in "biuf":  # complex, object, string...: never cast silently
            raise TypeError(f"dtype {np.asarray(x).dtype}")
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: expected an array of real numbers ({err})") from None
    if x.ndim < min_ndim:
        raise ValueError(f"{name}: expected an array with at least {min_ndim} axes, got shape "
                         f"{x.shape}")
    if not np.all(np.isfinite(x)):
        at = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"{name} has a non-finite entry (NaN or inf) at index {at}")
    return x


def _top(a, name: str, rows: int, of: str) -> np.ndarray | None:
    """Top weights (..., rows) or None (all ones)."""
    if a is None:
        return None
    a = _finite(a, name, 1)
    if a.shape[-1] != rows:
        raise ValueError(f"{name}: expected shape (..., {rows}), one weight per row of {of}, got "
                         f"{a.shape}")
    return a


def _network(W, W_star, a, a_star, W_name: str = "W"):
    """Check a student (W, a) and a teacher (W*, a*): rows (..., n, d) and (..., k, d)."""
    W = _finite(W, W_name, 2)
    W_star = _finite(W_star, "W_star", 2)
    if W.shape[-1] != W_star.shape[-1]:
        raise ValueError(f"{W_name} {W.shape} and W_star {W_star.shape}: expected (..., n, d) and "
                         "(..., k, d) with the same input dimension d")
    a = _top(a, "a" if W_name == "W" else "a0", W.shape[-2], W_name)
    a_star = _top(a_star, "a_star", W_star.shape[-2], "W_star")
    return W, W_star, a, a_star


# --------------------------------------------------------------------------- closed forms


def population_loss(W, W_star, a=None, a_star=None) -> np.ndarray:
    """Population loss J = 1/2 E[(g(x; W*, a*) - g(x; W, a))^2], x ~ N(0, I) (Eqn 2, N = 1).

    Exact, through the arc-cosine kernel k(u, v) = E[relu(u.x) relu(v.x)] =
    |u| |v| h(angle(u, v)) / (2 pi), h(t) = (pi - t) cos t + sin t (docs/math.md section 2):
    J = 1/2 [a^T K(W, W) a - 2 a^T K(W, W*) a* + a*^T K(W*, W*) a*].

    Parameters
    ----------
    W : array (..., n, d)
        Student rows w_j. Zero rows are allowed: a dead unit contributes nothing.
    W_star : array (..., k, d)
        Teacher rows w*_j (k may differ from n).
    a, a_star : arrays (..., n) and (..., k), optional
        Top weights; None means all ones (the paper's network, Eqn 1).

    Returns
    -------
    array (...)
        J >= 0, one value per batch element.

    Examples
    --------
    >>> import numpy as np
    >>> W_star = np.eye(2)
    >>> float(population_loss(W_star, W_star))
    0.0
    >>> J0 = float(population_loss(np.zeros((2, 2)), W_star))  # E[g*^2] / 2
    >>> bool(np.isclose(J0, 1 / 2 + 1 / (2 * np.pi)))
    True
    """
    return gradient.population_loss(*_network(W, W_star, a, a_star))


def population_gradient(W, W_star, a=None, a_star=None, *, return_a: bool = False):
    """Population gradient of J in the student rows (Eqn 8), with any top weights.

    grad_{w_j} J = a_j [sum_k a_k E[F(e_j, w_k)] - sum_k a*_k E[F(e_j, w*_k)]], e_j = w_j / |w_j|,
    with E[F(e, w)] of Eqn 5 (:func:`gating_expectation`, N = 1); a = a* = 1 is Eqn 8 as printed.
    The k = j summand is a_j w_j / 2. With ``return_a``, also dJ/da_j = sum_k a_k k(w_j, w_k) -
    sum_k a*_k k(w_j, w*_k) (docs/math.md section 2), for a trained top layer.

    Parameters
    ----------
    W : array (..., n, d)
        Student rows. The gradient is undefined at w_j = 0 (the one singularity left after taking
        expectations, Eqn 6): a zero row raises ValueError.
    W_star : array (..., k, d)
        Teacher rows.
    a, a_star : arrays (..., n) and (..., k), optional
        Top weights; None means all ones.
    return_a : bool
        Also return dJ/da.

    Returns
    -------
    array (..., n, d), or (grad_W, grad_a) with grad_a (..., n) when ``return_a``.

    Examples
    --------
    At W = 2 W* for an orthonormal teacher, row j gets e_j (1/2 + 1/(2 pi)) + e_k / 4:

    >>> import numpy as np
    >>> W_star = np.eye(2)
    >>> print(np.round(population_gradient(2 * W_star, W_star), 6))
    [[0.659155 0.25    ]
     [0.25     0.659155]]
    >>> bool(np.all(population_gradient(W_star, W_star) == 0))  # the teacher is critical
    True
    """
    W, W_star, a, a_star = _network(W, W_star, a, a_star)
    gW = gradient.gradient_K(W, W_star, a, a_star)
    if not return_a:
        return gW
    return gW, gradient.gradient_a(W, W_star, a, a_star)


def population_hessian(W, W_star, a=None, a_star=None, *, train_a: bool = False) -> np.ndarray:
    """Analytic Hessian of J: the Jacobian of Eqn 8 (docs/math.md section 8).

    Blocks, with k the arc-cosine kernel and t = angle(u, v), p = v^ - cos t u^,
    q = u^ - cos t v^ (|p| = |q| = sin t):

        H_jj = a_j^2 I/2 + a_j sum_{l != j} a_l d2k/du du^T(w_j, w_l)
                         - a_j sum_l a*_l d2k/du du^T(w_j, w*_l),
        H_jl = a_j a_l d2k/du dv^T(w_j, w_l)   (l != j),
        d2k/du du^T = |v| / (2 pi |u|) [p p^T / sin t + sin t (I - u^ u^T)],
        d2k/du dv^T = [(pi - t) I + p q^T / sin t + sin t u^ v^T] / (2 pi).

    Parallel (t = 0) and antiparallel (t = pi) pairs take the continuous limit (the 1/sin t
    terms vanish there); J is C^2 away from zero rows.

    Parameters
    ----------
    W : array (..., n, d)
        Student rows; a zero row raises ValueError (J is not differentiable at w_j = 0).
    W_star : array (..., k, d)
        Teacher rows.
    a, a_star : arrays (..., n) and (..., k), optional
        Top weights; None means all ones.
    train_a : bool
        False: the Hessian in W with a fixed, shape (..., n, d, n, d). True: the Hessian in the
        packed parameters theta[j] = [w_j, a_j], shape (..., n, d + 1, n, d + 1).

    Returns
    -------
    array (..., n, c, n, c), c = d (or d + 1 with ``train_a``)
        H[..., j, alpha, l, beta] = d^2 J / dtheta[j, alpha] dtheta[l, beta], exactly symmetric.
        Reshape to (..., n c, n c) for a matrix.

    Examples
    --------
    The teacher W* = I_2 is a strict minimum; its Hessian is positive definite:

    >>> import numpy as np
    >>> W_star = np.eye(2)
    >>> H = population_hessian(W_star, W_star)
    >>> H.shape
    (2, 2, 2, 2)
    >>> print(np.round(np.linalg.eigvalsh(H.reshape(4, 4)), 6))
    [0.090845 0.409155 0.590845 0.909155]
    """
    W, W_star, a, a_star = _network(W, W_star, a, a_star)
    if not train_a:
        return hessian.population_hessian(W, W_star, a, a_star)
    a = np.ones(W.shape[-2]) if a is None else a
    return hessian.population_hessian_packed(W, W_star, a, a_star)


def gating_expectation(e, w, n_samples: float = 1.0) -> np.ndarray:
    """Population gating E[F(e, w)], F(e, w) = X^T D(e) D(w) X w (Theorem 1, Eqn 5).

    E[F(e, w)] = N / (2 pi) [(pi - t) w + |w| sin(t) e], t = angle(e, w), for N rows of X drawn
    from N(0, I): a mass term along w and an asymmetric term along e (Figure 2).

    Parameters
    ----------
    e : array (..., d)
        The gate's direction; only its direction matters, and e = 0 raises ValueError.
    w : array (..., d)
        The gated weight; w = 0 gives 0 (F is linear in w). Batch axes broadcast with e's.
    n_samples : float
        N, the number of samples (1: the per-sample expectation).

    Returns
    -------
    array (..., d)

    Examples
    --------
    >>> import numpy as np
    >>> e, w = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    >>> print(np.round(gating_expectation(e, w), 6))  # t = pi/2: (w / 2 + 2 e / pi) / 2
    [0.31831 0.5    ]
    >>> print(gating_expectation(w, w))  # t = 0: gates agree, E[F] = w / 2
    [0. 1.]
    """
    e = _finite(e, "e", 1)
    w = _finite(w, "w", 1)
    if e.shape[-1] != w.shape[-1]:
        raise ValueError(f"e {e.shape} and w {w.shape}: expected the same dimension d")
    return gating.expected_F(e, w, n_samples)


# --------------------------------------------------------------------------- Theorems 6 and 7


def symmetric_velocity(x, y, K):
    """(dx/dt, dy/dt) of Theorem 7's two-dimensional reduction of Eqn 8 (Section 6.2).

    Teacher w*_j = e_j (orthonormal, d = K), student w_j = x e_j + y sum_{k != j} e_k
    (:func:`symmetric_embed`), top weights 1. With n = |w_j|, theta = angle(w_j, e_j),
    phi* = angle(w_j, e_k), phi = angle(w_j, w_k) and
    T = (K-1)(sin phi* / n - sin phi) + sin theta / n (docs/math.md section 6),

        2 pi dx/dt = (pi - theta) - phi x - (pi - phi)(x + (K-1) y) + T x,
        2 pi dy/dt = (pi - phi*) - phi y - (pi - phi)(x + (K-1) y) + T y,

    exactly minus the gradient of Eqn 8 on the symmetric subspace. Broadcasts over x, y, K.
    x = y = 0 (every w_j = 0) raises ValueError, as does K < 2.

    Examples
    --------
    The teacher (1, 0) and the saddle of Theorem 7 (2) are fixed points:

    >>> import numpy as np
    >>> [round(float(v), 12) for v in symmetric_velocity(1.0, 0.0, 3)]
    [0.0, 0.0]
    >>> s = symmetric_saddle(3)
    >>> bool(np.allclose(symmetric_velocity(s, s, 3), 0, atol=1e-15))
    True
    """
    return symmetric.velocity(_finite(x, "x"), _finite(y, "y"), _finite(K, "K"))


def symmetric_loss(x, y, K) -> np.ndarray:
    """Exact J(W(x, y); I_K) on Theorem 7's symmetric subspace (Eqn 2, N = 1).

    The same value as :func:`population_loss` of :func:`symmetric_embed` (x, y, K) against
    W* = I_K, from the three angles of the reduction. Broadcasts over x, y, K.

    Examples
    --------
    >>> import numpy as np
    >>> float(symmetric_loss(1.0, 0.0, 4))
    0.0
    >>> W = symmetric_embed(0.5, 0.2, 4)
    >>> bool(np.isclose(symmetric_loss(0.5, 0.2, 4), population_loss(W, np.eye(4))))
    True
    """
    return symmetric.loss(_finite(x, "x"), _finite(y, "y"), _finite(K, "K"))


def symmetric_saddle(K) -> np.ndarray:
    """The saddle x = y = (sqrt(K-1) - arccos(1/sqrt K) + pi) / (pi K) of Theorem 7 (2).

    Where the dynamics from any diagonal start x0 = y0 in (0, 1] ends. Broadcasts over K >= 2.

    Examples
    --------
    >>> [round(float(symmetric_saddle(K)), 6) for K in (2, 5, 10)]
    [0.534155, 0.256841, 0.155735]
    """
    return symmetric.saddle(_finite(K, "K"))


def symmetric_embed(x, y, K: int) -> np.ndarray:
    """The student W (..., K, K) with rows w_j = x e_j + y sum_{k != j} e_k (Theorem 7).

    The paper's initialisation [x0, y0, ..., y0] in the basis of the teacher W* = I_K.

    Examples
    --------
    >>> print(symmetric_embed(1.0, 0.25, 3))
    [[1.   0.25 0.25]
     [0.25 1.   0.25]
     [0.25 0.25 1.  ]]
    """
    return symmetric.embed(_finite(x, "x"), _finite(y, "y"), K)


def omega_probability(r: float, d: int) -> tuple[float, float]:
    """Exact P(w0 in Omega) for w0 uniform in the ball B_r in R^d, |w*| = 1 (Theorem 6).

    Omega = {w : |w - w*| < |w*|} lies in the basin of w* (Theorem 5). With w0 = r s u,
    s^d ~ U(0, 1), and c = u . w* (c^2 ~ Beta(1/2, (d - 1)/2)) (docs/math.md section 5),

        P = int_0^1 d s^(d-1) P(c > r s / 2) ds,  P(c > t) = 1/2 (1 - I_{t^2}(1/2, (d-1)/2)).

    Theorem 6 bounds this from below by (1 - eps) / 2 at r = :func:`theorem6_radius` (eps, d).
    Accurate to about 1e-12 absolute; P = r^(-d) exactly for r >= 2.

    Parameters
    ----------
    r : float
        Radius of the ball, in units of |w*| (>= 0).
    d : int
        Dimension (>= 2).

    Returns
    -------
    (P, err) : the probability and QUADPACK's estimate of its absolute error.

    Examples
    --------
    >>> P, err = omega_probability(2.5, 3)  # B_r contains Omega: P = r^-3
    >>> round(P, 12)
    0.064
    >>> P, _ = omega_probability(theorem6_radius(0.5, 10), 10)
    >>> P >= (1 - 0.5) / 2  # Theorem 6's bound
    True
    """
    return init_prob.omega_probability(r, d)


def theorem6_radius(eps, d: int) -> np.ndarray:
    """Theorem 6's largest radius r = eps sqrt(2 pi / (d + 1)) |w*| (|w*| = 1).

    Examples
    --------
    >>> round(float(theorem6_radius(1.0, 3)), 12)  # sqrt(pi / 2)
    1.253314137316
    """
    return init_prob.theorem6_radius(_finite(eps, "eps"), d)


# --------------------------------------------------------------------------- the census engine


@dataclass(frozen=True)
class Training:
    """What :func:`train` returns: the engine's ``runs`` and what :func:`classify` needs besides.

    The fields of ``runs`` (:class:`relucheck.descent.train.Runs`: final ``W`` (R, n, d) and
    ``a`` (R, n), ``status``, ``iterations``, ``polish_steps``, ``grad``, ``lr``, ``curves``) read
    through, as ``training.W``; the starts ``W0``, ``a0`` (R, n), the teacher ``W_star``,
    ``a_star``, ``train_a`` and the stop rule ``gtol`` are kept alongside.
    """

    runs: Runs
    W0: np.ndarray
    a0: np.ndarray
    W_star: np.ndarray
    a_star: np.ndarray
    train_a: bool
    gtol: float  # the stop rule the runs were trained with (it tells :func:`classify` which
    #              units are numerically at w_j = 0)

    def __getattr__(self, name: str):
        if name == "runs":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.runs, name)


def train(W0, W_star, a0=None, a_star=None, *, workers: int = 0, record=(), record_iters=(),
          **descent) -> Training:
    """Gradient descent on J (Eqn 8) from every start W0[r], with Newton polishing: the census
    engine (docs/math.md section 9; :func:`relucheck.descent.train.train`).

    Each run descends w <- w - lr grad J with the compiled gradient, independently of the
    others and of the number of workers, until max_j |grad_{w_j} J| <= gtol (Safran and
    Shamir's rule, 1e-9 / (2 pi) by default). Near a strict minimum, Newton steps with the
    analytic Hessian finish the run (accepted only while the Hessian is positive definite and
    the gradient at least halves per step). A run stops early with status ``small_loss`` once
    J <= loss_tol J(0), and ``diverged`` / ``zero_row`` end runs that blow up or lose a unit
    (never an exception).

    Parameters
    ----------
    W0 : array (R, n, d), or (n, d) for one run
        Starting student rows of the R runs.
    W_star : array (k, d)
        Teacher rows.
    a0 : array (n,) or (R, n), optional
        Student top weights (fixed unless ``train_a=True``); default ones.
    a_star : array (k,), optional
        Teacher top weights; default ones.
    workers : int
        Threads (0: one per core). Results do not depend on it.
    record, record_iters : sequences of int
        Runs whose states are kept at the iterations ``record_iters`` (in ``curves``).
    **descent
        Fields of :class:`relucheck.descent.train.DescentConfig`: ``lr`` (0.1), ``gtol``
        (1e-9 / (2 pi)), ``max_iters`` (200000), ``polish_tol`` (1e-3; <= 0 turns polishing
        off), ``polish_steps`` (8), ``loss_tol`` (1e-8), ``train_a`` (False), ``g_limit``
        (inf), ``restarts`` (0).

    Returns
    -------
    Training
        Per run: final ``W`` (R, n, d) and ``a`` (R, n), ``status`` (``converged``,
        ``small_loss``, ``max_iters``, ``diverged`` or ``zero_row``), ``iterations``,
        ``polish_steps``, final ``grad``, ``lr``; and the inputs, for :func:`classify`.

    Examples
    --------
    >>> import numpy as np
    >>> W_star = np.eye(3)
    >>> W0 = W_star + 0.1 * np.random.default_rng(0).standard_normal((2, 3, 3))
    >>> runs = train(W0, W_star, workers=1)
    >>> runs.status.tolist()
    ['converged', 'converged']
    >>> bool(np.allclose(runs.W, W_star, atol=1e-8))
    True
    """
    # the compiled engine (numba) loads on the first call, not on import relucheck
    from relucheck.descent.train import DescentConfig
    from relucheck.descent.train import train as engine

    W0 = _finite(W0, "W0", 2)
    W0 = W0[None] if W0.ndim == 2 else W0
    if W0.ndim != 3:
        raise ValueError(f"W0: expected shape (runs, n, d) or (n, d), got {W0.shape}")
    W0, W_star, a0, a_star = _network(W0, W_star, a0, a_star, "W0")
    if W_star.ndim != 2:
        raise ValueError(f"W_star: expected shape (k, d), got {W_star.shape}")
    try:
        cfg = DescentConfig(**descent)
    except TypeError as err:
        raise TypeError(f"train: {err}; the descent options are the fields of "
                        "relucheck.descent.train.DescentConfig") from None
    runs = engine(W0, W_star, a0, a_star, cfg, workers=workers, record=record,
                  record_iters=record_iters)
    n, k = W0.shape[1], W_star.shape[0]
    return Training(runs, W0, np.broadcast_to(np.ones(n) if a0 is None else a0, runs.a.shape),
                    W_star, np.ones(k) if a_star is None else a_star, cfg.train_a, cfg.gtol)


@dataclass(frozen=True)
class Endpoints:
    """What :func:`classify` returns: arrays over the R runs.

    ``endpoint_class`` is one of ``teacher``, ``spurious_minimum``, ``saddle``, ``degenerate``,
    ``singular``, ``diverged``, ``not_converged`` (docs/math.md section 7); ``loss`` is J at the
    endpoint; ``relative_function_error`` is sqrt(J / J(0)), the L2 error of the function
    relative to the zero network's; ``lambda_min``, ``lambda_max`` are the analytic Hessian's
    extreme eigenvalues and ``lambda_error_bound`` their float64 error bound (NaN where not
    computed, as at w_j = 0); ``kink_slope`` is, at a unit at w_j = 0, the steepest one-sided
    slope of J found out of it (< 0: J descends, not a minimum), NaN elsewhere.
    """

    endpoint_class: np.ndarray
    loss: np.ndarray
    relative_function_error: np.ndarray
    lambda_min: np.ndarray
    lambda_max: np.ndarray
    lambda_error_bound: np.ndarray
    kink_slope: np.ndarray


def classify(runs: Training, *, teacher_tol: float | None = None, gtol: float | None = None,
             workers: int = 0) -> Endpoints:
    """Where each run of :func:`train` ended (docs/math.md section 7;
    :func:`relucheck.descent.endpoints.classify_runs`).

    Classes, in order: ``diverged`` (the engine said so, or the loss ended above its start);
    ``teacher`` (relative L2 error of the function sqrt(J / J(0)) < ``teacher_tol``, default
    1e-3); ``singular`` (a unit at w_j = 0, where J is not differentiable: a zero row, a unit
    switched off without converging, or a converged run with a_j^2 |w_j| / 2 <= 2 gtol, closer
    to 0 than the stop rule can place it; never a minimum or a saddle, whatever the Hessian
    would say); for a converged run away from w_j = 0, by the analytic Hessian's smallest
    eigenvalue against its float64 error bound e: ``spurious_minimum`` (lambda_min > e),
    ``saddle`` (lambda_min < -e) or ``degenerate``; ``not_converged`` otherwise.

    Parameters
    ----------
    runs : Training
        The result of :func:`train` (it carries the starts and the teacher).
    teacher_tol : float, optional
        Threshold of the ``teacher`` class (default
        :data:`relucheck.descent.endpoints.TEACHER_TOL`).
    gtol : float, optional
        The stop rule that decides which units are numerically at w_j = 0
        (:func:`relucheck.descent.endpoints.at_kink`); default the one the runs were trained
        with (``runs.gtol``).
    workers : int
        Threads for the Hessians (0: one per core).

    Returns
    -------
    Endpoints
        Arrays over runs: ``endpoint_class``, ``loss``, ``relative_function_error``,
        ``lambda_min``, ``lambda_max``, ``lambda_error_bound`` and ``kink_slope``
        (:func:`relucheck.descent.endpoints.kink_slopes`).

    Examples
    --------
    Theorem 7 (2): from the diagonal x0 = y0 the dynamics ends at the saddle, and from
    x0 > y0 at the teacher:

    >>> import numpy as np
    >>> W0 = np.stack([symmetric_embed(0.3, 0.3, 3), symmetric_embed(0.6, 0.1, 3)])
    >>> ends = classify(train(W0, np.eye(3), workers=1), workers=1)
    >>> ends.endpoint_class.tolist()
    ['saddle', 'teacher']

    One unit (k = n = d = 1) started at w < 0 dies: J(w) = w^2/4 + 1/4 for w <= 0 and
    (1 - w)^2/4 for w >= 0, so descent ends at the kink w = 0, from which J descends:

    >>> ends = classify(train(np.array([[-0.5]]), np.eye(1), workers=1), workers=1)
    >>> ends.endpoint_class.tolist(), ends.kink_slope.tolist()
    (['singular'], [-0.5])
    """
    from relucheck.descent.endpoints import TEACHER_TOL, classify_runs  # numba: on first call

    if not isinstance(runs, Training):
        raise TypeError("classify: expected the result of relucheck.train (it carries the starts "
                        "and the teacher); for the engine's own Runs call "
                        "relucheck.descent.endpoints.classify_runs")
    if gtol is not None and not (np.isfinite(gtol) and gtol > 0):
        raise ValueError(f"gtol: expected a finite number > 0 (the runs' stop rule), got {gtol}")
    loss0 = gradient.population_loss(runs.W0, runs.W_star, runs.a0, runs.a_star)
    ends, _ = classify_runs(runs.W, runs.a, runs.status, runs.W_star, runs.a_star, loss0,
                            trained=runs.train_a,
                            teacher_tol=TEACHER_TOL if teacher_tol is None else teacher_tol,
                            gtol=runs.gtol if gtol is None else gtol, workers=workers)
    return Endpoints(ends.cls, ends.loss, ends.rel_fn_err, ends.lam_min, ends.lam_max,
                     ends.lam_err, ends.kink_slope)
