"""The certificate of Conjecture 1 (``conjecture1-grid --certify``), drawn from its CSV.

(a) every box of the certificate over (phi, a), coloured by what certifies it, with the three
pieces (a -> 0 end piece, bisection, a -> pi end piece) separated by dotted lines; (b) boxes per
unit of log a, inside and outside the cone: where the work is.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from relucheck.output.conjecture1_grid import PI_TICKS
from relucheck.output.style import TEXT_WIDTH, log_axis, paper_style, subplots
from relucheck.result import Table

FILL = {"in": "#c6dbef", "out": "#fcbba1", "slope": "#636363", "lemma": "#31a354",
        "uncertified": "#000000"}
INSIDE = ("in",)


def _phi(region: np.ndarray, a: np.ndarray, x: np.ndarray, piece=None) -> np.ndarray:
    """phi = x a inside the cone, a + x (2 pi - a) outside; the patches of the a -> 0 piece:
    B a + x (pi - a), C pi + x a, D pi + a + x (pi - a)."""
    out = np.where(region == "in", x * a, a + x * (2 * np.pi - a))
    if piece is not None:
        z = piece == "zero"
        out = np.where(z & (region == "B"), a + x * (np.pi - a), out)
        out = np.where(z & (region == "C"), np.pi + x * a, out)
        out = np.where(z & (region == "D"), np.pi + a + x * (np.pi - a), out)
    return out


def _boxes(ax, t: Table) -> None:
    r = t["region"]
    piece = t["piece"] if "piece" in t else None
    corners = [(t["a_lo"], t["x_lo"]), (t["a_lo"], t["x_hi"]), (t["a_hi"], t["x_hi"]),
               (t["a_hi"], t["x_lo"])]
    verts = np.stack([np.column_stack([_phi(r, a, x, piece), a]) for a, x in corners], axis=1)
    colour = np.where(np.isin(r, INSIDE), FILL["in"], FILL["out"]).astype(object)
    colour[t["method"] == "slope"] = FILL["slope"]
    colour[np.isin(t["method"], ("corner", "gradient"))] = FILL["lemma"]
    colour[t["certified"] != 1] = FILL["uncertified"]
    ax.add_collection(PolyCollection(verts, facecolors=colour, edgecolors="#ffffff",
                                     linewidths=0.08, rasterized=True))
    a_min, a_max = float(t["a_lo"].min()), float(t["a_hi"].max())
    a = np.linspace(a_min, a_max, 200)
    ax.plot(a, a, color="k", lw=0.6)
    if piece is not None:
        for name in ("zero", "pi"):
            m = piece == name
            if m.any():
                edge = t["a_hi"][m].max() if name == "zero" else t["a_lo"][m].min()
                ax.axhline(edge, color="k", lw=0.5, ls=":")
    ax.set_xlim(0, 2 * np.pi)
    ax.set_ylim(a_min, a_max)
    ax.set_xticks(*PI_TICKS)
    ax.set_xlabel("φ (angle of e*)")
    ax.set_ylabel("a = θ₂¹")
    ax.grid(False)
    ax.set_title(rf"(a) {len(r):,} certified boxes" if np.all(t["certified"] == 1)
                 else f"(a) {int(np.sum(t['certified'] != 1))} uncertified boxes (black)")
    handles = [Patch(color=FILL["in"], label="L > 0 (value)"),
               Patch(color=FILL["out"], label="L < 0 (value)"),
               Patch(color=FILL["slope"], label="on φ = 0, a (slope)"),
               Patch(color=FILL["lemma"], label="end lemmas"),
               Line2D([], [], color="k", lw=0.6, label="φ = a")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
              columnspacing=0.8, handlelength=1.2)


def _density(ax, t: Table) -> None:
    # a box reaching a = 0 is counted at a_hi / 2 (log a has no bottom)
    mid = np.where(t["a_lo"] > 0, np.sqrt(t["a_lo"] * np.maximum(t["a_hi"], 1e-300)),
                   t["a_hi"] / 2)
    a_min, a_max = float(mid.min()) * 0.99, float(t["a_hi"].max())
    edges = np.geomspace(a_min, a_max, 25)
    centre = np.sqrt(edges[1:] * edges[:-1])
    inside = np.isin(t["region"], INSIDE)
    for region, label, ls in ((True, "inside the cone", "-"), (False, "outside", "--")):
        counts, _ = np.histogram(mid[inside == region], bins=edges)
        per_log = counts / np.diff(np.log(edges))
        ok = per_log > 0
        ax.plot(centre[ok], per_log[ok], ls, marker="o", ms=2.5, label=label,
                color="#1f77b4" if region else "#d62728")
    log_axis(ax, "x")  # plain-text tick labels (10⁻²), not mathtext
    log_axis(ax, "y")
    ax.set_xlabel("a")
    ax.set_ylabel("boxes per unit of ln a")
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
