"""The certificate of Conjecture 1 (``conjecture1-grid --certify``), drawn from its CSV.

(a) every box of the certificate over (phi, a), a on a log scale so that the collapsing cone
stays visible, coloured by what certifies it; (b) boxes per unit of log a, inside and outside
the cone: the cost of pushing a_min toward 0.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from relucheck.output.fig10 import PI_TICKS
from relucheck.output.style import TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table

FILL = {"in": "#c6dbef", "out": "#fcbba1", "slope": "#636363", "uncertified": "#000000"}


def _phi(region: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """phi = x a inside the cone, a + x (2 pi - a) outside."""
    return np.where(region == "in", x * a, a + x * (2 * np.pi - a))


def _boxes(ax, t: Table) -> None:
    r = t["region"]
    corners = [(t["a_lo"], t["x_lo"]), (t["a_lo"], t["x_hi"]), (t["a_hi"], t["x_hi"]),
               (t["a_hi"], t["x_lo"])]
    verts = np.stack([np.column_stack([_phi(r, a, x), a]) for a, x in corners], axis=1)
    colour = np.where(r == "in", FILL["in"], FILL["out"]).astype(object)
    colour[t["method"] == "slope"] = FILL["slope"]
    colour[t["certified"] != 1] = FILL["uncertified"]
    ax.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="#ffffff",
                                     linewidths=0.08, rasterized=True))
    a_min, a_max = float(t["a_lo"].min()), float(t["a_hi"].max())
    a = np.geomspace(a_min, a_max, 200)
    ax.plot(a, a, color="k", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlim(0, 2 * np.pi)
    ax.set_ylim(a_min, a_max)
    ax.set_xticks(*PI_TICKS)
    ax.set_xlabel(r"$\phi$ (angle of $\mathbf{e}^*$)")
    ax.set_ylabel(r"$a = \theta_2^1$")
    ax.grid(False)
    ax.set_title(rf"(a) {len(r):,} certified boxes" if np.all(t["certified"] == 1)
                 else f"(a) {int(np.sum(t['certified'] != 1))} uncertified boxes (black)")
    handles = [Patch(color=FILL["in"], label=r"$L > 0$ (value)"),
               Patch(color=FILL["out"], label=r"$L < 0$ (value)"),
               Patch(color=FILL["slope"], label=r"on $\phi = 0, a$ (slope)"),
               Line2D([], [], color="k", lw=0.6, label=r"$\phi = a$")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
              columnspacing=1.0, handlelength=1.2)


def _density(ax, t: Table) -> None:
    a_min, a_max = float(t["a_lo"].min()), float(t["a_hi"].max())
    edges = np.geomspace(a_min, a_max, 25)
    centre = np.sqrt(edges[1:] * edges[:-1])
    mid = np.sqrt(t["a_lo"] * t["a_hi"])
    for region, label, ls in (("in", "inside the cone", "-"), ("out", "outside", "--")):
        counts, _ = np.histogram(mid[t["region"] == region], bins=edges)
        per_log = counts / np.diff(np.log(edges))
        ok = per_log > 0
        ax.loglog(centre[ok], per_log[ok], ls, marker="o", ms=2.5, label=label,
                  color="#1f77b4" if region == "in" else "#d62728")
    ax.set_xlabel(r"$a$")
    ax.set_ylabel(r"boxes per unit of $\ln a$")
    ax.set_title("(b) where the work is")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, handlelength=1.5)


def plot(table: Table) -> Figure:
    """Panels (a) and (b) from the certificate table."""
    with paper_style():
        fig, axes = subplots(1, 2, figsize=(TEXT_WIDTH, 2.8))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.28, top=0.91, wspace=0.3)
        _boxes(axes[0], table)
        _density(axes[1], table)
        return fig
