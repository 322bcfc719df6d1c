"""Theory layer: closed forms of the paper as pure functions of numpy arrays.

No I/O, no printing, no randomness. Every function broadcasts over leading batch axes.
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
