"""The families figure, drawn from families.csv, families_spectrum.csv, families_births.csv and
families_near_birth.csv alone.

(a) J k against k for types A and II, proved minima as lines, proved saddles and unproved k as
markers; (b) the distinct Hessian eigenvalues against k (log-log), coloured by block, type A
solid and type II dashed; (c) the smallest eigenvalue of the block that changes sign
against real k around each birth, the proved bracket marked and its ends written out.
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


def plot(tables: dict[str, Table]) -> Figure:
    main, spec = tables["main"], tables["spectrum"]
    births, near = tables["births"], tables["near_birth"]
    types = list(dict.fromkeys(main["type"].tolist()))
    with paper_style():
        fig, (ax_a, ax_b, ax_c) = subplots(
            1, 3, figsize=(TEXT_WIDTH, 2.5),
            gridspec_kw=dict(left=0.075, right=0.985, bottom=0.19, top=0.86, wspace=0.36))
        # (a) J k against k
        for name in types:
            m = main["type"] == name
            k, jk, ok = main["k"][m], main["loss_times_k"][m], main["proved"][m] == 1
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
        log_axis(ax_a, "x")
        ax_a.xaxis.set_major_locator(ticker.LogLocator(base=10, numticks=12))  # every decade
        ax_a.xaxis.set_minor_formatter(ticker.NullFormatter())  # short ranges: no crowding
        ax_a.set_xlabel("k")
        ax_a.set_ylabel("J k")
        ax_a.set_title("(a) loss times k")
        ax_a.legend(loc="lower right", fontsize=6)
        # (b) distinct eigenvalues against k: one line per (type, block, eigenvalue)
        style = {"A": "-", "II": "--"}
        for name in types:
            m = (spec["type"] == name) & (spec["eigenvalue"] > 0)
            for blk in dict.fromkeys(spec["block"][m].tolist()):
                mb = m & (spec["block"] == blk)
                for idx in sorted(set(spec["index"][mb].tolist())):
                    mi = mb & (spec["index"] == idx)
                    order = np.argsort(spec["k"][mi])
                    ax_b.plot(spec["k"][mi][order], spec["eigenvalue"][mi][order],
                              style.get(name, "-"), color=BLOCK_COLOR.get(blk, "k"), lw=0.8)
        log_axis(ax_b, "x")
        ax_b.xaxis.set_major_locator(ticker.LogLocator(base=10, numticks=12))
        ax_b.xaxis.set_minor_formatter(ticker.NullFormatter())
        log_axis(ax_b, "y")
        ax_b.set_xlabel("k")
        ax_b.set_ylabel("Hessian eigenvalue")
        ax_b.set_title("(b) distinct eigenvalues")
        present = [b for b in BLOCK_COLOR if b in set(spec["block"].tolist())]
        handles = [Line2D([], [], color=BLOCK_COLOR[b], lw=1.2, label=b) for b in present]
        handles += [Line2D([], [], ls=style[t], color="0.3", lw=0.8, label=f"type {t}")
                    for t in types if t in style]
        ax_b.legend(handles=handles, loc="center right", fontsize=5, handlelength=1.6,
                    labelspacing=0.25, borderaxespad=0.3)
        # (c) the block changing sign, around each birth; the proved bracket (width 8e-9,
        # thinner than a line) as dotted lines and its ends in words
        lines = []
        for i, name in enumerate(births["type"].tolist()):
            blk = births["block"][i]
            m = (near["type"] == name) & (near["block"] == blk)
            order = np.argsort(near["k"][m])
            color = TYPE_COLOR.get(name, "k")
            ax_c.plot(near["k"][m][order], near["lambda_min"][m][order], "-", color=color,
                      lw=1.2, label=f"type {name}: {blk} block")
            ax_c.axvline(births["k_lo"][i], color=color, lw=0.6, ls=":")
            ax_c.axvline(births["k_hi"][i], color=color, lw=0.6, ls=":")
            # the ends rounded outward to 9 decimals
            lo = np.floor(births["k_lo"][i] * 1e9) / 1e9
            hi = np.ceil(births["k_hi"][i] * 1e9) / 1e9
            lines.append((f"{name}: k* in [{lo:.9f}, {hi:.9f}]", color))
        for j, (text, color) in enumerate(reversed(lines)):
            ax_c.text(0.97, 0.03 + 0.08 * j, text, transform=ax_c.transAxes, ha="right",
                      va="bottom", fontsize=5.5, color=color)
        ax_c.axhline(0, color="0.4", lw=0.6)
        ax_c.set_xlabel("k (real)")
        ax_c.set_ylabel("smallest eigenvalue of the block")
        ax_c.set_title("(c) birth as a minimum")
        ax_c.legend(loc="upper left", fontsize=6)
    return fig
