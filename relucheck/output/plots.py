"""Which plotting function draws which figure. A figure is drawn from the tables its command
wrote, read back from CSV, so ``relucheck plot <stem>.csv`` redraws it without recomputing.

Each entry maps a stem to ``draw(tables) -> Figure`` where ``tables['main']`` is <stem>.csv and
``tables[name]`` is <stem>_<name>.csv for the sibling tables listed with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from relucheck.output import (
    census,
    conjecture1_certify,
    conjecture1_grid,
    conjecture2,
    families,
    init_prob,
    noise_sweep,
    ssb_2d,
    verify_formula,
)
from relucheck.output.writers import read_csv
from relucheck.result import Table


@dataclass(frozen=True)
class Entry:
    draw: Callable[[dict[str, Table]], Figure]
    siblings: tuple[str, ...] = ()


FIGURES: dict[str, Entry] = {
    "fig7_verify_formula": Entry(lambda t: verify_formula.plot(t["main"])),
    "fig8_ssb_2d": Entry(lambda t: ssb_2d.plot(t["main"])),
    "fig9_noise_sweep": Entry(noise_sweep.plot, siblings=("curves",)),
    "fig10_conjecture1_grid": Entry(lambda t: conjecture1_grid.plot(t["main"])),
    "fig10_conjecture1_certificate": Entry(lambda t: conjecture1_certify.plot(t["main"])),
    "thm6_init_prob": Entry(lambda t: init_prob.plot(t["main"])),
    "census": Entry(census.plot, siblings=("families", "runs")),
    "conjecture2": Entry(lambda t: conjecture2.plot(t["main"])),
    "families": Entry(families.plot, siblings=("spectrum", "birth", "near_birth", "split")),
}


def read_tables(csv_path: Path, siblings: tuple[str, ...] = ()) -> dict[str, Table]:
    """The main table and the named sibling tables (<stem>_<name>.csv beside it)."""
    csv_path = Path(csv_path)
    tables = {"main": read_csv(csv_path)}
    for name in siblings:
        sib = csv_path.with_name(f"{csv_path.stem}_{name}.csv")
        if not sib.exists():
            raise FileNotFoundError(f"{sib.name} is needed beside {csv_path.name} to draw it")
        tables[name] = read_csv(sib)
    return tables


def figure_for(csv_path: Path) -> tuple[str, Entry]:
    """The figure stem and entry for a table written by relucheck (found by its file name)."""
    stem = Path(csv_path).stem
    if stem in FIGURES:
        return stem, FIGURES[stem]
    raise KeyError(
        f"no figure is drawn from {Path(csv_path).name!r}; relucheck draws figures from "
        + ", ".join(f"{k}.csv" for k in FIGURES)
    )


def draw(csv_path: Path) -> tuple[str, Figure]:
    """Read a figure's tables from CSV and draw it."""
    stem, fig = figure_for(csv_path)
    return stem, fig.draw(read_tables(csv_path, fig.siblings))
