"""Where a run of gradient descent ended (MATH.md section 7): the teacher, a spurious local
minimum, a saddle, a degenerate critical point, or nowhere yet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.numerics.hessian import fd_hessian
from relucheck.numerics.matching import relative_error
from relucheck.numerics.network import Network

TEACHER = "teacher"
MINIMUM = "spurious_minimum"
SADDLE = "saddle"
DEGENERATE = "degenerate"  # critical, but the smallest eigenvalue is within the FD error of 0
SINGULAR = "singular"  # a unit is collapsing onto w_j = 0, where J is not differentiable
NOT_CONVERGED = "not_converged"
CLASSES = (TEACHER, MINIMUM, SADDLE, DEGENERATE, SINGULAR, NOT_CONVERGED)


def near_singularity(net: Network, theta: np.ndarray, lr: float) -> np.ndarray:
    """True where a step of size ``lr`` is too long for the curvature near w_j = 0 (batch (B,)).

    Eqn 8 depends on w_j through e_j = w_j/|w_j|, and de_j/dw_j = (I - e_j e_j^T)/|w_j|: the
    tangential curvature of J in w_j grows like L_j = c |a_j| S_j / |w_j| as w_j -> 0, with
    S_j = sum_k |a_k| |w_k| + sum_k |a*_k| |w*_k| (the vectors gated by e_j in Eqn 8) and
    c = (pi + 1)/(2 pi) (the largest coefficient of Eqn 5). The descent lemma guarantees that a
    step decreases J only while lr L < 2, i.e. |w_j| > lr c |a_j| S_j / 2. Below that the step
    is too long for the curvature of the singularity of Eqn 6, where the flow (Eqn 15) and its
    monotone loss (Eqn 16) are not defined: e_j then oscillates instead of following the flow.
    L_j is the leading term of the curvature near 0, an estimate rather than a proven bound,
    which is why the check reports how many steps it set aside.
    """
    W, a = net.split(theta)
    nw = np.linalg.norm(W, axis=-1)  # (B, K)
    S = (np.sum(np.abs(a) * nw, axis=-1, keepdims=True)
         + np.sum(np.abs(net.a_star) * np.linalg.norm(net.W_star, axis=-1)))
    c = (np.pi + 1) / (2 * np.pi)
    return np.any(nw < lr * c * np.abs(a) * S / 2, axis=-1)


@dataclass(frozen=True)
class Endpoints:
    cls: np.ndarray  # (B,) one of CLASSES
    rel_err: np.ndarray  # weights, up to permutation
    rel_fn_err: np.ndarray  # sqrt(J / (E[g*^2]/2)): the function's relative L2 error
    loss: np.ndarray
    grad_norm: np.ndarray
    lam_min: np.ndarray  # smallest Hessian eigenvalue (NaN where not computed)
    lam_err: np.ndarray  # its finite-difference error bound
    spectra: dict[int, np.ndarray]  # run -> Hessian eigenvalues, for critical points


def relative_errors(net: Network, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight error up to permutation (restricted to equal top weights when a is fixed) and the
    function error sqrt(J / J(0)), J(0) = E[g*^2] / 2 being the loss of the zero network."""
    W, _ = net.split(theta)
    if judged_by_function(net):
        rel = relative_error(W, net.W_star)
    else:
        rel = relative_error(W, net.W_star, net.a, net.a_star)
    J0 = net.loss(net.pack(0 * net.W_star[None], 0 * net.a_star[None] if net.trained else None))
    return rel, np.sqrt(net.loss(theta) / J0)


def judged_by_function(net: Network) -> bool:
    """Weights can equal the teacher's only when the top layer is fixed at a = a*; otherwise
    (trained, or fixed at other values) the student matches at best up to a_j relu(w_j . x) =
    (a_j / c) relu(c w_j . x), so reaching the teacher is judged by the function (the loss)."""
    return net.trained or not np.array_equal(net.a, net.a_star)


def classify(net: Network, theta: np.ndarray, grad_norm: np.ndarray, *, gtol: float,
             teacher_tol: float, lr: float, h: float = 1e-5) -> Endpoints:
    """Classify each run's final parameters theta (B, K, cols).

    Teacher: the weights are within ``teacher_tol`` relative error up to permutation (top layer
    fixed at a = a*), or the function is (see :func:`judged_by_function`). Otherwise a run whose
    gradient norm is below ``gtol`` is a critical point, classified by the Hessian of J (central
    differences of the analytic gradient, with the rescaling directions projected out when a is
    trained): a minimum if its smallest eigenvalue exceeds the FD error bound, a saddle if it is
    below minus the bound, degenerate in between. A run that is neither and whose step is too
    long for the curvature near w_j = 0 (:func:`near_singularity`) is singular (a unit is
    collapsing onto the singularity of Eqn 6); the rest have not converged.
    """
    B = theta.shape[0]
    rel, rel_fn = relative_errors(net, theta)
    reached = (rel_fn if judged_by_function(net) else rel) < teacher_tol
    critical = ~reached & (grad_norm < gtol)
    cls = np.where(reached, TEACHER, NOT_CONVERGED).astype(object)
    cls[~reached & ~critical & near_singularity(net, theta, lr)] = SINGULAR
    lam_min = np.full(B, np.nan)
    lam_err = np.full(B, np.nan)
    spectra: dict[int, np.ndarray] = {}
    idx = np.flatnonzero(critical)
    if idx.size:
        shape = theta.shape[1:]
        H, err = fd_hessian(lambda x: net.grad(x.reshape(-1, *shape)).reshape(x.shape[0], -1),
                            theta[idx].reshape(idx.size, -1), h)
        V = net.symmetry_directions(theta[idx])
        for n, b in enumerate(idx):
            Hn = H[n]
            if V.shape[1]:
                # orthonormal basis of the complement of the symmetry tangents
                q, _ = np.linalg.qr(np.concatenate([V[n].T, np.eye(Hn.shape[0])], axis=1))
                Q = q[:, V.shape[1]:]
                Hn = Q.T @ Hn @ Q
            ev = np.linalg.eigvalsh(Hn)
            spectra[int(b)] = ev
            lam_min[b], lam_err[b] = ev[0], err[n]
            cls[b] = MINIMUM if ev[0] > err[n] else SADDLE if ev[0] < -err[n] else DEGENERATE
    return Endpoints(cls.astype(str), rel, rel_fn, net.loss(theta), grad_norm, lam_min, lam_err,
                     spectra)
