"""Regenerate the README's numbers from the files that hold them, or check that they agree.

    python scripts/readme_numbers.py           # rewrite the block in README.md
    python scripts/readme_numbers.py --check   # exit 1 (with a diff) when the block is stale

The block lies between the lines ``<!-- numbers:begin -->`` and ``<!-- numbers:end -->`` of
README.md; nothing outside it is touched. It holds two tables: every claim of ``relucheck all``
with its measured value and verdict (figures/summary.json, written by ``make figures``), and
the run times of ``make bench`` (benchmarks/last_bench.json, written by
``benchmarks/run.py --json``). So the README's numbers cannot drift from the runs: a new
``make bench``, or a ``make figures`` that changes any claim's text, makes ``--check``
(tests/test_readme_numbers.py) fail until this script is rerun. The claims' texts hold no wall
times and print rounding-level numbers as fixed bounds, so rerunning ``make figures`` on the
same code leaves them, and the block, as they were; any difference at all is a failure.

Exit codes: 0 written or up to date; 1 the block differs (--check); 2 a file or the markers are
missing or malformed (one line saying which).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- numbers:begin -->", "<!-- numbers:end -->"
#: The heading of the run-times table inside the block.
RUN_TIMES = "## Run times"


class Problem(Exception):
    """An input is missing or malformed (exit 2)."""


def cell(x) -> str:
    """Text for one table cell: Markdown's column separator escaped, on one line."""
    return " ".join(str(x).split()).replace("|", "\\|")


#: The verdicts of a theorem-level claim, in the order the README counts them.
THEOREM_VERDICTS = ("PASS", "FAIL", "UNDECIDED")


def results_table(summary: dict) -> list[str]:
    claims = [(c["command"], k) for c in summary["commands"] for k in c["claims"]]
    theorem = [k for _, k in claims if k["level"] == "theorem"]
    # counted from the claims themselves, so a summary.json written before the UNDECIDED
    # verdict existed (issue 31) reads the same way
    counts = ", ".join(f"{sum(k['verdict'] == v for k in theorem)} {v}"
                       for v in THEOREM_VERDICTS)
    lines = [f"Every claim that `relucheck all` checks (`make figures`, seed {summary['seed']}"
             f"{', --quick sizes' if summary['quick'] else ''}): {len(claims)} claims, "
             f"{len(theorem)} of them theorem-level: {counts} "
             "(from `figures/summary.json`; UNDECIDED: a statistical claim the run is too small "
             "to decide either way).",
             "",
             "| command | claim | measured | verdict |",
             "|---|---|---|---|"]
    for command, k in claims:
        verdict = (f"**{k['verdict']}**" if k["verdict"] in ("FAIL", "UNDECIDED")
                   else k["verdict"])
        lines.append(f"| `{cell(command)}` | {cell(k['claim'])} | {cell(k['measured'])} | "
                     f"{verdict} |")
    return lines


def seconds(x: float) -> str:
    if x < 10:
        return f"{x:.2f} s"
    if x < 60:
        return f"{x:.1f} s"
    return f"{int(x // 60)} min {round(x % 60):d} s"


def command(args: list[str]) -> str:
    """The command line a bench case runs (benchmarks/run.py: "script:" runs a script there)."""
    if args and args[0].startswith("script:"):
        return " ".join(["python", "benchmarks/" + args[0][len("script:"):], *args[1:]])
    return " ".join(["relucheck", *args])


def timing_table(bench: dict) -> list[str]:
    # The heading keeps the README's "Run times" section (docs/design.md points to it) inside
    # the generated block.
    lines = [RUN_TIMES,
             "",
             "`make bench`: the median wall time of fresh processes, end to end (process start, "
             "computation, CSV, JSON, PNG and PDF), and the largest peak memory, from "
             "`benchmarks/last_bench.json`. The last column says when, over how many runs and "
             "how busy the machine was: its 1-minute load average at the start and the end of "
             "the bench (on the 2-core reference machine, 2 means both cores were already busy "
             "with other work, which slows every case).",
             "",
             "| work | median | budget | peak memory | memory budget | verdict | measured |",
             "|---|---|---|---|---|---|---|"]
    for c in bench["cases"]:
        budget = "-" if c["budget_s"] is None else f"{c['budget_s']:g} s"
        mem_budget = "-" if c["budget_mb"] is None else f"{c['budget_mb']:.0f} MB"
        load = "/".join(f"{x:g}" for x in c["loadavg_1min"])
        when = f"{c['date']}, {c['repeat']} run{'s' if c['repeat'] > 1 else ''}, load {load}"
        lines.append(f"| {cell(c['name'])}: `{cell(command(c['args']))}` | "
                     f"{seconds(c['median_s'])} | {budget} | {c['peak_mb']:.0f} MB | "
                     f"{mem_budget} | {c['verdict']} | {when} |")
    for r in bench.get("ratios", []):
        lines += ["", f"{r['name']}: {r['ratio']:g}x (at least {r['least']:g}x: "
                      f"{r['verdict']}; {r['date']})."]
    return lines


def block(summary: dict, bench: dict) -> str:
    lines = [BEGIN,
             "<!-- Generated by scripts/readme_numbers.py from figures/summary.json and "
             "benchmarks/last_bench.json; do not edit by hand: rerun the script. -->",
             "", *results_table(summary), "", *timing_table(bench), "", END]
    return "\n".join(lines)


def load(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Problem(f"{path} is missing: {what}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(f"{path} is not JSON ({exc})") from None


def split(readme: str, path: Path) -> tuple[list[str], str, list[str]]:
    """(lines before the block, the block with its markers, lines after it)."""
    lines = readme.split("\n")
    begins = [i for i, ln in enumerate(lines) if ln.strip() == BEGIN]
    ends = [i for i, ln in enumerate(lines) if ln.strip() == END]
    if not begins or not ends:
        raise Problem(f"{path} has no {BEGIN} ... {END} block: put the two markers, each on a "
                      "line of its own, around the results and timing tables")
    if len(begins) > 1 or len(ends) > 1 or ends[0] < begins[0]:
        raise Problem(f"{path}: the markers must appear once each, {BEGIN} first "
                      f"(found {len(begins)} and {len(ends)})")
    b, e = begins[0], ends[0]
    return lines[:b], "\n".join(lines[b:e + 1]), lines[e + 1:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write: exit 1 with a diff when the block is not up to date")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--summary", type=Path, default=ROOT / "figures" / "summary.json")
    ap.add_argument("--bench", type=Path, default=ROOT / "benchmarks" / "last_bench.json")
    ns = ap.parse_args(argv)
    try:
        summary = load(ns.summary, "run make figures")
        bench = load(ns.bench, "run make bench (benchmarks/run.py --json PATH)")
        readme = ns.readme.read_text(encoding="utf-8")
        before, current, after = split(readme, ns.readme)
        fresh = block(summary, bench)
    except Problem as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except (KeyError, TypeError) as exc:
        print(f"Error: {ns.summary} or {ns.bench} lacks a field the tables need ({exc})",
              file=sys.stderr)
        return 2
    if current == fresh:
        print(f"{ns.readme}: the numbers block is up to date")
        return 0
    if ns.check:
        diff = difflib.unified_diff(current.split("\n"), fresh.split("\n"),
                                    "README.md (now)", "from summary.json and the bench",
                                    lineterm="", n=0)
        print(f"{ns.readme}: the numbers block differs from {ns.summary.name} and "
              f"{ns.bench.name}; run python scripts/readme_numbers.py\n" + "\n".join(diff))
        return 1
    tmp = ns.readme.with_name(f".{ns.readme.name}.tmp")
    tmp.write_text("\n".join([*before, fresh, *after]), encoding="utf-8")
    os.replace(tmp, ns.readme)  # atomic: the README is never half written
    print(f"{ns.readme}: numbers block rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
