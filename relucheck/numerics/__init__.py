"""Deprecated: the names once exported here now live in :mod:`relucheck.descent`,
:mod:`relucheck.sampling` and :mod:`relucheck.finite_differences`. This shim keeps
``relucheck.numerics.<name>`` working, with a DeprecationWarning, for one release. ``Descent``
(the configuration of ``train``) is now :class:`relucheck.descent.DescentConfig`."""

import importlib
import warnings

#: Old name -> (new module, new name) where the name changed too.
_RENAMED = {"Descent": ("relucheck.descent", "DescentConfig")}

_MOVED = {
    **dict.fromkeys(["Runs", "newton_polish", "classify_runs", "RunEndpoints",
                     "CLASSES", "TEACHER_TOL", "gradient_descent", "gradient_flow",
                     "integrate_planar", "Network", "match_rows", "relative_error",
                     "find_families"], "relucheck.descent"),
    **dict.fromkeys(["sampled_F", "sample_inputs", "uniform_sphere", "pairs_at_angles",
                     "uniform_ball", "wilson_interval", "fit_line"], "relucheck.sampling"),
    **dict.fromkeys(["fd_hessian", "fd_derivatives"], "relucheck.finite_differences"),
}

__all__ = sorted([*_MOVED, *_RENAMED])


def __getattr__(name: str):
    if name in _RENAMED:
        module, new = _RENAMED[name]
        warnings.warn(f"relucheck.numerics.{name} is now {module}.{new}; the old name goes in "
                      "the next release", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(module), new)
    if name in _MOVED:
        warnings.warn(f"relucheck.numerics.{name} moved to {_MOVED[name]}.{name}; the old path "
                      "goes in the next release", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
