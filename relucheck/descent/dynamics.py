"""Integrators for the population-gradient dynamics, batched over many runs.

Two views of the same dynamics (Eqn 15, dw/dt = -E[grad J]):

- :func:`gradient_descent`, the paper's vanilla iteration w^{t+1} = w^t - eta E[grad J], on a
  batch of states (B, ...) at once, each run stopping on its own when its gradient norm falls
  below ``gtol``;
- :func:`gradient_flow`, the continuous flow through ``scipy.integrate.solve_ivp``, with the whole
  batch flattened into one ODE state (one vectorised gradient call per stage for all runs).

Both take the gradient as a function of a batch, so they know nothing of a particular network:
``grad(w, index)`` receives the states of the active runs (b, ...) and their positions ``index``
(b,) in the original batch (to look up per-run data such as a teacher), and returns (b, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Gradient = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DescentPath:
    """Outcome of :func:`gradient_descent` for a batch of B runs.

    Attributes
    ----------
    final : (B, ...) state of each run when it stopped.
    steps : (B,) updates each run made (``iters`` unless it stopped early).
    converged : (B,) True where the gradient norm fell below ``gtol``.
    grad_norm : (B,) gradient norm at ``final``.
    record_steps : (R,) iteration numbers of the recorded states (0, k, 2k, ..., last).
    trajectory : (R, b, ...) states of the recorded runs at ``record_steps``; a run that stopped
        repeats its final state.
    """

    final: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    grad_norm: np.ndarray
    record_steps: np.ndarray
    trajectory: np.ndarray


def _norm(g: np.ndarray) -> np.ndarray:
    # A diverging run may overflow here: inf is then its norm, and it is stopped.
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(np.sum(g.reshape(g.shape[0], -1) ** 2, axis=1))


def gradient_descent(
    grad: Gradient,
    w0: np.ndarray,
    lr: float,
    iters: int,
    *,
    gtol: float = 0.0,
    record_every: int = 0,
    record: np.ndarray | None = None,
) -> DescentPath:
    """Vanilla gradient descent w^{t+1} = w^t - lr grad(w^t) on a batch (the paper's update).

    Parameters
    ----------
    grad : callable ``grad(w, index) -> g``
        Gradient for the active runs: ``w`` (b, ...), ``index`` (b,) their batch positions.
    w0 : array (B, ...)
        Initial states; axis 0 is the batch.
    lr : float
        Step size eta > 0.
    iters : int
        Maximum number of updates per run.
    gtol : float
        A run stops (before updating) at the first iterate whose gradient norm, over all its
        coordinates, is below ``gtol``. 0 runs every run for ``iters`` updates.
    record_every : int
        Record the batch every ``record_every`` iterations (and at the last one); 0 records only
        the start and the end.
    record : int array or None
        Positions of the runs to record (None: all), so that a large batch can be integrated
        together with a few runs whose paths are kept, in bounded memory.

    A run that diverges (a non-finite state or gradient, e.g. from a step size beyond the
    stability limit) stops there with ``converged`` False and ``grad_norm`` NaN, so ``grad`` only
    ever sees finite states.
    """
    if not lr > 0:
        raise ValueError("lr: expected a step size > 0")
    if iters < 0:
        raise ValueError("iters: expected >= 0")
    w = np.array(w0, dtype=float, copy=True)
    B = w.shape[0]
    steps = np.full(B, iters, dtype=int)
    converged = np.zeros(B, dtype=bool)
    grad_norm = np.full(B, np.nan)
    active = np.arange(B)
    cur = w.copy()  # the active runs' states, contiguous; scattered back into w when needed
    record = active if record is None else np.asarray(record, dtype=int)
    rec_t, rec_w = [0], [w[record]]
    for t in range(iters + 1):
        if active.size == 0:
            break
        g = grad(cur, active)
        gn = _norm(g)
        done = gn < gtol
        stop = done | ~np.isfinite(gn)
        if np.any(stop):
            converged[active[done]] = True
            steps[active[stop]] = t
            grad_norm[active[stop]] = np.where(done[stop], gn[stop], np.nan)
            w[active[stop]] = cur[stop]
            keep = ~stop
            active, cur, g, gn = active[keep], cur[keep], g[keep], gn[keep]
        if t == iters or active.size == 0:
            grad_norm[active] = gn
            break
        with np.errstate(over="ignore", invalid="ignore"):
            cur = cur - lr * g
        blown = ~np.all(np.isfinite(cur.reshape(active.size, -1)), axis=1)
        if np.any(blown):
            steps[active[blown]] = t + 1
            w[active[blown]] = cur[blown]
            active, cur = active[~blown], cur[~blown]
        if record_every and (t + 1) % record_every == 0:
            w[active] = cur
            rec_t.append(t + 1)
            rec_w.append(w[record])
    w[active] = cur
    last = int(steps.max()) if B else 0
    if rec_t[-1] != last:
        rec_t.append(last)
        rec_w.append(w[record])
    return DescentPath(w, steps, converged, grad_norm, np.array(rec_t), np.stack(rec_w))


@dataclass(frozen=True)
class Flow:
    """Outcome of :func:`gradient_flow`: states ``w`` (T, B, ...) at times ``t`` (T,)."""

    t: np.ndarray
    w: np.ndarray
    nfev: int


def gradient_flow(
    grad: Gradient,
    w0: np.ndarray,
    t_end: float,
    *,
    t_eval: np.ndarray | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
) -> Flow:
    """Integrate the gradient flow dw/dt = -grad(w) (Eqn 15) for a batch, from t = 0 to t_end.

    The batch (B, ...) is flattened into one ODE state, so every right-hand-side call is one
    vectorised ``grad`` call on all runs. The adaptive step is shared by all runs: the error
    control is the strictest run's, which only makes the others more accurate.

    Raises RuntimeError if the integrator fails (e.g. a run reaches the singularity w_j = 0).
    """
    from scipy.integrate import solve_ivp  # imported here: slow to import

    w0 = np.asarray(w0, dtype=float)
    shape = w0.shape
    index = np.arange(shape[0])

    def rhs(_t, z):
        return -grad(z.reshape(shape), index).ravel()

    sol = solve_ivp(rhs, (0.0, float(t_end)), w0.ravel(), method=method, t_eval=t_eval,
                    rtol=rtol, atol=atol)
    if sol.status != 0:
        raise RuntimeError(f"gradient flow failed: {sol.message}")
    w = sol.y.T.reshape((sol.t.size, *shape))
    return Flow(sol.t, w, int(sol.nfev))
