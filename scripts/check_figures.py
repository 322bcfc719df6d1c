"""Compare a fresh output folder with the committed figures: ``make check-figures``.

    python scripts/check_figures.py FRESH [--committed figures] [--no-redraw] [--no-simd]
    python scripts/check_figures.py --tolerances | --constraints

Every CSV of FRESH is compared with the committed one, column by column, by the tolerances of
relucheck/output/tolerances.py (exact for counts, classes, certified flags and signs; stated
bounds for floats; the census's non-isolated minima by what is invariant on their set; wall
times ignored). Then every committed figure is redrawn from the committed CSVs and compared byte
for byte with the committed PNG and PDF; when one differs, the drawing environment (library
versions, FreeType, numpy's SIMD targets) is compared with the one the provenance recorded.
--no-simd redraws with numpy's SIMD kernels off, to see whether a figure depends on the CPU.
Prints "reproduced" (exit 0) or the differences (exit 1); exit 2 when a folder is missing.
--tolerances prints the table; --constraints the pins of constraints/figures.txt for this
environment.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def print_tolerances() -> None:
    from relucheck.output.tolerances import TOLERANCES

    for name, rules in TOLERANCES.items():
        print(name)
        for col, rule in rules.items():
            print(f"  {col}: {rule.text()}")
            for why in rule.reasons():
                print(f"      {why}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fresh", nargs="?", type=Path, help="the folder to check (a fresh run)")
    ap.add_argument("--committed", type=Path, default=Path("figures"),
                    help="the reference folder [default: figures]")
    ap.add_argument("--no-redraw", action="store_true",
                    help="skip redrawing the committed figures from their CSVs")
    ap.add_argument("--no-simd", action="store_true",
                    help="redraw with numpy's SIMD kernels turned off (NPY_DISABLE_CPU_FEATURES, "
                         "in a subprocess): does a figure depend on the CPU that draws it?")
    ap.add_argument("--tolerances", action="store_true", help="print the tolerance table")
    ap.add_argument("--constraints", action="store_true",
                    help="print constraints/figures.txt for this environment (the pinned "
                         "versions of every runtime dependency)")
    ns = ap.parse_args(argv)
    if ns.tolerances:
        print_tolerances()
        return 0
    if ns.constraints:
        from relucheck.output.redraw import constraints_text

        sys.stdout.write(constraints_text())
        return 0
    if ns.fresh is None:
        ap.error("give the folder to check (or --tolerances)")
    for folder in (ns.fresh, ns.committed):
        if not folder.is_dir():
            print(f"Error: {folder} is not a folder", file=sys.stderr)
            return 2

    from relucheck.output.compare import compare_folders
    from relucheck.output.tolerances import TOLERANCES

    t0 = time.perf_counter()
    diffs = compare_folders(ns.committed, ns.fresh, TOLERANCES)
    n_csv = len(list(ns.committed.glob("*.csv")))
    t1 = time.perf_counter()
    redrawn, notes = "", []
    if not ns.no_redraw:
        from relucheck.output.redraw import environment_notes, redraw_differences

        drawn = redraw_differences(ns.committed, simd=not ns.no_simd)
        diffs += drawn
        how = " with numpy's SIMD kernels off" if ns.no_simd else ""
        redrawn = (f"; every figure of {ns.committed} redrawn from its CSVs{how} byte for byte "
                   f"({time.perf_counter() - t1:.0f} s)")
        stems = sorted({d.split(":")[0].rsplit(".", 1)[0] for d in drawn})
        if stems:
            notes = environment_notes(ns.committed, stems)
    took = f"{time.perf_counter() - t0:.0f} s"
    if diffs:
        print(f"NOT reproduced: {len(diffs)} difference(s) between {ns.fresh} and "
              f"{ns.committed} ({took}):")
        for d in diffs:
            print(f"- {d}")
        for note in notes:
            print(note)
        return 1
    print(f"reproduced: {n_csv} CSVs of {ns.fresh} match {ns.committed} within the tolerances "
          f"of relucheck/output/tolerances.py ({t1 - t0:.1f} s){redrawn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
