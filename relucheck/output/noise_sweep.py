"""Figure 9: noisy initialisation and top-layer weights, drawn from the fig9_noise_sweep tables
(``main``: one row per run; ``curves``: errors at log-spaced iterations)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from relucheck.output.style import TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table
from relucheck.sampling.stats import wilson_interval

PRESET_COLORS = {  # ones = 1, large = 2, small = 1/2, mixed = +1, -1, ...
"ones": "#1f77b4", "large": "#2ca02c", "small": "#ff7f0e", "mixed": "#d62728",
                 "custom": "#9467bd"}
READING_TITLES = {"student": r"$a^*{=}1$, $a$ fixed", "shared": r"$a{=}a^*$ fixed",
                  "trained": r"$a$ trained from $a^*$", "custom": "custom $a^*$, $a$"}
#: Errors below this are drawn at it: a loss of exactly 0 has no place on a log axis.
FLOOR = 1e-9


def _unique(x: np.ndarray) -> list:
    return list(dict.fromkeys(x.tolist()))


#: Line styles of the bottom row's K values, when it has more than one.
K_STYLES = ("-", "--", ":", "-.")
TOP_TITLE = (r"$W^*=I$, $w_j^0 = 10^{-3}w_j^* + \epsilon$, "
             r"$\epsilon \sim N(0, (10^{-3}\,\mathrm{noise})^2)$")
BOTTOM_TITLE = r"bottom: $g_2(x)=\sum_j a_j\,\sigma(w_j^\top x)$"


def plot(tables: dict[str, Table]) -> Figure:
    """Top row: one panel of error curves per K and the rate of runs reaching w* per noise
    level; bottom row (absent when the run had none, e.g. ``--top none``): one panel per reading
    of the top weights, and their legend in a panel of its own, so it never covers a curve."""
    runs, curves = tables["main"], tables["curves"]
    top_c, bot_c = curves["row"] == "top", curves["row"] == "bottom"
    Ks = sorted({int(k) for k in curves["K"][top_c]})
    readings = _unique(curves["reading"][bot_c])
    bottom_Ks = sorted({int(k) for k in curves["K"][bot_c]})
    nrows = 2 if readings else 1
    ncol = max(len(Ks) + 1, len(readings) + 1)
    with paper_style():
        fig, axes = subplots(nrows, ncol, figsize=(TEXT_WIDTH, 2.2 * nrows - 0.1),
                             squeeze=False, constrained_layout=True)
        fig.suptitle("top: " + TOP_TITLE + ";   " + BOTTOM_TITLE if readings else TOP_TITLE,
                     fontsize=8)
        for ax in axes.ravel():
            ax.set_visible(False)
        noises = sorted({float(x) for x in curves["noise"][top_c]})
        norm = LogNorm(min(noises), max(noises)) if len(noises) > 1 and min(noises) > 0 else None
        cmap = colormaps["viridis"]
        letters = iter("abcdefghijklmnopqrstuvwxyz")
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
            # Room below 0 for a one-line legend: it must not cover an interval.
            ax.set_ylim(-0.32, 1.06)
            ax.set_yticks([0, 0.5, 1])
            ax.set_xlabel("noise")
            ax.set_ylabel("fraction of runs (95 % CI)")
            ax.set_title(f"({next(letters)}) runs reaching $w^*$")
            ax.legend(loc="lower center", ncol=len(Ks), handlelength=1.0, handletextpad=0.3,
                      columnspacing=0.7, borderaxespad=0.2)
            if norm:
                sm = ScalarMappable(norm=norm, cmap=cmap)
                fig.colorbar(sm, ax=axes[0][: len(Ks)].tolist(), label="noise", pad=0.01,
                             aspect=30)
        for ax, reading in zip(axes[1] if readings else (), readings, strict=False):
            ax.set_visible(True)
            m = bot_c & (curves["reading"] == reading)
            for s in _unique(curves["setting"][m]):
                ms = m & (curves["setting"] == s)
                for i, K in enumerate(bottom_Ks):
                    mk = ms & (curves["K"] == K)
                    for j, r in enumerate(_unique(curves["run"][mk])):
                        sel = mk & (curves["run"] == r)
                        ax.semilogy(curves["iteration"][sel],
                                    np.maximum(curves["rel_fn_err"][sel], FLOOR),
                                    color=PRESET_COLORS.get(s, "k"), lw=0.6, alpha=0.8,
                                    ls=K_STYLES[i % len(K_STYLES)],
                                    label=s if i == j == 0 else None)
            ax.set_title(f"({next(letters)}) {READING_TITLES.get(reading, reading)}")
            ax.set_xlabel("iteration")
            ax.set_ylabel("relative error of $g$" if reading == readings[0] else "")
        if readings:
            handles, labels = [], []
            for ax in axes[1][: len(readings)]:
                for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                    if lab not in labels:
                        handles.append(h)
                        labels.append(lab)
            title = "top weights $a$"
            if len(bottom_Ks) == 1:
                title += f", $K={bottom_Ks[0]}$"
            else:
                for i, K in enumerate(bottom_Ks):
                    handles.append(Line2D([], [], color="0.3", lw=0.8,
                                          ls=K_STYLES[i % len(K_STYLES)]))
                    labels.append(f"$K={K}$")
            spare = axes[1][len(readings)]
            spare.set_visible(True)
            spare.axis("off")
            spare.legend(handles, labels, loc="center left", title=title, title_fontsize=7)
        return fig
