"""Closed forms of the paper as pure functions of numpy arrays: no I/O, no printing, no
randomness; every function broadcasts over leading batch axes.

Angles and the kernel
    h, angle, cos_sin_angle, unit -- h(t) = (pi - t) cos t + sin t (Section 5.2) and angles
    between rows, accurate to rounding at every t
    arccos_kernel -- E[relu(u . x) relu(v . x)] = |u| |v| h(t) / (2 pi), behind the loss

The gating expectation (Theorem 1)
    expected_F -- E[F(e, w)] of Eqn 5

The loss and its derivatives
    population_loss -- J (Eqn 2)
    gradient_K, gradient_a -- the population gradient in W (Eqn 8) and in the top weights a
    gradient_one_relu -- the one-ReLU gradient (Eqn 6)
    population_hessian, population_hessian_packed, hessian_eigen_error -- the analytic Hessian
    in W or in [W | a], and a bound on the float64 error of its eigenvalues

Critical points (Section 5; Conjecture 1)
    L_matrix, DependentUnitsError -- the K x K matrix of L_{jj'} (Eqn 14), refused where M_r is
    numerically singular
    M_r, m_jj, m_star_jj, L_jj -- the pieces of Eqns 11 to 14
    L_plane -- (L12, L21) for K = 2 in the plane, without cancellation as a -> 0

Random initialisation (Theorem 6)
    omega_probability, theorem6_radius, theorem6_bound -- the exact P(w0 in Omega), the radius
    and the bound (1 - eps) / 2 of the theorem

Not re-exported: the submodule ``symmetric``, Theorem 7's reduced 2D dynamics (Eqns 17-18).
"""

from relucheck.theory.angles import angle, cos_sin_angle, h, unit
from relucheck.theory.critical import L_jj, L_plane, M_r, m_jj, m_star_jj
from relucheck.theory.gating import expected_F
from relucheck.theory.gradient import (
    gradient_a,
    gradient_K,
    gradient_one_relu,
    population_loss,
)
from relucheck.theory.hessian import (
    hessian_eigen_error,
    population_hessian,
    population_hessian_packed,
)
from relucheck.theory.init_prob import omega_probability, theorem6_bound, theorem6_radius
from relucheck.theory.kernel import arccos_kernel
from relucheck.theory.lmatrix import DependentUnitsError, L_matrix

__all__ = [
    "DependentUnitsError",
    "L_jj",
    "L_matrix",
    "L_plane",
    "M_r",
    "angle",
    "arccos_kernel",
    "cos_sin_angle",
    "expected_F",
    "gradient_K",
    "gradient_a",
    "gradient_one_relu",
    "h",
    "hessian_eigen_error",
    "m_jj",
    "m_star_jj",
    "omega_probability",
    "population_hessian",
    "population_hessian_packed",
    "population_loss",
    "theorem6_bound",
    "theorem6_radius",
    "unit",
]
