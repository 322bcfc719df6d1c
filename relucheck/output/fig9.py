"""Figure 9: noisy initialisation and top-layer weights, drawn from the fig9_noise_sweep tables
(``main``: one row per run; ``curves``: errors at log-spaced iterations)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from relucheck.numerics.stats import wilson_interval
from relucheck.output.style import TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table

PRESET_COLORS = {  # ones = 1, large = 2, small = 1/2, mixed = +1, -1, ...
"ones": "#1f77b4", "large": "#2ca02c", "small": "#ff7f0e", "mixed": "#d62728",
                 "custom": "#9467bd"}
READING_TITLES = {"student": r"$a^*{=}1$, $a$ fixed", "shared": r"$a{=}a^*$ fixed",
                  "trained": r"$a$ trained from $a^*$", "custom": "custom $a^*$, $a$"}
#: Errors below this are drawn at it: a loss of exactly 0 has no place on a log axis.
FLOOR = 1e-9


def _unique(x: np.ndarray) -> list:
    return list(dict.fromkeys(x.tolist()))


def plot(tables: dict[str, Table]) -> Figure:
    runs, curves = tables["main"], tables["curves"]
    top_c, bot_c = curves["row"] == "top", curves["row"] == "bottom"
    Ks = sorted({int(k) for k in curves["K"][top_c]})
    readings = _unique(curves["reading"][bot_c])
    ncol = max(len(Ks) + 1, len(readings), 1)
    with paper_style():
        fig, axes = subplots(2, ncol, figsize=(TEXT_WIDTH, 4.3), squeeze=False,
                                 constrained_layout=True)
        fig.suptitle(r"top: $W^*=I$, $w_j^0 = 10^{-3}w_j^* + \epsilon$, "
                     r"$\epsilon \sim N(0, (10^{-3}\,\mathrm{noise})^2)$;   "
                     r"bottom: $g_2(x)=\sum_j a_j\,\sigma(w_j^\top x)$", fontsize=8)
        for ax in axes.ravel():
            ax.set_visible(False)
        noises = sorted({float(x) for x in curves["noise"][top_c]})
        norm = LogNorm(min(noises), max(noises)) if len(noises) > 1 and min(noises) > 0 else None
        cmap = colormaps["viridis"]
        letters = iter("abcdefghij")
        for ax, K in zip(axes[0], Ks, strict=False):
            ax.set_visible(True)
            m = top_c & (curves["K"] == K)
            for nz in noises:
                mm = m & (curves["noise"] == nz)
                color = cmap(norm(nz)) if norm else cmap(0.5)
                for r in _unique(curves["run"][mm]):
                    sel = mm & (curves["run"] == r)
                    ax.semilogy(curves["iteration"][sel], np.maximum(curves["rel_err"][sel], FLOOR),
                                color=color, lw=0.6, alpha=0.8)
            ax.set_title(f"({next(letters)}) $K={K}$")
            ax.set_xlabel("iteration")
            ax.set_ylabel("relative error of $W$" if K == Ks[0] else "")
        if Ks:
            ax = axes[0][len(Ks)]
            ax.set_visible(True)
            top_r = runs["row"] == "top"
            for i, K in enumerate(Ks):
                rate, lo, hi = [], [], []
                for nz in noises:
                    m = top_r & (runs["K"] == K) & (runs["noise"] == nz)
                    k, n = int(np.sum(runs["class"][m] == "teacher")), int(m.sum())
                    a, b = wilson_interval(k, n)
                    rate.append(k / n)
                    lo.append(k / n - a)
                    hi.append(b - k / n)
                x = np.array(noises) * (1 + 0.08 * (i - (len(Ks) - 1) / 2))  # dodge
                ax.errorbar(x, rate, yerr=[lo, hi], fmt="o-", ms=3, capsize=2, lw=0.8,
                            label=f"$K={K}$")
            ax.set_xscale("log")
            ax.set_ylim(-0.05, 1.05)
            ax.set_xlabel("noise")
            ax.set_ylabel("runs reaching $w^*$")
            ax.set_title(f"({next(letters)}) runs reaching $w^*$")
            ax.legend(loc="lower left", title="95 % Wilson", title_fontsize=6)
            if norm:
                sm = ScalarMappable(norm=norm, cmap=cmap)
                fig.colorbar(sm, ax=axes[0][: len(Ks)].tolist(), label="noise", pad=0.01,
                             aspect=30)
        for ax, reading in zip(axes[1], readings, strict=False):
            ax.set_visible(True)
            m = bot_c & (curves["reading"] == reading)
            K = int(curves["K"][m][0])
            for s in _unique(curves["setting"][m]):
                ms = m & (curves["setting"] == s)
                for j, r in enumerate(_unique(curves["run"][ms])):
                    sel = ms & (curves["run"] == r) & (curves["K"] == K)
                    ax.semilogy(curves["iteration"][sel],
                                np.maximum(curves["rel_fn_err"][sel], FLOOR),
                                color=PRESET_COLORS.get(s, "k"), lw=0.6, alpha=0.8,
                                label=s if j == 0 else None)
            ax.set_title(f"({next(letters)}) {READING_TITLES.get(reading, reading)}, $K={K}$")
            ax.set_xlabel("iteration")
            ax.set_ylabel("relative error of $g$" if reading == readings[0] else "")
        if readings:
            handles, labels = axes[1][0].get_legend_handles_labels()
            spare = axes[1][len(readings)] if len(readings) < ncol else axes[1][-1]
            if len(readings) < ncol:
                spare.set_visible(True)
                spare.axis("off")
                spare.legend(handles, labels, loc="center left", title="top weights $a$",
                             title_fontsize=7)
            else:
                axes[1][-1].legend(loc="upper right", ncol=2)
        return fig
