"""Figure 7: Eqn 5 against sampling, drawn from the fig7_verify_formula table alone."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, NullLocator

from relucheck.output.style import COLORS, TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table
from relucheck.sampling.stats import fit_line


def _tex_int(n: float) -> str:
    """10^5 for powers of ten, 24{,}000 otherwise (TeX for a title)."""
    n = int(n)
    k = round(np.log10(n))
    return f"10^{{{k}}}" if 10**k == n else f"{n:,}".replace(",", "{,}")


def _rows(table: Table, panel: str, dist: str | None = None) -> np.ndarray:
    mask = table["panel"] == panel
    if dist is not None:
        mask &= table["distribution"] == dist
    return np.flatnonzero(mask)


def _sweep(ax, table: Table, panel: str, dist: str, level: float, label: str) -> None:
    i = _rows(table, panel, dist)
    if i.size == 0:
        ax.set_visible(False)
        return
    N, err = table["n_samples"][i], table["rel_err"][i]
    fit = fit_line(np.log(N), np.log(err), level)
    ax.loglog(N, err, "o", color=COLORS[dist], label=label)
    # Both lines are straight on log-log axes: two vertices, their ends. With 50 nearly
    # collinear vertices the rasterizer's joins turned last-bit differences of the log transform
    # (numpy's AVX-512 log10 and power against AVX2's) into grey-level changes along the line,
    # so the PNG depended on the CPU that drew it.
    grid = np.array([N.min(), N.max()])
    ax.loglog(grid, np.exp(fit.intercept) * grid**fit.slope, "-", color=COLORS[dist], lw=0.8,
              label=f"fit: slope {fit.slope:.3f} [{fit.slope_low:.3f}, {fit.slope_high:.3f}]")
    anchor = err[0] * np.sqrt(N[0])
    ax.loglog(grid, anchor / np.sqrt(grid), "--", color=COLORS["reference"], lw=0.8,
              label=r"reference $N^{-1/2}$")
    ax.set_xlabel("number of samples $N$")
    ax.set_ylabel(r"relative RMS error")
    ax.legend(loc="lower left")


def plot(table: Table, level: float = 0.99) -> Figure:
    """Four panels (a)-(d) of Figure 7 from the table written by ``verify-formula``."""
    with paper_style():
        fig, axes = subplots(2, 2, figsize=(TEXT_WIDTH, 5.0), constrained_layout=True)
        (ax_a, ax_b), (ax_c, ax_d) = axes

        i = _rows(table, "a")
        d = int(table["d"][i[0]])
        n = int(table["n_samples"][i[0]])
        ax_a.semilogy(table["angle_rad"][i], table["rel_err_paper"][i], ".",
                      color=COLORS["gaussian"], ms=2, alpha=0.6)
        ax_a.set_xlim(0, np.pi)
        ax_a.set_xticks(np.linspace(0, np.pi, 5), ["0", r"$\pi/4$", r"$\pi/2$", r"$3\pi/4$",
                                                   r"$\pi$"])
        ax_a.set_xlabel(r"$\theta = \angle(\mathbf{e}, \mathbf{w})$")
        ax_a.set_ylabel(r"$\|E[F] - F\| / \|F\|$")
        ax_a.set_title(f"(a) error vs angle, Gaussian, $d={d}$, $N={_tex_int(n)}$")

        _sweep(ax_b, table, "b", "gaussian", level, "Gaussian input")
        ax_b.set_title(rf"(b) error vs $N$, Gaussian, $d={d}$, $\theta\in[0,\pi/2]$")
        _sweep(ax_c, table, "c", "uniform", level, r"uniform $[-\frac{1}{2},\frac{1}{2}]^d$")
        ax_c.set_title(rf"(c) error vs $N$, uniform, $d={d}$, up to global scale")

        for dist, marker in (("gaussian", "o"), ("uniform", "s")):
            j = _rows(table, "d", dist)
            if j.size == 0:
                continue
            dd = table["d"][j]
            ax_d.loglog(dd, table["rel_err"][j], marker + "-", color=COLORS[dist],
                        label=f"{dist.capitalize()}: relative RMS error")
            b2, se = table["rel_bias_sq"][j], table["rel_bias_sq_se"][j]
            # Show sqrt of the bias estimate where it is resolved (more than 2 SE above 0),
            # and its 2-SE upper bound (a downward triangle) where it is not.
            resolved = b2 > 2 * se
            ax_d.loglog(dd[resolved], np.sqrt(b2[resolved]), marker, mfc="none",
                        color=COLORS[dist], ms=5,
                        label=f"{dist.capitalize()}: relative bias after scale")
            upper = np.sqrt(np.maximum(b2, 0) + 2 * se)
            ax_d.loglog(dd[~resolved], upper[~resolved], "v", mfc="none", color=COLORS[dist],
                        ms=4, alpha=0.7)
        jd = _rows(table, "d")
        if jd.size:
            ax_d.set_title(f"(d) error vs dimension, $N={_tex_int(table['n_samples'][jd[0]])}$")
            # The dimensions themselves as ticks: a few d within one decade get no log label.
            dims = np.unique(table["d"][jd]).astype(int)
            ax_d.set_xticks(dims, [str(k) for k in dims])
            ax_d.xaxis.set_minor_locator(NullLocator())
        lo, hi = ax_d.get_ylim()
        if hi / lo > 10:  # minor labels only when no decade is labelled
            ax_d.yaxis.set_minor_formatter(NullFormatter())
        ax_d.set_xlabel("input dimension $d$")
        ax_d.set_ylabel("relative error")
        ax_d.plot([], [], "v", mfc="none", color="k", ms=4,
                  label="bias not resolved: 2 SE bound")
        ax_d.legend(loc="best", ncol=1)
        return fig
