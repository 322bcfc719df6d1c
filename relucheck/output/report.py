"""The claim table printed at the end of every command, and the one-line verdict under it."""

from __future__ import annotations

import textwrap

from relucheck.result import FAIL, VERDICTS, Claim, verdict_counts


def claim_table(claims: list[Claim], width: int = 100) -> str:
    """Plain-text table: claim | measured | threshold | verdict (wrapped to ``width``), then
    how many claims have each verdict (PASS, FAIL, UNDECIDED, REPORTED)."""
    cols = [("claim", 34), ("measured", 30), ("threshold", 24), ("verdict", 9)]
    scale = max(0.6, (width - 3 * (len(cols) - 1)) / sum(w for _, w in cols))
    widths = [max(8, int(w * scale)) for _, w in cols]
    widths[-1] = max(widths[-1], max(len(v) for v in VERDICTS))  # a verdict is never wrapped
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
    lines += ["", f"verdicts: {count_text(verdict_counts(claims))}"]
    return "\n".join(lines)


def count_text(counts: dict[str, int]) -> str:
    """``{"PASS": 3, "FAIL": 1, "UNDECIDED": 1, "REPORTED": 1}`` -> "3 PASS, 1 FAIL,
    1 UNDECIDED, 1 REPORTED". No failure is written "0 failed": the word FAIL appears in the
    output of a run only where a claim failed, so that grepping for it stays a test."""
    return ", ".join(f"{counts.get(v, 0)} {'failed' if v == FAIL and not counts.get(v) else v}"
                     for v in VERDICTS)


def verdict_line(failed: int, undecided: int, strict: bool) -> str:
    """What the theorem-level claims say, for the line under the table: all hold, some FAILED,
    or some are UNDECIDED (and whether that makes the run exit 1: only with --strict)."""
    if failed:
        text = f"{failed} theorem-level claim(s) FAILED"
        return text + (f", {undecided} UNDECIDED" if undecided else "")
    if undecided:
        return (f"{undecided} theorem-level claim(s) UNDECIDED, none failed: the run is too "
                "small to decide them (see the sizes in the table)"
                + ("; --strict: exit 1" if strict else "; exit 0 (--strict makes it 1)"))
    return "all theorem-level claims hold"
