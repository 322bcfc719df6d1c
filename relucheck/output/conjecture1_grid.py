"""Figure 10: L12 and L21 for K = 2 in the plane, drawn from the fig10_conjecture1_grid table.

Labels are plain text with Unicode symbols (π, φ, L₁₂), not mathtext: parsing some twenty
mathtext labels at two resolutions was a third of the command's default run time (its budget is
2.5 s), and DejaVu Sans has every glyph.

(a), (b) L12 and L21 versus phi at a = 3 pi/8 and 7 pi/8 with Cone(e1, e2) shaded; (c) the sign
of L12 and L21 over (phi, a) on the downsampled grid written to the CSV, with the cone's boundary
lines phi = 0 and phi = a and the two slices; counterexamples, if any, are marked.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from relucheck.output.style import COLORS, TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table

LINE = {"L12": "#1f77b4", "L21": "#d62728"}
SIGN_COLORS = ["#c6dbef", "#fcbba1", "#d9d9d9", "#000000"]  # both >0, both <0, zero, mixed
CONE = "#9ecae1"
PI_TICKS = (np.arange(5) * np.pi / 2, ["0", "π/2", "π", "3π/2", "2π"])


def _pi_label(a: float) -> str:
    k = a / (np.pi / 8)
    return f"{round(k)}π/8" if abs(k - round(k)) < 1e-9 else f"{a:.4g}"


def _slice(ax, table: Table, a: float, letter: str) -> None:
    i = np.flatnonzero((table["kind"] == "slice") & np.isclose(table["a_rad"], a, rtol=0,
                                                               atol=1e-12))
    phi = table["phi_rad"][i]
    order = np.argsort(phi)
    phi = phi[order]
    ax.axvspan(0, a, color=CONE, alpha=0.35, lw=0, label="Cone(e₁, e₂)")
    ax.axhline(0, color=COLORS["reference"], lw=0.6)
    ax.plot(phi, table["L12"][i][order], color=LINE["L12"], label="L₁₂")
    ax.plot(phi, table["L21"][i][order], "--", color=LINE["L21"], label="L₂₁")
    ax.set_xlim(0, 2 * np.pi)
    ax.set_xticks(*PI_TICKS)
    ax.set_xlabel("φ (angle of e*)")
    ax.set_ylabel("Lⱼⱼ′")
    ax.set_title(f"({letter}) θ₂¹ = a = {_pi_label(a)}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, columnspacing=1.0,
              handlelength=1.5)


def _sign_map(ax, table: Table) -> None:
    m = table["kind"] == "map"
    a_vals, phi_vals = np.unique(table["a_rad"][m]), np.unique(table["phi_rad"][m])
    ia = np.searchsorted(a_vals, table["a_rad"][m])
    ip = np.searchsorted(phi_vals, table["phi_rad"][m])
    s12, s21 = np.sign(table["L12"][m]), np.sign(table["L21"][m])
    cls = np.full(s12.shape, 3)
    cls[(s12 > 0) & (s21 > 0)] = 0
    cls[(s12 < 0) & (s21 < 0)] = 1
    cls[(s12 == 0) & (s21 == 0)] = 2
    grid = np.full((a_vals.size, phi_vals.size), 2)
    grid[ia, ip] = cls
    ax.pcolormesh(phi_vals, a_vals, grid, cmap=ListedColormap(SIGN_COLORS), vmin=-0.5,
                  vmax=3.5, shading="nearest", rasterized=True)
    ax.plot([0, np.pi], [0, np.pi], color="k", lw=0.9)
    ax.axvline(0, color="k", lw=0.9)
    for a, letter in zip(np.unique(table["a_rad"][table["kind"] == "slice"]), "ab", strict=False):
        ax.axhline(a, color=COLORS["reference"], lw=0.6, ls=":")
        ax.text(2 * np.pi * 0.98, a, f"({letter})", ha="right", va="bottom", fontsize=6.5,
                color=COLORS["reference"])
    cx = table["kind"] == "counterexample"
    if cx.any():
        ax.plot(table["phi_rad"][cx], table["a_rad"][cx], "x", color="k", ms=3,
                label="counterexample")
    ax.set_xlim(0, 2 * np.pi)
    ax.set_ylim(0, np.pi)
    ax.set_xticks(*PI_TICKS)
    ax.set_yticks(np.arange(5) * np.pi / 4, ["0", "π/4", "π/2", "3π/4", "π"])
    ax.set_xlabel("φ (angle of e*)")
    ax.set_ylabel("a = θ₂¹")
    ax.grid(False)
    ax.set_title("(c) sign of L₁₂, L₂₁ over (φ, a)")
    handles = [Patch(color=SIGN_COLORS[0], label="L₁₂, L₂₁ > 0"),
               Patch(color=SIGN_COLORS[1], label="L₁₂, L₂₁ < 0"),
               Patch(color=SIGN_COLORS[3], label="signs differ"),
               Line2D([], [], color="k", lw=0.9, label="φ = a, φ = 0")]
    if cx.any():
        handles.append(Line2D([], [], marker="x", color="k", ls="", ms=3,
                                  label="counterexample"))
    # Below the axes, so that no cell of the map (a counterexample, say) is hidden.
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
              columnspacing=1.0, handlelength=1.5)


def plot(table: Table) -> Figure:
    """Panels (a)-(c) of Figure 10 from the table written by ``conjecture1-grid``."""
    with paper_style():
        # Legends go below the axes (inside the canvas: savefig is not 'tight' here).
        fig, axes = subplots(1, 3, figsize=(TEXT_WIDTH, 2.95))
        fig.subplots_adjust(left=0.075, right=0.99, bottom=0.33, top=0.92, wspace=0.42)
        slices = np.unique(table["a_rad"][table["kind"] == "slice"])
        for ax, a, letter in zip(axes[:2], slices[:2], "ab", strict=False):
            _slice(ax, table, float(a), letter)
        _sign_map(axes[2], table)
        return fig
