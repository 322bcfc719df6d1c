"""Where a run of gradient descent ended (docs/math.md section 7): the teacher, a spurious local
minimum, a saddle, a degenerate critical point, a kink w_j = 0 (singular), or nowhere yet."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from relucheck.descent.matching import relative_error
from relucheck.descent.network import Network
from relucheck.runtime.parallel import cores
from relucheck.theory.angles import row_norm
from relucheck.theory.gating import expected_F
from relucheck.theory.gradient import population_loss
from relucheck.theory.hessian import hessian_eigen_error, population_hessian_packed
from relucheck.theory.kernel import arccos_kernel

TEACHER = "teacher"
MINIMUM = "spurious_minimum"
SADDLE = "saddle"
DEGENERATE = "degenerate"  # critical, but the smallest eigenvalue is within its error bound of 0
SINGULAR = "singular"  # a unit at, or switching off towards, w_j = 0: J not differentiable there
DIVERGED = "diverged"  # the loss ended above where it started, or overflowed
NOT_CONVERGED = "not_converged"
CLASSES = (TEACHER, MINIMUM, SADDLE, DEGENERATE, SINGULAR, DIVERGED, NOT_CONVERGED)

#: A unit counts as switched off below this fraction of the teacher's smallest row norm.
OFF = 0.1


def switched_off(W: np.ndarray, W_star: np.ndarray) -> np.ndarray:
    """True where some unit has (nearly) switched off: |w_j| < OFF * min_k |w*_k| (batch (B,)).

    Such a unit is heading for w_j = 0, the one point where Eqn 6 is undefined; the label is a
    description of where the run is, not a claim.
    """
    return np.any(np.linalg.norm(W, axis=-1) < OFF * np.linalg.norm(W_star, axis=-1).min(),
                  axis=-1)


#: The census engine's stop rule, max_j |grad_{w_j} J| <= GTOL (Safran and Shamir's 1e-9 on
#: 2 pi grad J; relucheck.descent.train.DescentConfig's default).
GTOL = 1e-9 / (2 * math.pi)

#: Safety factor of :func:`at_kink` (see there).
KINK = 2.0


def at_kink(W: np.ndarray, a: np.ndarray, gtol: float = GTOL) -> np.ndarray:
    """True where row j of a converged endpoint is at, or numerically at, the kink w_j = 0:
    a_j != 0 and a_j^2 |w_j| / 2 <= KINK gtol (shape (..., n) for W (..., n, d), a (..., n)).

    Why this threshold. Along a ray w_j = s u (s >= 0, |u| = 1, the other rows fixed) J is
    exactly J(s) = J(0) + s phi_j(u) + a_j^2 s^2 / 4: k(w_j, w_j) = s^2 / 2, and every other
    term of J is linear in s; phi_j(u) = u . g_j(u) is the one-sided derivative of
    :func:`kink_slopes`. So grad_j J = a_j^2 w_j / 2 + g_j(e_j): only the j-j term depends on
    |w_j|, the rest on the direction e_j alone. A run stops once every |grad_j J| <= gtol, which
    fixes |w_j| only to within 2 gtol / a_j^2 of the ray's critical point: a unit whose own
    direction does not descend (phi_j(e_j) >= 0) can only stop at |w_j| <= 2 gtol / a_j^2
    (the radial component of grad_j J is phi_j(e_j) + a_j^2 |w_j| / 2), and a smooth critical
    point that close to 0 is one whose kink slope phi_j(e_j) = -a_j^2 |w_j| / 2 is itself
    below gtol: the stop rule cannot tell them apart. The Hessian gives the same scale: its
    H_jj terms grow like 1/|w_j| (and the third derivatives like 1/|w_j|^2), so the quadratic
    model of J holds only in a ball of radius well below |w_j|, while the run may be up to
    2 gtol / a_j^2 from the critical point along the ray (radial curvature a_j^2 / 2): closer to
    0 than that, the Hessian says nothing. KINK = 2 is a margin for the other rows' gradients,
    which move by O(|a_j| |w_j|) as w_j slides to 0. The endpoints found are far from the line
    on both sides: dying units end below 2 gtol (about 3e-10; Newton polishing takes them to
    1e-19), and every census family (k <= 12, seed 0) has its smallest row at |w_j| >= 0.26 or
    at the kink. A unit with a_j = 0 adds nothing to J: never at a kink.
    """
    W = np.asarray(W, dtype=float)
    a = np.broadcast_to(np.asarray(a, dtype=float), W.shape[:-1])
    a2 = a * a
    return (a2 > 0) & (a2 * row_norm(W) / 2 <= KINK * gtol)


def kink_slopes(W: np.ndarray, a: np.ndarray, W_star: np.ndarray, a_star: np.ndarray,
                kink: np.ndarray, *, steps: int = 200, random_starts: int = 8
                ) -> tuple[np.ndarray, np.ndarray]:
    """The steepest one-sided slope of J out of each kink of one endpoint W (n, d).

    At the kink point W0 (W with the rows ``kink`` set to 0) J is not differentiable in w_j;
    along w_j = s u, s -> 0+, |u| = 1, it has the one-sided derivative

        phi_j(u) = u . g_j(u) = a_j [sum_{l not at the kink} a_l k(u, w_l) - sum_l a*_l k(u, w*_l)],

    g_j(u) the gradient of Eqn 8 for row j with e_j = u and the j-j term dropped (it vanishes at
    w_j = 0), k the arc-cosine kernel (phi_j is homogeneous of degree 1 and g_j is its gradient).
    phi_j(u) < 0 for some u means J descends from the kink: W0 is certainly not a local minimum.
    phi_j is minimised over the unit sphere by projected gradient steps (step 1 / L, L = |a_j|
    sum |b_m| |v_m| bounds its curvature on the sphere) from +-e_j, +-each teacher direction
    and ``random_starts`` fixed random directions; the value is exact, the minimum a search.

    Returns ``slope`` (n,), the smallest phi_j found (NaN off the kink), and ``U`` (n, d), the
    directions where it was found (NaN off the kink).
    """
    W = np.asarray(W, dtype=float)
    a = np.asarray(a, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    a_star = np.asarray(a_star, dtype=float)
    n, d = W.shape
    kink = np.asarray(kink, dtype=bool)
    V = np.concatenate([np.where(kink[:, None], 0.0, W), W_star])  # the kink point W0, then W*
    b = np.concatenate([np.where(kink, 0.0, a), -a_star])
    slope, U_best = np.full(n, np.nan), np.full((n, d), np.nan)
    fixed = np.random.default_rng(0).standard_normal((random_starts, d))
    for j in np.flatnonzero(kink):
        L = abs(a[j]) * float(np.sum(np.abs(b) * row_norm(V)))
        cand = [W_star, -W_star, fixed]
        if row_norm(W[j]) > 0:
            cand += [W[j][None], -W[j][None]]
        U = np.concatenate(cand)
        U = U[row_norm(U) > 0]
        U = U / row_norm(U)[:, None]

        def phi(U, j=j):
            return a[j] * (arccos_kernel(U[:, None, :], V[None]) @ b)

        val = phi(U)
        i = int(np.argmin(val))
        best, u_best = float(val[i]), U[i].copy()
        for _ in range(steps if L > 0 else 0):
            G = a[j] * np.einsum("smd,m->sd", expected_F(U[:, None, :], V[None]), b)
            G -= np.sum(G * U, axis=1)[:, None] * U  # the sphere's tangent part
            if np.max(row_norm(G)) <= 1e-15 * L:
                break
            U = U - G / L
            U = U / row_norm(U)[:, None]
            val = phi(U)
            i = int(np.argmin(val))
            if val[i] < best:
                best, u_best = float(val[i]), U[i].copy()
        slope[j], U_best[j] = best, u_best
    return slope, U_best


def collapsed_units(net: Network, theta: np.ndarray) -> np.ndarray:
    """:func:`switched_off` for packed parameters theta (B, K, cols) of ``net``."""
    return switched_off(net.split(theta)[0], net.W_star)


def relative_errors(net: Network, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight error up to permutation (restricted to equal top weights when a is fixed) and the
    function error sqrt(J / J(0)), J(0) = E[g*^2] / 2 being the loss of the zero network."""
    W, _ = net.split(theta)
    if judged_by_function(net):
        rel = relative_error(W, net.W_star)
    else:
        rel = relative_error(W, net.W_star, net.a, net.a_star)
    return rel, np.sqrt(net.loss(theta) / net.zero_loss())


def judged_by_function(net: Network) -> bool:
    """Weights can equal the teacher's only when the top layer is fixed at a = a*; otherwise
    (trained, or fixed at other values) the student matches at best up to a_j relu(w_j . x) =
    (a_j / c) relu(c w_j . x), so reaching the teacher is judged by the function (the loss)."""
    return net.trained or not np.array_equal(net.a, net.a_star)


#: Relative L2 error of the function below which a run has reached the teacher:
#: sqrt(J / J(0)) < TEACHER_TOL. The spurious minima of the census (k <= 20) sit at
#: sqrt(J / J(0)) > 1e-2, the loss rule of the engine stops runs at 1e-5.
TEACHER_TOL = 1e-3


@dataclass(frozen=True)
class RunEndpoints:
    """Per-run classification of :func:`classify_runs` (arrays over runs R)."""

    cls: np.ndarray  # (R,) one of CLASSES
    loss: np.ndarray  # J at the endpoint (inf when diverged)
    rel_fn_err: np.ndarray  # sqrt(J / J(0))
    lam_min: np.ndarray  # smallest / largest Hessian eigenvalue (NaN where not computed)
    lam_max: np.ndarray
    lam_err: np.ndarray  # float64 error bound of the eigenvalues (hessian_eigen_error)
    # (R,) at a kink (a row at w_j = 0, class singular): the steepest one-sided slope of J found
    # out of it (kink_slopes); < 0: J descends from the kink, not a minimum. NaN elsewhere.
    kink_slope: np.ndarray


def _spectra(W: np.ndarray, a: np.ndarray, W_star: np.ndarray, a_star: np.ndarray,
             trained: bool) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (B, P) of the analytic Hessian at a batch of endpoints, and their error
    bounds (B,).

    With a trained top layer the Hessian is in theta = [W | a], restricted to the orthogonal
    complement of the rescaling tangents (w_j, -a_j), along which J is constant.
    """
    from relucheck.descent import _kernels as kernels  # numba: see classify_runs

    B, n, d = W.shape
    k = W_star.shape[0]
    if not trained:
        # the compiled twin of population_hessian (the test suite checks one against the other)
        H = kernels.hessian_batch(np.ascontiguousarray(W, dtype=float),
                                   np.ascontiguousarray(a, dtype=float),
                                   np.ascontiguousarray(W_star, dtype=float),
                                   np.ascontiguousarray(a_star, dtype=float))
        return np.linalg.eigvalsh(H), hessian_eigen_error(H.reshape(B, n, d, n, d), k)
    H = population_hessian_packed(W, W_star, a, a_star)
    err = hessian_eigen_error(H, k)
    P = n * (d + 1)
    net = Network(W_star, a_star, None)
    V = net.symmetry_directions(net.pack(W, a))  # (B, n, P) rescaling tangents
    ev = np.empty((B, P - n))
    for b in range(B):
        q, _ = np.linalg.qr(np.concatenate([V[b].T, np.eye(P)], axis=1))
        Q = q[:, n:P]
        ev[b] = np.linalg.eigvalsh(Q.T @ H[b].reshape(P, P) @ Q)
    return ev, err


#: Hessians computed at once by :func:`classify_runs`: about 8 MB of output per batch (the
#: intermediates of population_hessian are a few times that, per worker).
HESSIAN_BATCH_BYTES = 1 << 23


def classify_runs(W: np.ndarray, a: np.ndarray, status: np.ndarray, W_star: np.ndarray,
                  a_star: np.ndarray, loss0: np.ndarray, *, trained: bool = False,
                  teacher_tol: float = TEACHER_TOL, gtol: float = GTOL, workers: int = 0,
                  spectra: bool = False) -> tuple[RunEndpoints, dict[int, np.ndarray]]:
    """Classify where each run of :func:`relucheck.descent.train.train` ended.

    In order: ``diverged`` (the engine said so, the state is not finite, or the loss ended above
    ``loss0``, the loss at the start); ``teacher`` (the function's relative L2 error
    sqrt(J / J(0)) is below ``teacher_tol``; J = 0 is the global minimum value, reached by
    W = P W* and, with more student units than teacher units, by units sharing a teacher unit);
    ``singular`` (a row became exactly zero, where Eqn 8 is undefined, or a unit switched off,
    see :func:`collapsed_units`, without converging, or the run converged with a row at the
    kink w_j = 0, see :func:`at_kink`: J is not differentiable there, so neither the gradient
    test nor the Hessian can make it a minimum or a saddle); for a run that converged (max_j
    |grad_j J| <= ``gtol``, the tolerance the runs were trained with) away from every kink, the
    analytic Hessian's spectrum against its error bound e: ``spurious_minimum`` if
    lambda_min > e, ``saddle`` if lambda_min < -e, ``degenerate`` in between;
    ``not_converged`` otherwise. At a kink ``kink_slope`` is the steepest one-sided slope of J
    out of it (:func:`kink_slopes`; < 0: J descends, certainly not a minimum).

    The Hessian is computed at every teacher and smooth critical endpoint (lambda_min of the
    global minimum is reported too; not at a kink, where J has none), in batches of about 8 MB
    shared out to worker threads. Returns the classification and, with ``spectra``, each
    computed spectrum by run.
    """
    # These load numba (0.3 s): imported here so that importing this module (CLASSES,
    # TEACHER_TOL, at_kink) stays light.
    from relucheck.descent import _kernels as kernels
    from relucheck.descent.train import CONVERGED, SMALL_LOSS, ZERO_ROW
    from relucheck.descent.train import DIVERGED as RUN_DIVERGED

    R = W.shape[0]
    finite = np.all(np.isfinite(W.reshape(R, -1)), axis=1) & np.all(np.isfinite(a), axis=1)
    # rows where the numpy loss is defined: finite, nonzero, and far from overflow in |w|^2
    with np.errstate(all="ignore"):
        rows = np.abs(np.where(np.isfinite(W), W, np.inf)).max(axis=-1)
    usable = finite & np.all((rows > 0) & (rows < kernels.BLOWUP), axis=1)
    safe_W = np.where(usable[:, None, None], W, 1.0)
    safe_a = np.where(usable[:, None], a, 1.0)
    loss = np.where(usable, population_loss(safe_W, W_star, safe_a, a_star), np.inf)
    for r in np.flatnonzero(finite & ~usable):  # a zero row adds nothing; a huge one is inf
        loss[r] = kernels.loss(np.ascontiguousarray(W[r], dtype=float),
                                np.ascontiguousarray(a[r], dtype=float),
                                np.ascontiguousarray(W_star, dtype=float),
                                np.ascontiguousarray(a_star, dtype=float))
    J0 = float(population_loss(np.zeros((1, W.shape[2])), W_star, np.zeros(1), a_star))
    rel_fn = np.sqrt(loss / J0)
    diverged = (status == RUN_DIVERGED) | ~finite | ~(loss <= loss0)
    teacher = ~diverged & (rel_fn < teacher_tol)
    zero = ~diverged & ~teacher & (status == ZERO_ROW)
    off = switched_off(safe_W, W_star)
    converged = (status == CONVERGED) | (status == SMALL_LOSS)
    cls = np.full(R, NOT_CONVERGED, dtype=object)
    cls[~diverged & ~teacher & ~converged & off] = SINGULAR
    cls[zero] = SINGULAR
    # a converged run with a row at (or numerically at) w_j = 0 sits on a kink of J: singular,
    # never classified by a Hessian that does not exist there (the teacher class goes first:
    # J = 0 is the global minimum value, with or without a dead unit)
    kink = at_kink(np.where(finite[:, None, None], W, 1.0), np.where(finite[:, None], a, 0.0),
                   gtol)
    at0 = ~diverged & ~teacher & (status == CONVERGED) & kink.any(axis=1)
    cls[at0] = SINGULAR
    cls[teacher] = TEACHER
    cls[diverged] = DIVERGED
    lam_min, lam_max, lam_err = np.full(R, np.nan), np.full(R, np.nan), np.full(R, np.nan)
    kink_slope = np.full(R, np.nan)
    for r in np.flatnonzero((cls == SINGULAR) & finite & kink.any(axis=1)):
        kink_slope[r] = np.nanmin(kink_slopes(W[r], a[r], W_star, a_star, kink[r])[0])
    todo = np.flatnonzero(~diverged & ~zero & ~at0 & (teacher | (status == CONVERGED)))
    found: dict[int, np.ndarray] = {}

    P = W.shape[1] * (W.shape[2] + int(trained))
    size = max(1, HESSIAN_BATCH_BYTES // (8 * P * P))
    chunks = [todo[i:i + size] for i in range(0, todo.size, size)]
    if chunks and len(chunks) < cores(workers):  # at least one chunk per worker
        chunks = [c for c in np.array_split(todo, min(cores(workers), todo.size)) if c.size]

    def one(rs: np.ndarray) -> None:
        ev, err = _spectra(W[rs], a[rs], W_star, a_star, trained)
        lam_min[rs], lam_max[rs], lam_err[rs] = ev[:, 0], ev[:, -1], err
        for r, e, b in zip(rs, ev, err, strict=True):
            if spectra:
                found[int(r)] = e
            if not teacher[r]:
                cls[r] = MINIMUM if e[0] > b else SADDLE if e[0] < -b else DEGENERATE

    with threadpool_limits(limits=1):
        with ThreadPoolExecutor(max_workers=max(1, min(cores(workers), len(chunks)))) as pool:
            list(pool.map(one, chunks))
    return RunEndpoints(cls.astype(str), loss, rel_fn, lam_min, lam_max, lam_err,
                        kink_slope), found
