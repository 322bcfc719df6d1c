"""The families figure, drawn from families.csv, families_spectrum.csv, families_birth.csv,
families_near_birth.csv and families_split.csv alone.

(a) J k against k for types A and II, proved minima as lines, proved saddles and unproved k as
markers; (b) the distinct Hessian eigenvalues against k (log-log), coloured by block, type A
solid and type II dashed; (c) the smallest eigenvalue of the block that changes sign
against real k around each birth, the proved bracket marked and its ends written out; (d) the
proved curvature bound of the split embedding at n = k + 1 (-curvature_upper: the (k + 1)-unit
Hessian has an eigenvalue <= curvature_upper < 0 at every split ratio t) against k (log-log),
one line per family (colour) and split unit (solid: special, dashed: generic); k without a
proved split are gaps.

The global minimum W = I (family "global") is left out of (a) and (b): its J k is 0 at every k
and its eigenvalues are constants (1/4 - 1/(2 pi), 1/4 + 1/(2 pi)) and linear ones that would
crowd the spurious families' lines; the tables hold them. It has no birth and no split claim,
so (c) and (d) have nothing of it to draw.
"""

from __future__ import annotations

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from relucheck.output.style import TEXT_WIDTH, log_axis, paper_style, subplots
from relucheck.result import Table

TYPE_COLOR = {"A": "#1f77b4", "II": "#d62728"}
BLOCK_COLOR = {
    "trivial": "#1f77b4",
    "sign": "#8c564b",
    "standard": "#d62728",
    "sign x standard": "#ff7f0e",
    "(m-2,2)": "#2ca02c",
    "(m-2,1,1)": "#9467bd",
}
#: Drawn in (a) and (b): every family but the global minimum (see the module docstring).
LEFT_OUT = ("global",)
UNIT_STYLE = {"special": "-", "generic": "--"}


def _decades(ax) -> None:
    """A log k axis with a label at every decade and none at the minor ticks (a short range
    would crowd them)."""
    log_axis(ax, "x")
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, numticks=12))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())


def plot(tables: dict[str, Table]) -> Figure:
    main, spec = tables["main"], tables["spectrum"]
    birth, near, split = tables["birth"], tables["near_birth"], tables["split"]
    families = [f for f in dict.fromkeys(main["family"].tolist()) if f not in LEFT_OUT]
    with paper_style():
        # laid out by hand (as the census figure): the panels' contents are fixed in kind
        fig, axes = subplots(
            2, 2, figsize=(TEXT_WIDTH, 4.8),
            gridspec_kw=dict(left=0.08, right=0.985, bottom=0.085, top=0.94, wspace=0.3,
                             hspace=0.42))
        (ax_a, ax_b), (ax_c, ax_d) = axes
        # (a) J k against k
        for name in families:
            m = main["family"] == name
            k, jk, ok = main["k"][m], main["loss_times_k"][m], main["certified"][m] == 1
            order = np.argsort(k)
            k, jk, ok = k[order], jk[order], ok[order]
            ax_a.plot(k[ok], jk[ok], "-", color=TYPE_COLOR.get(name, "k"), lw=1.2,
                      label=f"type {name} (proved minimum)")
            sad = main["verdict"][m][order] == "saddle"
            if sad.any():
                ax_a.plot(k[sad], jk[sad], "x", color=TYPE_COLOR.get(name, "k"), ms=4,
                          label=f"type {name} (proved saddle)")
            bad = ~ok & ~sad
            if bad.any():
                ax_a.plot(k[bad], jk[bad], "o", mfc="none", color="k", ms=4,
                          label="not proved")
        _decades(ax_a)
        ax_a.set_xlabel("k")
        ax_a.set_ylabel("J k")
        ax_a.set_title("(a) loss times k")
        ax_a.legend(loc="lower right", fontsize=6)
        # (b) distinct eigenvalues against k: one line per (type, block, eigenvalue)
        style = {"A": "-", "II": "--"}
        drawn = set()
        for name in families:
            m = (spec["family"] == name) & (spec["eigenvalue"] > 0)
            for blk in dict.fromkeys(spec["block"][m].tolist()):
                drawn.add(blk)
                mb = m & (spec["block"] == blk)
                for idx in sorted(set(spec["index"][mb].tolist())):
                    mi = mb & (spec["index"] == idx)
                    order = np.argsort(spec["k"][mi])
                    ax_b.plot(spec["k"][mi][order], spec["eigenvalue"][mi][order],
                              style.get(name, "-"), color=BLOCK_COLOR.get(blk, "k"), lw=0.8)
        _decades(ax_b)
        log_axis(ax_b, "y")
        ax_b.set_xlabel("k")
        ax_b.set_ylabel("Hessian eigenvalue")
        ax_b.set_title("(b) distinct eigenvalues (type A solid, II dashed)")
        handles = [Line2D([], [], color=BLOCK_COLOR[b], lw=1.2, label=b)
                   for b in BLOCK_COLOR if b in drawn]
        # below the eigenvalues' lines, which all tend to about 0.09 or grow with k
        ax_b.legend(handles=handles, loc="lower right", ncol=2, fontsize=5.5, handlelength=1.6,
                    labelspacing=0.25, columnspacing=1.0, borderaxespad=0.3)
        # (c) the block changing sign, around each birth; the proved bracket (width 8e-9,
        # thinner than a line) as dotted lines and its ends in words
        lines, drawn_c = [], []
        for i, name in enumerate(birth["family"].tolist()):
            blk = birth["block"][i]
            m = (near["family"] == name) & (near["block"] == blk)
            order = np.argsort(near["k"][m])
            color = TYPE_COLOR.get(name, "k")
            ax_c.plot(near["k"][m][order], near["lambda_min"][m][order], "-", color=color,
                      lw=1.2, label=f"type {name}: {blk} block")
            drawn_c.append(near["lambda_min"][m])
            ax_c.axvline(birth["k_star_lo"][i], color=color, lw=0.6, ls=":")
            ax_c.axvline(birth["k_star_hi"][i], color=color, lw=0.6, ls=":")
            # the ends rounded outward to 9 decimals
            lo = np.floor(birth["k_star_lo"][i] * 1e9) / 1e9
            hi = np.ceil(birth["k_star_hi"][i] * 1e9) / 1e9
            lines.append((f"{name}: k* in [{lo:.9f}, {hi:.9f}]", color))
        for j, (text, color) in enumerate(reversed(lines)):
            # on a white ground: the brackets' dotted lines run behind the text
            ax_c.text(0.97, 0.03 + 0.07 * j, text, transform=ax_c.transAxes, ha="right",
                      va="bottom", fontsize=6, color=color, zorder=3,
                      bbox=dict(facecolor="white", edgecolor="none", pad=0.6))
        values = np.concatenate(drawn_c) if drawn_c else np.array([])
        values = values[np.isfinite(values)]
        if values.size:  # room below the curves for the brackets' text, above for
            # the legend
            lo, hi = float(values.min()), float(values.max())
            pad = hi - lo if hi > lo else 1.0
            ax_c.set_ylim(lo - 0.3 * pad, hi + 0.3 * pad)
        ax_c.axhline(0, color="0.4", lw=0.6)
        ax_c.set_xlabel("k (real)")
        ax_c.set_ylabel("smallest eigenvalue of the block")
        ax_c.set_title("(c) birth as a minimum")
        ax_c.legend(loc="upper left", fontsize=6)
        # (d) the split embedding at n = k + 1: the proved bound on its negative curvature
        for name in dict.fromkeys(split["family"].tolist()):
            for unit in dict.fromkeys(split["unit"].tolist()):
                m = (split["family"] == name) & (split["unit"] == unit)
                if not m.any():
                    continue
                order = np.argsort(split["k"][m])
                k = split["k"][m][order]
                ok = (split["certified"][m][order] == 1) & (split["curvature_upper"][m][order]
                                                            < 0)
                curv = np.where(ok, -split["curvature_upper"][m][order], np.nan)
                ax_d.plot(k, curv, UNIT_STYLE.get(unit, ":"), color=TYPE_COLOR.get(name, "k"),
                          lw=1.0, label=f"type {name}, {unit} unit")
        _decades(ax_d)
        log_axis(ax_d, "y")
        ax_d.set_xlabel("k")
        ax_d.set_ylabel("proved bound on −λₘᵢₙ at n = k + 1")
        ax_d.set_title("(d) one unit split in two: a saddle")
        if len(split["k"]):
            ax_d.legend(loc="lower left", fontsize=6)
    return fig
