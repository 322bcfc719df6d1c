"""relucheck: checked reproductions of Tian (ICML 2017), "An Analytical Formula of Population
Gradient for two-layered ReLU network and its Applications in Convergence and Critical Point
Analysis".

Layers (imports point down only; docs/design.md, "Layers"): ``theory`` (closed forms),
``sampling`` (random inputs, Monte Carlo, statistics) and ``runtime`` (workers, progress,
memory, clusters); ``descent`` (descent, flow and endpoints) and ``proofs`` (interval proofs);
``experiments`` (one module per command, returning a Result) and ``output`` (writers, figures,
the checks of the committed figures); ``runner`` (``relucheck.run``: a command run, drawn and
published as the command line does it); ``cli`` (the click shell over the runner).

The public library API (docs/api.md) is re-exported here from :mod:`relucheck.api`::

    import numpy as np
    import relucheck as rc
    W_star = np.eye(3)
    G = rc.population_gradient(2 * W_star, W_star)      # Eqn 8
    ends = rc.classify(rc.train(W_star + 0.1, W_star))  # the census engine and its classifier
    result = rc.run("ssb-2d", "out", quick=True)       # a command, as `relucheck ssb-2d` runs it

Names are loaded on first use (PEP 562), so ``import relucheck`` imports neither numpy nor
numba, click or matplotlib; the compiled engine loads only when ``train`` is first called.
"""

import importlib as _importlib

from relucheck._public import NAMES as _NAMES

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (4 ms)

__version__ = "0.1.0"

#: The public API (docs/api.md), all reachable from relucheck.api; the list is relucheck._public's.
__all__ = ["__version__", *_NAMES]
_API = {name: "relucheck.api" for name in _NAMES}
#: Subpackages, also reachable as attributes without an explicit import.
_SUBPACKAGES = ("api", "cli", "descent", "experiments", "output", "proofs", "runtime", "sampling",
                "theory")

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from relucheck.api import *  # noqa: F403


def __getattr__(name: str):
    if name in _API:
        value = getattr(_importlib.import_module(_API[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names and subpackages, and the module's own dunders; not the helpers above
    return sorted({n for n in globals() if n.startswith("__")} | set(__all__)
                  | set(_SUBPACKAGES))
