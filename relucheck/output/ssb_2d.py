"""Figure 8: Theorem 7's symmetric dynamics, drawn from the fig8_ssb_2d table alone."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from relucheck.output.style import COLORS, TEXT_WIDTH, paper_style, subplots
from relucheck.result import Table

#: Colours of the paper's K; other K take the next colours of matplotlib's default cycle.
K_COLORS = {2: "#1f77b4", 5: "#d62728", 10: "#2ca02c"}
#: Light greys for the speed under the arrows, so that the arrows stay readable.
SPEED_CMAP = LinearSegmentedColormap.from_list("speed", ["#ffffff", "#8c8c8c"])
_SPARE = ("#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def _color(K: int, order: list[int]) -> str:
    if K in K_COLORS:
        return K_COLORS[K]
    spare = [k for k in order if k not in K_COLORS]
    return _SPARE[spare.index(K) % len(_SPARE)]


def _tex(v: float) -> str:
    """10^{-6} for powers of ten, the number otherwise (TeX)."""
    k = np.log10(v)
    return f"10^{{{round(k)}}}" if np.isclose(k, round(k)) else f"{v:g}"


def _rows(table: Table, kind: str, K: int | None = None) -> np.ndarray:
    mask = table["kind"] == kind
    if K is not None:
        mask &= table["K"] == K
    return np.flatnonzero(mask)


def _summary(table: Table, K: int) -> dict[str, float]:
    i = _rows(table, "summary", K)[0]
    return {k: table[k][i] for k in table}


def _fixed_points(ax, s: float, color: str = "k", label: bool = True) -> None:
    ax.plot(1.0, 0.0, "*", color="k", ms=9, mec="w", mew=0.5, zorder=5,
            label=r"teacher $\mathbf{w}^*=(1,0)$" if label else None)
    ax.plot(s, s, "X", color=color, ms=6, mec="w", mew=0.5, zorder=5,
            label="saddle (Thm. 7)" if label else None)


def _field(ax, table: Table, K: int, order: list[int], fig, legend: bool) -> None:
    i = _rows(table, "field", K)
    x, y = table["x"][i], table["y"][i]
    xs, ys = np.unique(x), np.unique(y)
    shape = (ys.size, xs.size)
    ordr = np.lexsort((x, y))  # row-major: y outer, x inner
    U = np.ma.masked_invalid(table["dx_dt"][i][ordr].reshape(shape))
    V = np.ma.masked_invalid(table["dy_dt"][i][ordr].reshape(shape))
    speed = np.ma.sqrt(U**2 + V**2)
    dx, dy = (xs[-1] - xs[0]) / (xs.size - 1), (ys[-1] - ys[0]) / (ys.size - 1)
    mesh = ax.imshow(speed, origin="lower", interpolation="bilinear", cmap=SPEED_CMAP,
                     norm=LogNorm(vmin=max(speed.min(), 1e-3), vmax=speed.max()),
                     extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2))
    # Unit arrows on a grid of at most ~21 x 21 show the direction; the shade shows the speed.
    # (A streamplot reads well too but integrates hundreds of lines in Python on every draw.)
    step = max(1, int(np.ceil(max(xs.size, ys.size) / 21)))
    X, Y = np.meshgrid(xs[::step], ys[::step])
    u, v, sp = U[::step, ::step], V[::step, ::step], speed[::step, ::step]
    ax.quiver(X, Y, u / sp, v / sp, color=_color(K, order), angles="xy", pivot="mid",
              scale=24, scale_units="width", width=0.005, headwidth=3.5, headlength=4)
    lim = (xs.min(), xs.max())
    ax.plot(lim, lim, ":", color=COLORS["reference"], lw=0.8, label="$x=y$")
    _fixed_points(ax, _summary(table, K)["x"])
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    cb = fig.colorbar(mesh, ax=ax, shrink=0.85, pad=0.02)
    cb.set_label(r"speed $\|(\dot x, \dot y)\|$")
    if legend:
        ax.legend(loc="upper right", framealpha=0.85, frameon=True, edgecolor="none")


def plot(table: Table) -> Figure:
    """Four panels (a)-(d) of Figure 8 from the table written by ``ssb-2d``."""
    order = [int(k) for k in table["K"][_rows(table, "summary")]]
    field_K = list(dict.fromkeys(int(k) for k in table["K"][_rows(table, "field")]))
    with paper_style():
        fig, axes = subplots(2, 2, figsize=(TEXT_WIDTH, 5.6))
        # A fixed layout: constrained_layout costs a second per save on this figure.
        fig.subplots_adjust(left=0.08, right=0.97, bottom=0.07, top=0.95, wspace=0.3,
                            hspace=0.32)
        (ax_a, ax_b), (ax_c, ax_d) = axes
        for ax, letter, K in zip((ax_a, ax_b), "ab", [*field_K, None, None][:2], strict=True):
            if K is None:
                ax.set_visible(False)
                continue
            _field(ax, table, K, order, fig, legend=letter == "a")
            ax.set_title(f"({letter}) vector field of Thm. 7, $K={K}$")

        reach = None
        for K in order:
            c = _color(K, order)
            i = _rows(table, "trajectory", K)
            s = _summary(table, K)
            reach = s["reach"]
            ax_c.plot(table["x"][i], table["y"][i], "-", color=c, label=f"$K={K}$")
            ax_c.plot(s["x"], s["y"], "X", color=c, ms=6, mec="w", mew=0.5, zorder=5)
            ax_c.plot(s["detour_x_at_max_y"], s["detour_max_y"], "^", color=c, ms=4)
            it = table["iteration"][i]
            ax_d.semilogy(it, table["error"][i], "-", color=c, label=f"$K={K}$")
            J, floor = table["loss"][i], table["loss_rounding"][i]
            ok = J > floor  # below its rounding bound J is noise, not a value
            ax_d.semilogy(it[ok], J[ok], "--", color=c, lw=0.9)
            if np.isfinite(s["iters_to_reach"]):
                ax_d.plot(s["iters_to_reach"], reach, "o", color=c, ms=4)
                ax_d.annotate(f"{int(s['iters_to_reach'])}", (s["iters_to_reach"], reach),
                              textcoords="offset points", xytext=(2, 4), fontsize=6.5, color=c)
        i0 = _rows(table, "trajectory")
        first = i0[table["iteration"][i0] == 0][0]
        x0, y0 = table["x"][first], table["y"][first]
        ax_c.plot(x0, y0, "o", color="k", ms=3.5, label=f"start $({x0:g}, {y0:g})$")
        ax_c.plot(1.0, 0.0, "*", color="k", ms=9, mec="w", mew=0.5, zorder=5,
                  label=r"teacher $(1,0)$")
        ax_c.plot([], [], "X", color="grey", ms=6, label="saddle of each $K$")
        ax_c.plot([], [], "^", color="grey", ms=4, label="max $y$ (detour)")
        handles, labels = ax_c.get_legend_handles_labels()
        nk = len(order)
        first = ax_c.legend(handles[:nk], labels[:nk], loc="upper left")
        ax_c.add_artist(first)
        ax_c.legend(handles[nk:], labels[nk:], loc="upper right")
        ax_c.set_xlabel("$x$")
        ax_c.set_ylabel("$y$")
        lr = _summary(table, order[0])["lr"]
        ax_c.set_title(rf"(c) gradient descent paths, $\eta={lr:g}$")
        top = max(max(_summary(table, K)["x"] for K in order), ax_c.get_ylim()[1])
        ax_c.set_ylim(min(0.0, ax_c.get_ylim()[0]), 1.25 * top)

        if reach is not None:
            ax_d.axhline(reach, color=COLORS["reference"], lw=0.7, ls=":")
        handles = [Line2D([], [], color=_color(K, order), label=f"$K={K}$") for K in order]
        handles += [Line2D([], [], color="k", label=r"$\|\mathbf{w}_j-\mathbf{w}^*_j\|^2$"),
                    Line2D([], [], color="k", ls="--", lw=0.9, label="loss $J$"),
                    Line2D([], [], color="k", marker="o", ls="", ms=4,
                           label=f"first $<{_tex(reach)}$")]
        # The curves fall from the top left to the bottom right: the top right corner is free.
        ax_d.legend(handles=handles, loc="upper right", ncol=2)
        ax_d.set_xlabel("iteration $t$")
        ax_d.set_ylabel("error / loss")
        ax_d.set_title("(d) training curves")
        return fig
