"""The Conjecture 2 figure, drawn from conjecture2.csv alone.

Top: small multiples, one row per noise sigma and one column per K, of the share of runs reaching
w* on the grid of Omega (x0 on a log axis, y0 / x0 upwards; colour: share; black edge: the
conjecture fails there; cross: the class depends on the step), with the diagonal x0 = y0 and
Theorem 7 (2)'s saddle on it. Bottom: the largest sigma up to which every start reaches w*, per K.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from relucheck.output.style import TEXT_WIDTH, log_axis, paper_style
from relucheck.result import Table
from relucheck.theory.symmetric import saddle

CMAP = "RdYlGn"


def safe_sigmas(main: Table) -> dict[int, float | None]:
    """Per K, the largest sigma up to which every cell of the table has verdict "reaches"."""
    out = {}
    for K in sorted({int(k) for k in main["K"]}):
        best = None
        for s in sorted({float(s) for s in main["sigma"][main["K"] == K]}):
            mine = (main["K"] == K) & (main["sigma"] == s)
            if np.any(main["verdict"][mine] != "reaches"):
                break
            best = s
        out[K] = best
    return out


def plot(main: Table) -> Figure:
    Ks = sorted({int(k) for k in main["K"]})
    sigmas = sorted({float(s) for s in main["sigma"]})
    x0s = main["x0"].astype(float)
    lo, hi = float(x0s.min()), float(x0s.max())
    norm = Normalize(0.0, 1.0)
    with paper_style():
        width = TEXT_WIDTH
        panel = min(0.95, (width - 0.9) / len(Ks))
        height = panel * len(sigmas) + 1.9
        fig = Figure(figsize=(width, height))
        top = 1 - 0.35 / height
        grid_bottom = 1.55 / height
        gs = fig.add_gridspec(len(sigmas), len(Ks), left=0.09, right=0.9, top=top,
                              bottom=grid_bottom, wspace=0.12, hspace=0.18)
        for i, s in enumerate(sigmas):
            for j, K in enumerate(Ks):
                ax = fig.add_subplot(gs[i, j])
                m = (main["K"] == K) & (main["sigma"] == s)
                x, y0 = main["x0"][m].astype(float), main["y0"][m].astype(float)
                ratio = np.divide(y0, x, out=np.zeros_like(y0), where=x > 0)
                verdict = main["verdict"][m]
                edge = np.where(verdict == "fails", "black", "none")
                ax.scatter(x, ratio, c=main["share"][m].astype(float), cmap=CMAP, norm=norm,
                           marker="s", s=42, edgecolors=edge, linewidths=0.9, zorder=3)
                dep = verdict == "step-dependent"
                if dep.any():
                    ax.scatter(x[dep], ratio[dep], marker="x", c="black", s=14, zorder=4)
                ax.axhline(1.0, color="#555555", lw=0.7, ls="--", zorder=1)
                xs = float(saddle(K))  # Theorem 7 (2): the saddle x = y
                ax.plot([xs], [1.0], marker="*", color="black", ms=5, zorder=4, clip_on=False)
                log_axis(ax, "x")
                ax.set_xlim(lo / 3, hi * 3)
                ax.set_ylim(-0.2, 1.2)
                ax.grid(False)
                ax.tick_params(labelsize=5.5, length=2, pad=1)
                ax.set_yticks([0, 0.5, 1])
                if j:
                    ax.set_yticklabels([])
                else:
                    ax.set_ylabel(f"σ = {s:g}\ny0 / x0", fontsize=6.5)
                if i < len(sigmas) - 1:
                    ax.set_xticklabels([], minor=False)
                    ax.set_xticklabels([], minor=True)
                elif j == len(Ks) // 2:
                    ax.set_xlabel("x0", fontsize=7)
                if i == 0:
                    ax.set_title(f"K = {K}", fontsize=7, pad=2)
        cax = fig.add_axes((0.915, grid_bottom, 0.012, top - grid_bottom))
        bar = fig.colorbar(_mappable(norm), cax=cax)
        bar.set_label("share of runs reaching w*", fontsize=6.5)
        bar.ax.tick_params(labelsize=5.5)
        # the summary: largest safe sigma per K (no safe sigma at all: drawn below the axis)
        ax = fig.add_axes((0.09, 0.32 / height, 0.81, 0.78 / height))
        safe = safe_sigmas(main)
        positive = [s for s in sigmas if s > 0]
        floor = (min(positive) / 10) if positive else 1e-3
        ys = [floor if (v is None or v == 0) else v for v in safe.values()]
        ax.plot(list(safe), ys, "o-", color="#1f77b4")
        log_axis(ax, "y")
        ax.set_ylim(floor / 2, max(positive or [1.0]) * 2)
        ax.set_xticks(Ks)
        ax.set_xlabel("K", fontsize=7, labelpad=1)
        ax.set_ylabel("largest safe σ", fontsize=6.5)
        ax.tick_params(labelsize=6)
        ax.text(0.005, 0.04, f"at the floor {floor:g}: only σ = 0 (or none) is safe",
                transform=ax.transAxes, fontsize=5.5, color="#555555")
        fig.suptitle("Conjecture 2: share of noisy symmetric starts reaching w* "
                     "(black edge: fails; ✱: Theorem 7's saddle on x0 = y0)", fontsize=7.5,
                     y=1 - 0.08 / height)
    return fig


def _mappable(norm):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=CMAP)
