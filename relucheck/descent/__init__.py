"""Gradient descent and flow on the population loss, and where they end.

Running descent
    train.train(..., cfg=DescentConfig()) -> Runs -- the census engine: compiled descent of Eqn 8
    for many runs (the submodule ``train``), with Newton polishing near strict minima
    (newton_polish; docs/math.md section 9)
    gradient_descent -> DescentPath, gradient_flow -> Flow -- integrators of Eqn 15 for any
    batched gradient
    integrate_planar -- the one-ReLU flow of Eqn 6 in its plane (Theorems 5 and 6)
    Network -- the loss, gradient and Hessian of one packed parameter array

Where a run ended
    classify_runs, RunEndpoints, CLASSES, TEACHER_TOL -- endpoint classes (docs/math.md
    section 7)
    match_rows, relative_error -- a student against the teacher up to permutation
    find_families, symmetric_distance -- endpoints grouped up to the problem's symmetry
    isotropy -- the isotropy group of a point, read off up to a tolerance

The compiled kernels (numba) live in the private ``_kernels`` and load on first use.
"""

from relucheck._lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "DescentConfig": "train", "Runs": "train", "newton_polish": "train",
    "classify_runs": "endpoints", "RunEndpoints": "endpoints", "CLASSES": "endpoints",
    "TEACHER_TOL": "endpoints",
    "gradient_descent": "dynamics", "gradient_flow": "dynamics", "DescentPath": "dynamics",
    "Flow": "dynamics",
    "integrate_planar": "one_relu_flow",
    "Network": "network",
    "match_rows": "matching", "relative_error": "matching",
    "find_families": "symmetry", "symmetric_distance": "symmetry", "isotropy": "symmetry",
})
