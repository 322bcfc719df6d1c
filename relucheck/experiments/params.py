"""What every experiment's ``Params.validate`` shares: no float parameter may be inf or nan.

The CLI rejects such values while parsing (``relucheck.cli.common.FiniteFloat``); this is the
same rule for parameters that arrive by any other route (the Python API, ``run(params)``), so a
non-finite value never reaches the arithmetic, where ``nan < x`` is False and ``inf > 0`` is
True and range checks written as comparisons would let it through.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def require_finite(params: Any) -> None:
    """Raise ValueError ``"<field>: expected finite numbers (got <value>)"`` for the first field
    of the dataclass ``params`` that is, or is a tuple/list holding, an inf or nan float."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        for x in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(x, (float, np.floating)) and not math.isfinite(x):
                raise ValueError(f"{f.name}: expected finite numbers (got {float(x)!r})")
