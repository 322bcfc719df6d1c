"""Redraw every figure of a folder from its CSVs alone and compare the bytes with its PNG and PDF.

The figures are promised to be a function of the tables (docs/design.md: `relucheck plot` redraws
them byte for byte). This checks the promise on a whole folder, e.g. the committed figures/: a
figure that differs was drawn from other tables, or by other plotting code or matplotlib.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def redraw_differences(folder: Path) -> list[str]:
    """Each figure of ``folder`` whose PNG or PDF is not what its CSVs draw (empty: all are)."""
    from relucheck.output.plots import FIGURES, draw
    from relucheck.output.style import save_figure

    folder = Path(folder)
    out = []
    with tempfile.TemporaryDirectory(prefix="relucheck-redraw-") as tmp:
        for stem in FIGURES:
            csv = folder / f"{stem}.csv"
            if not csv.exists():
                continue  # a folder without that command's output (e.g. without python-flint)
            try:
                _, fig = draw(csv)
                written = save_figure(fig, Path(tmp), stem)
            except Exception as exc:  # a defect of the tables: report it, check the others
                if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                    raise
                out.append(f"{stem}: cannot be redrawn from its CSVs: "
                           f"{exc.__class__.__name__}: {exc}")
                continue
            for path in written:
                committed = folder / path.name
                if not committed.exists():
                    out.append(f"{path.name}: missing beside {csv.name}")
                elif committed.read_bytes() != path.read_bytes():
                    out.append(f"{path.name}: redrawn from {csv.name}, its bytes differ "
                               f"({committed.stat().st_size} committed, "
                               f"{path.stat().st_size} redrawn)")
    return out
