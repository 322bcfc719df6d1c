"""The claim table printed at the end of every command."""

from __future__ import annotations

import textwrap

from relucheck.result import Claim


def claim_table(claims: list[Claim], width: int = 100) -> str:
    """Plain-text table: claim | measured | threshold | verdict (wrapped to ``width``)."""
    cols = [("claim", 34), ("measured", 30), ("threshold", 24), ("verdict", 8)]
    scale = max(0.6, (width - 3 * (len(cols) - 1)) / sum(w for _, w in cols))
    widths = [max(8, int(w * scale)) for _, w in cols]
    sep = " | "

    def fmt(cells: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(c, w) or [""] for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        return [
            sep.join((wrapped[i][k] if k < len(wrapped[i]) else "").ljust(widths[i])
                     for i in range(len(cells))).rstrip()
            for k in range(height)
        ]

    lines = fmt([name for name, _ in cols])
    lines.append("-+-".join("-" * w for w in widths))
    for c in claims:
        lines.extend(fmt([c.name, c.measured, c.threshold, c.verdict]))
    return "\n".join(lines)
