"""Numerics layer: Monte Carlo estimators, statistics, integrators (seeded, chunked, batched).

The reusable pieces are listed in ``__all__`` and re-exported here lazily (PEP 562): importing
one submodule, or this package, does not load the compiled kernels (numba) or scipy until a name
that needs them is used. The library's front door is :mod:`relucheck.api` (docs/api.md).
"""

import importlib

#: Public name -> the submodule that defines it.
_EXPORTS = {
    # the census engine (docs/math.md section 9) and its endpoint classes (section 7)
    # (the engine itself is relucheck.numerics.train.train: a name ``train`` here would clash
    # with the submodule of that name; relucheck.train wraps it)
    "Descent": "train", "Runs": "train", "newton_polish": "train",
    "classify_runs": "endpoints", "RunEndpoints": "endpoints", "CLASSES": "endpoints",
    "TEACHER_TOL": "endpoints",
    # integrators of Eqn 15 for any batched gradient, and the one-ReLU flow in its plane
    "gradient_descent": "dynamics", "gradient_flow": "dynamics",
    "integrate_planar": "one_relu_flow",
    # Monte Carlo counterparts (docs/math.md section 3) and random starts (Theorem 6)
    "sampled_F": "montecarlo", "sample_inputs": "sampling", "uniform_sphere": "sampling",
    "pairs_at_angles": "sampling", "uniform_ball": "ball",
    # comparing students with the teacher, finite-difference checks, statistics
    "Network": "network", "match_rows": "matching", "relative_error": "matching",
    "fd_hessian": "hessian", "fd_derivatives": "fdcheck", "find_families": "families",
    "wilson_interval": "stats", "fit_line": "stats",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
