"""Gradient flow of one ReLU (Eqn 6) for a batch of initialisations, as 2D states (x, y) in the
plane of w0 and w* = (1, 0), all integrated together, each with its own step size.

A run is *converged* when an accepted step ends in the forward-invariant trap
{|w - w*| < 1/2, J(w) < J_rho} before ``t_max``: a certificate (LaSalle), independent of Omega
and Theorem 5 (docs/math.md section 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.theory.angles import h

#: Radius of the trap around w* (|w*| = 1); must be < 1 so that the trap excludes the origin.
TRAP_RADIUS = 0.5


def planar_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eqn 6 (N = 1) at w = (x, y) with w* = (1, 0): the components of E[grad J].

    E[grad J] = 1/2 (w - w*) + 1/(2 pi) (t w* - |w*| sin(t) / |w| w), t = angle(w, w*). In the
    plane t = |atan2(y, x)| (accurate for every t, no arccos) and sin(t) / |w| = |y| / |w|^2.
    Equal to relucheck.theory.gradient_one_relu on 2D states (tested to 1e-12); written out here
    because it is the integrator's inner loop (7 calls per step over every run) and the generic
    form, with its normalisations and half-angle norms, makes the whole integration ~3x slower.
    """
    n2 = x * x + y * y
    t = np.abs(np.arctan2(y, x))
    k = np.abs(y) / n2
    two_pi = 2.0 * np.pi
    return 0.5 * (x - 1.0) + (t - k * x) / two_pi, 0.5 * y - k * y / two_pi


def planar_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Population loss J (Eqn 2, N = 1) at w = (x, y), w* = (1, 0), through the arc-cosine kernel:

    J = 1/2 [|w|^2 / 2 - |w| h(t) / pi + 1/2] (docs/math.md section 2 with K = 1).
    """
    n = np.hypot(x, y)
    t = np.abs(np.arctan2(y, x))
    return 0.5 * (0.5 * n * n - n * h(t) / np.pi + 0.5)


def trap_level(rho: float = TRAP_RADIUS, points: int = 1 << 14) -> float:
    """A rigorous lower bound of J on the circle |w - w*| = rho (0 < rho < 1).

    The minimum over ``points`` angles psi in [0, pi] (J is symmetric in y) minus the most J can
    dip between grid points: |dJ/dpsi| <= rho |grad J| and |grad J| <= rho/2 + (pi + 1)/(2 pi)
    on the circle (Eqn 6: |t w* - sin(t) w/|w|| <= pi + 1), times half the grid spacing.
    """
    if not 0 < rho < 1:
        raise ValueError(f"rho: expected 0 < rho < 1, got {rho}")
    psi = np.linspace(0.0, np.pi, points)
    J = planar_loss(1.0 + rho * np.cos(psi), rho * np.sin(psi))
    lipschitz = rho * (rho / 2 + (np.pi + 1) / (2 * np.pi))
    return float(J.min() - lipschitz * 0.5 * (psi[1] - psi[0]))


# Dormand-Prince 5(4) tableau (the pair behind scipy's RK45), FSAL.
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def _combine(z: np.ndarray, hstep: np.ndarray, coeffs: tuple, K: list) -> np.ndarray:
    acc = np.zeros_like(z)
    for c, k in zip(coeffs, K, strict=False):
        if c:
            acc += c * k
    return z + hstep * acc


def _field(z: np.ndarray) -> np.ndarray:
    gx, gy = planar_gradient(z[0], z[1])
    return -np.stack([gx, gy])


@dataclass(frozen=True)
class FlowResult:
    """Outcome per run: ``converged`` (entered the trap by ``t_max``), the time it did (NaN if
    not), the state where integration stopped, and the accepted steps taken."""

    converged: np.ndarray
    t_converged: np.ndarray
    x: np.ndarray
    y: np.ndarray
    steps: np.ndarray


def integrate_planar(
    x0: np.ndarray,
    y0: np.ndarray,
    t_max: float = 100.0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    rho: float = TRAP_RADIUS,
    stop_in_trap: bool = True,
    max_iter: int = 20_000,
) -> FlowResult:
    """Integrate dw/dt = -E[grad J] (Eqn 6) from each (x0, y0), every run with its own step.

    Dormand-Prince 5(4) with per-run error control (mixed tolerance atol + rtol |z|, RMS over the
    two coordinates). A run stops when it enters the trap (docs/math.md section 5; with
    ``stop_in_trap=False`` it runs on to ``t_max``, for comparisons with a reference solution)
    or at ``t_max``. Runs that stop are dropped from the working arrays.
    """
    x0 = np.asarray(x0, dtype=float)
    y0 = np.asarray(y0, dtype=float)
    n0 = np.hypot(x0, y0)
    if np.any(~(n0 > 0)) or np.any(~np.isfinite(n0)):
        raise ValueError("w0: every initial point must be nonzero and finite (Eqn 6 is "
                         "undefined at w = 0)")
    M = x0.size
    J_rho = trap_level(rho)
    z_out = np.stack([x0.ravel(), y0.ravel()])
    t_conv = np.full(M, np.nan)
    steps = np.zeros(M, dtype=np.int64)

    act = np.arange(M)
    z = z_out.copy()
    t = np.zeros(M)
    # The angular speed is ~ 1/(2 |w|): start with steps a tenth of |w0|, then adapt.
    hs = np.clip(0.1 * n0.ravel(), 1e-12, 0.5)
    k1 = _field(z)
    for _ in range(max_iter):
        if act.size == 0:
            break
        hstep = np.minimum(hs, t_max - t)
        K = [k1]
        for s in range(1, 7):
            K.append(_field(_combine(z, hstep, _A[s], K)))
        z_new = _combine(z, hstep, _A[6], K)
        err = _combine(np.zeros_like(z), hstep, _E, K)
        scale = atol + rtol * np.maximum(np.abs(z), np.abs(z_new))
        en = np.sqrt(0.5 * np.sum((err / scale) ** 2, axis=0))
        ok = en <= 1.0
        hs = hstep * np.clip(0.9 * np.maximum(en, 1e-10) ** -0.2, 0.2, 5.0)
        z = np.where(ok, z_new, z)
        t = np.where(ok, t + hstep, t)
        k1 = np.where(ok, K[6], k1)
        steps[act] += ok

        dx = z[0] - 1.0
        near = ok & (dx * dx + z[1] ** 2 < rho * rho)
        trapped = np.zeros_like(ok)
        trapped[near] = planar_loss(z[0, near], z[1, near]) < J_rho
        newly = trapped & np.isnan(t_conv[act])
        t_conv[act[newly]] = t[newly]
        done = (t >= t_max) | (trapped if stop_in_trap else False)
        if np.any(done):
            z_out[:, act[done]] = z[:, done]
            keep = ~done
            act, z, t, hs, k1 = act[keep], z[:, keep], t[keep], hs[keep], k1[:, keep]
    if act.size:  # max_iter reached: record where the unfinished runs are
        z_out[:, act] = z
    return FlowResult(np.isfinite(t_conv).reshape(x0.shape), t_conv.reshape(x0.shape),
                      z_out[0].reshape(x0.shape), z_out[1].reshape(x0.shape),
                      steps.reshape(x0.shape))
