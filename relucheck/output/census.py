"""The census figure, drawn from census.csv (per cell), census_families.csv and census_runs.csv
(plain-text labels, no mathtext: see :class:`relucheck.output.style.SuperscriptLogFormatter`).

(a) share of runs at spurious local minima against k, one line per number of extra units e, with
95% Wilson bands; (b) the loss of every spurious family against k, marker area by its count;
(c) the smallest Hessian eigenvalue of every family, the global minimum's included; (d) the
descent steps of every run, by class.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from relucheck.output.style import TEXT_WIDTH, log_axis, paper_style, subplots
from relucheck.result import Table

EXTRA_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
CLASS_STYLE = {  # class -> (marker, color, label)
    "teacher": ("o", "#2ca02c", "global minimum"),
    "spurious_minimum": ("v", "#d62728", "spurious minimum"),
    "saddle": ("x", "#7f7f7f", "saddle"),
    "degenerate": ("d", "#9467bd", "degenerate"),
    "singular": ("s", "#8c564b", "singular"),
    "diverged": ("^", "#000000", "diverged"),
    "not_converged": ("+", "#ff7f0e", "not converged"),
}
#: lambda_min at or below this is drawn at it (log axis).
LAM_FLOOR = 1e-12


def _color(e: int) -> str:
    return EXTRA_COLORS[int(e) % len(EXTRA_COLORS)]


def _offset(e: float, extras: list[float]) -> float:
    """A small horizontal shift per e, so markers of different e at one k do not cover each
    other."""
    i = extras.index(e)
    return 0.12 * (i - (len(extras) - 1) / 2)


def plot(tables: dict[str, Table]) -> Figure:
    main, fam, runs = tables["main"], tables["families"], tables["runs"]
    extras = sorted({float(e) for e in main["extra"]})
    ks = sorted({int(k) for k in main["k"]})
    with paper_style():
        # Laid out by hand rather than by constrained layout: the panels' contents are fixed in
        # kind (tick labels of one width class, one-line titles), and the layout engine would
        # draw the whole figure once more (half a second, a tenth of a short census).
        fig, axes = subplots(2, 2, figsize=(TEXT_WIDTH, 4.6),
                             gridspec_kw=dict(left=0.085, right=0.985, bottom=0.085, top=0.9,
                                              wspace=0.28, hspace=0.45))
        (ax_a, ax_b), (ax_c, ax_d) = axes
        # (a) spurious share with Wilson bands
        for e in extras:
            m = main["extra"] == e
            order = np.argsort(main["k"][m])
            k = main["k"][m][order]
            c = _color(int(e))
            ax_a.fill_between(k, main["spurious_low"][m][order], main["spurious_high"][m][order],
                              color=c, alpha=0.2, lw=0)
            ax_a.plot(k, main["spurious_share"][m][order], "o-", color=c, ms=3,
                      label=f"n = k{' + ' + str(int(e)) if e else ''}")
        ax_a.set_ylim(-0.02, 1.02)
        ax_a.set_xlabel("teacher units k")
        ax_a.set_ylabel("share of runs at a spurious minimum")
        runs_per = sorted({int(r) for r in main["runs"]})
        ax_a.set_title(f"(a) spurious share ({'/'.join(map(str, runs_per))} runs per cell, "
                       "95% Wilson)", fontsize=8)
        if extras:  # a census table without rows draws empty panels, without a legend
            ax_a.legend(loc="upper left", fontsize=7, frameon=False)

        # (b) loss of each spurious family, area by count
        spur = fam["class"] == "spurious_minimum"
        total = {(int(k), int(n)): int(r) for k, n, r in zip(main["k"], main["n"], main["runs"],
                                                           strict=True)}
        for e in extras:
            m = spur & (fam["n"] - fam["k"] == e)
            if not m.any():
                continue
            share = np.array([c / total[(int(k), int(n))] for k, n, c in
                              zip(fam["k"][m], fam["n"][m], fam["count"][m], strict=True)])
            ax_b.scatter(fam["k"][m] + _offset(e, extras), fam["loss"][m], s=4 + 150 * share,
                         color=_color(int(e)), alpha=0.6, lw=0.3, edgecolor="k")
        log_axis(ax_b)
        ax_b.set_xlabel("teacher units k")
        ax_b.set_ylabel("loss J of the family")
        proved = ""
        if "certified" in fam and spur.any():  # census --certify: say how many are proved
            proved = f"; {int(np.sum(fam['certified'][spur] == 1))}/{int(spur.sum())} proved"
        ax_b.set_title(f"(b) spurious families (area: share of runs{proved})", fontsize=8)
        if not spur.any():
            ax_b.text(0.5, 0.5, "no spurious minimum found", transform=ax_b.transAxes,
                      ha="center", va="center", fontsize=8)
            ax_b.set_yscale("linear")
            ax_b.set_yticks([])
        else:
            ax_b.legend(handles=[Line2D([], [], ls="", marker="o", color=_color(int(e)),
                                        alpha=0.6, label=f"e = {int(e)}") for e in extras],
                        fontsize=6.5, frameon=False, loc="best")

        # (c) lambda_min of every family, the global minimum's included
        for cls, (marker, color, _) in CLASS_STYLE.items():
            m = fam["class"] == cls
            if not m.any():
                continue
            off = np.array([_offset(float(n - k), extras) for k, n in
                            zip(fam["k"][m], fam["n"][m], strict=True)])
            lam = np.maximum(np.abs(fam["lambda_min"][m]), LAM_FLOOR)
            for e in extras:
                me = (fam["n"][m] - fam["k"][m]) == e
                if me.any():
                    ax_c.scatter(fam["k"][m][me] + off[me], lam[me], marker=marker,
                                 s=14, facecolor="none" if marker not in "x+" else color,
                                 edgecolor=color if marker not in "x+" else None,
                                 color=color if marker in "x+" else None, lw=0.8)
        log_axis(ax_c)
        ax_c.set_xlabel("teacher units k (shifted by e)")
        ax_c.set_ylabel("|λₘᵢₙ| of the Hessian")
        ax_c.set_title(r"(c) smallest Hessian eigenvalue per family", fontsize=8)
        handles = [Line2D([], [], ls="", marker=CLASS_STYLE[c][0], color=CLASS_STYLE[c][1],
                          mfc="none" if CLASS_STYLE[c][0] not in "x+" else CLASS_STYLE[c][1],
                          label=CLASS_STYLE[c][2])
                   for c in CLASS_STYLE if np.any(fam["class"] == c)]
        ax_c.legend(handles=handles, fontsize=6.5, frameon=False, loc="center left")

        # (d) iterations by class (every run), jittered strips
        rng = np.random.default_rng(0)  # jitter only: fixed, so the figure is reproducible
        present = [c for c in CLASS_STYLE if np.any(runs["class"] == c)]
        for i, cls in enumerate(present):
            color = CLASS_STYLE[cls][1]
            for e in extras:
                m = (runs["class"] == cls) & (runs["n"] - runs["k"] == e)
                if not m.any():
                    continue
                x = i + _offset(e, extras) * 2 + rng.uniform(-0.08, 0.08, int(m.sum()))
                ax_d.scatter(x, np.maximum(runs["iterations"][m], 1), s=2, color=_color(int(e)),
                             alpha=0.35, lw=0)
        log_axis(ax_d)
        ax_d.set_xlim(-0.5, len(present) - 0.5)
        ax_d.set_xticks(range(len(present)), [CLASS_STYLE[c][2] for c in present], fontsize=7)
        ax_d.set_ylabel("descent steps")
        ax_d.set_title("(d) steps to the endpoint, by class (colour: e)", fontsize=8)
        for ax in (ax_a, ax_b, ax_c):
            ax.set_xticks(ks if len(ks) <= 12 else ks[::2])
            ax.set_xlim(min(ks) - 0.5, max(ks) + 0.5)
        fig.suptitle("Census: W* = Iₖ, a = a* = 1, student n = k + e units, "
                     "gradient descent from random starts", fontsize=8)
    return fig
