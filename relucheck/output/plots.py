"""Which plotting function draws which table: ``relucheck plot CSV`` looks the figure up here
by the CSV's stem (its file name without extension)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt

from relucheck.output import fig7
from relucheck.result import Table

PLOTTERS: dict[str, Callable[[Table], plt.Figure]] = {
    "fig7_verify_formula": fig7.plot,
}


def plotter_for(csv_path: Path) -> tuple[str, Callable[[Table], plt.Figure]]:
    """The figure stem and plotting function for a table written by relucheck."""
    stem = Path(csv_path).stem
    for key, fn in PLOTTERS.items():
        if stem == key:
            return key, fn
    raise KeyError(
        f"no figure is drawn from {Path(csv_path).name!r}; relucheck draws figures from "
        + ", ".join(f"{k}.csv" for k in PLOTTERS)
    )
