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

from matplotlib import ticker
from matplotlib.figure import Figure

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
    "figure.dpi": 150,  # the PNG's: the layout's text measurements are reused by its save
}

#: Colours by role, so a distribution or K has the same colour in every figure.
COLORS = {
    "gaussian": "#1f77b4",
    "uniform": "#d62728",
    "reference": "#555555",
    "bias": "#2ca02c",
}


_SUPERSCRIPT = str.maketrans("0123456789-−+.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻⁺·")


class SuperscriptLogFormatter(ticker.LogFormatterSciNotation):
    """Log-axis tick labels as plain text with Unicode superscripts (10⁻³, 2×10⁻³).

    The same labels as matplotlib's default, without mathtext: a mathtext label is parsed (in
    pure Python) once per label and resolution, which for a figure with several log axes is
    most of the time of a save (0.7 s of the census figure's 2.5 s). DejaVu Sans has every glyph.
    """

    def __call__(self, x, pos=None):
        text = super().__call__(x, pos)  # e.g. "$\\mathdefault{2\\times10^{-3}}$" or ""
        if not text.startswith("$"):
            return text
        body = text.strip("$").replace("\\mathdefault", "").replace("\\times", "×")
        base, _, power = body.partition("^")
        return base.strip("{}") + power.strip("{}").translate(_SUPERSCRIPT)


def log_axis(ax, which: str = "y") -> None:
    """Put the x or y axis of ``ax`` on a log scale, with :class:`SuperscriptLogFormatter`."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(SuperscriptLogFormatter())
    axis.set_minor_formatter(SuperscriptLogFormatter(labelOnlyBase=False))


def subplots(nrows: int, ncols: int, **kwargs):
    """A new Figure and its axes, as ``pyplot.subplots`` but without pyplot: figures here are
    only ever saved, and pyplot's import (backends, global state) costs half a second."""
    fig_kw = {k: kwargs.pop(k) for k in ("figsize", "constrained_layout") if k in kwargs}
    fig = Figure(**fig_kw)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def warm_up() -> None:
    """Draw a small throwaway figure in the paper style to PNG and PDF in memory.

    The first save of a process pays for imports (the PDF backend, PIL's PNG writer, fontTools
    for the embedded TrueType subset) and for loading the font; the CLI calls this on a thread
    while a command computes (relucheck.cli.common.run_and_write), when nothing else uses
    matplotlib, so that the real figure is saved warm. The paper style is set for the warm-up
    only (``rc_context``), which is why nothing else may draw meanwhile."""
    import io

    with paper_style():
        fig, ax = subplots(1, 1, figsize=(1.5, 1.0))
        ax.plot([1.0, 10.0], [1.0, 2.0], "o-", label="x")
        log_axis(ax, "x")
        ax.set_title("(a) x")
        ax.set_xlabel("x")
        ax.legend()
        for fmt in ("png", "pdf"):
            fig.savefig(io.BytesIO(), format=fmt, dpi=30)


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    with matplotlib.rc_context(PAPER_RC):
        yield


def save_figure(fig: Figure, out: Path, stem: str) -> list[Path]:
    """Write <stem>.png (150 dpi, for the README) and <stem>.pdf (vector), atomically.

    The figure is drawn once here: its layout engine (constrained layout) runs once and is then
    removed, and the tight bounding box is measured once and given to both saves. Otherwise each
    save redoes the layout and draws twice for the box, and the text measurements behind both
    (tick labels) are most of the time of a save. The engine is removed outright (None), not
    replaced by the placeholder that ``set_layout_engine("none")`` leaves behind: with any
    engine present, ``savefig`` draws the whole figure once more before each save (0.2 s each
    for the census figure), which changes no pixel.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    if fig.get_layout_engine() is not None:
        canvas.draw()  # runs the layout (a figure laid out by hand needs no draw here)
    # None means "as the rcParams say": pin them, so that a user's matplotlibrc asking for
    # autolayout cannot bring a layout engine back.
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    box = fig.get_tightbbox(canvas.get_renderer()).padded(PAPER_RC["savefig.pad_inches"])
    paths = []
    for ext, kwargs in (
        ("png", {"dpi": 150, "metadata": {"Software": None}}),
        ("pdf", {"metadata": {"CreationDate": None, "ModDate": None, "Producer": None,
                              "Creator": "relucheck"}}),
    ):
        path = Path(out) / f"{stem}.{ext}"
        atomic_write(path, lambda tmp, ext=ext, kw=kwargs: fig.savefig(
            tmp, format=ext, bbox_inches=box, **kw))
        paths.append(path)
    return paths
