"""One matplotlib style for every paper figure, and byte-reproducible saving.

PDFs embed TrueType fonts (fonttype 42, editable in Illustrator, accepted by publishers) and carry
no creation date, so identical inputs give identical bytes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from relucheck.output.writers import atomic_write

#: Full text width of a two-column paper (ICML), in inches.
TEXT_WIDTH = 6.75

PAPER_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "legend.frameon": False,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "relucheck",
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "figure.dpi": 100,
}

#: Colours by role, so a distribution or K has the same colour in every figure.
COLORS = {
    "gaussian": "#1f77b4",
    "uniform": "#d62728",
    "reference": "#555555",
    "bias": "#2ca02c",
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    with matplotlib.rc_context(PAPER_RC):
        yield


def save_figure(fig: matplotlib.figure.Figure, out: Path, stem: str) -> list[Path]:
    """Write <stem>.png (200 dpi, for the README) and <stem>.pdf (vector), atomically."""
    paths = []
    for ext, kwargs in (
        ("png", {"dpi": 200, "metadata": {"Software": None}}),
        ("pdf", {"metadata": {"CreationDate": None, "ModDate": None, "Producer": None,
                              "Creator": "relucheck"}}),
    ):
        path = Path(out) / f"{stem}.{ext}"
        atomic_write(path, lambda tmp, ext=ext, kw=kwargs: fig.savefig(tmp, format=ext, **kw))
        paths.append(path)
    plt.close(fig)
    return paths
