"""Theorem 6: success probability of a random initialisation, drawn from the thm6_init_prob
table alone.

Panels: (a) probability versus eps at r = eps sqrt(2 pi/(d+1)) |w*| for every d: the exact
P(w0 in Omega) (lines), its Monte Carlo estimate with Wilson intervals (dots), the fraction of
runs of Eqn 6 that converge (open circles) and the bound (1 - eps)/2 (dashed); (b) the exact margin
P(w0 in Omega) - (1 - eps)/2 on log axes, which shrinks like eps/d: the bound is nearly tight in
high dimension; (c) probability versus r/|w*|: exact curves for every d, the Monte Carlo and
convergence points of the sweep, and Theorem 6's largest radius (eps = 1) marked on each curve.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from relucheck.output.style import COLORS, TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table


def _dim_colors(dims: np.ndarray) -> dict[int, tuple]:
    """One colour per dimension, ordered from small (light) to large d (dark)."""
    cmap = colormaps["viridis"]
    pos = np.linspace(0.85, 0.05, dims.size) if dims.size > 1 else np.array([0.4])
    return {int(d): cmap(p) for d, p in zip(dims, pos, strict=True)}


def _rows(table: Table, kind: str, d: int | None = None) -> np.ndarray:
    mask = table["kind"] == kind
    if d is not None:
        mask &= table["d"] == d
    return np.flatnonzero(mask)


def _errorbar(ax, x, table, i, lo, hi, mid, **kw):
    yerr = np.vstack([table[mid][i] - table[lo][i], table[hi][i] - table[mid][i]])
    ax.errorbar(x, table[mid][i], yerr=yerr, ls="none", capsize=1.2, elinewidth=0.7, **kw)


def plot(table: Table) -> Figure:
    """Three panels (a)-(c) from the table written by ``init-prob``."""
    dims = np.unique(table["d"][_rows(table, "eps_curve")]).astype(int)
    colors = _dim_colors(dims)
    with paper_style():
        fig, (ax_a, ax_b, ax_c) = subplots(1, 3, figsize=(TEXT_WIDTH, 2.7),
                                               constrained_layout=True)
        samples = None
        # Spread the markers of different d a little in eps so that their intervals stay apart.
        shift = {int(d): 0.007 * (k - (dims.size - 1) / 2) for k, d in enumerate(dims)}
        for d in dims:
            c = colors[d]
            i = _rows(table, "eps_curve", d)
            ax_a.plot(table["eps"][i], table["p_omega_exact"][i], "-", color=c, lw=0.9)
            ax_b.loglog(table["eps"][i], table["margin"][i], "-", color=c, lw=0.9,
                        label=f"$d={d}$")
            j = _rows(table, "eps", d)
            if j.size:
                samples = int(table["samples"][j[0]])
                x = table["eps"][j] + shift[d]
                _errorbar(ax_a, x, table, j, "p_omega_mc_low", "p_omega_mc_high",
                          "p_omega_mc", color=c, marker="o", ms=2.2)
                _errorbar(ax_a, x, table, j, "conv_low", "conv_high", "conv_rate",
                          color=c, marker="o", ms=3.2, mfc="none", mew=0.7)
                ax_b.loglog(table["eps"][j], table["margin"][j], "o", color=c, ms=2.2)
            k = _rows(table, "r_curve", d)
            ax_c.semilogx(table["r_over_wstar"][k], table["p_omega_exact"][k], "-", color=c,
                          lw=0.9)
            r1 = np.sqrt(2 * np.pi / (d + 1))  # Theorem 6's radius at eps = 1
            if table["r_over_wstar"][k].min() <= r1 <= table["r_over_wstar"][k].max():
                p1 = np.interp(np.log(r1), np.log(table["r_over_wstar"][k]),
                               table["p_omega_exact"][k])
                ax_c.plot(r1, p1, "|", color=c, ms=7, mew=1.2)

        eps_grid = np.linspace(0.0, 1.0, 101)
        ax_a.plot(eps_grid, (1 - eps_grid) / 2, "--", color=COLORS["reference"], lw=1.0)
        ax_a.set_xlim(0, 1.02)
        ax_a.set_ylim(-0.02, 1.05)
        ax_a.set_xlabel(r"$\epsilon$,  $r = \epsilon\sqrt{2\pi/(d+1)}\,\|\mathbf{w}^*\|$")
        ax_a.set_ylabel("probability")
        ax_a.set_title(r"(a) success probability vs $\epsilon$")
        grey = COLORS["reference"]
        ax_a.legend(handles=[
            Line2D([], [], color=grey, lw=0.9, label=r"exact $P(\mathbf{w}^0\in\Omega)$"),
            Line2D([], [], color=grey, marker="o", ms=2.2, ls="none",
                   label="Monte Carlo, 95 % Wilson"
                   + (f"\n({samples:,} runs per point)" if samples else "")),
            Line2D([], [], color=grey, marker="o", ms=3.2, mfc="none", ls="none",
                   label="converged under Eqn 6"),
            Line2D([], [], color=grey, ls="--", lw=1.0, label=r"bound $(1-\epsilon)/2$"),
        ], loc="center left", bbox_to_anchor=(0.0, 0.72))

        ax_b.set_xlabel(r"$\epsilon$")
        ax_b.set_ylabel(r"$P(\mathbf{w}^0\in\Omega) - (1-\epsilon)/2$")
        ax_b.set_title("(b) margin of the bound (exact)")
        ax_b.legend(loc="upper left", ncol=2, handlelength=1.2, columnspacing=0.8)

        s = _rows(table, "r")
        if s.size:
            sd = int(table["d"][s[0]])
            cs = colors.get(sd, grey)
            r = table["r_over_wstar"][s]
            _errorbar(ax_c, r, table, s, "p_omega_mc_low", "p_omega_mc_high", "p_omega_mc",
                      color=cs, marker="o", ms=2.2)
            _errorbar(ax_c, r, table, s, "conv_low", "conv_high", "conv_rate", color=cs,
                      marker="o", ms=3.2, mfc="none", mew=0.7)
            ax_c.set_title(f"(c) vs radius (points: $d={sd}$)")
        else:
            ax_c.set_title("(c) vs radius")
        ax_c.axvline(2.0, color=grey, lw=0.6, ls=":")
        ax_c.text(1.93, 0.78, r"$r=2\|\mathbf{w}^*\|$", fontsize=6, color=grey, rotation=90,
                  va="center", ha="right")
        ax_c.set_ylim(-0.02, 1.05)
        ax_c.set_xlabel(r"$r / \|\mathbf{w}^*\|$")
        ax_c.set_ylabel("probability")
        ax_c.plot([], [], "|", color=grey, ms=7, mew=1.2, label=r"$r$ of Thm 6, $\epsilon=1$")
        ax_c.legend(loc="center left", bbox_to_anchor=(0.0, 0.75))
        return fig
