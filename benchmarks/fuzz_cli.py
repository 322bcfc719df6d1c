"""Every option of every command against a fixed list of bad values, and real --quick runs at
the edges of every option's accepted range: the counts behind issue 15's report.

    python benchmarks/fuzz_cli.py [--no-runs]

Prints, per category of value, how many cases ended with exit 0, 1, 2 (and anything else, which
would be a defect), and the same for the real runs at the edges. The test suite draws from the
same cases with hypothesis (tests/test_fuzz_cli.py).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

CATEGORIES = {
    "negative": ["-1", "-1e300", "-0.5"], "zero": ["0", "-0", "0.0"],
    "huge": ["1e308", "9" * 40, "1e30", "1000000000000"], "overflowing": ["1e400", "1e999999"],
    "inf": ["inf", "-inf"], "nan": ["nan", "1,nan"], "empty": ["", " ", ","],
    "text": ["abc", "0x10", "\u00bd", "None", "1_000", "10**9"], "pi": ["pi", "-pi", "2pi"],
    "lists": ["1,,2", "1,2,3", "-5,5"],
}


def main() -> None:
    import test_fuzz_cli as fz

    from relucheck import runner
    from relucheck.cli import main as cli
    from relucheck.result import Result

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-runs", action="store_true")
    args = ap.parse_args()
    runner.run_and_write, real = (lambda run, params, **kw: (Result("stub", {"main": {}}, []),
                                                              [], 0.0)), runner.run_and_write
    table = collections.defaultdict(collections.Counter)
    t0 = time.perf_counter()
    n = 0
    for name, opt, _ in fz.OPTIONS:
        for cat, values in CATEGORIES.items():
            for v in values:
                out = Path(tempfile.mkdtemp()) / "out"
                argv = [name, opt, v, "--out", str(out)]
                if name in ("plot", "check-certificate", "check-minimum"):
                    argv = [name, str(out / "missing.csv"), opt, v]
                res = CliRunner().invoke(cli, argv)
                ok = res.exception is None or isinstance(res.exception, SystemExit)
                table[cat][res.exit_code if ok and "Traceback" not in res.output else "defect"] += 1
                n += 1
    print(f"{n} option x value cases (parse and checks, computation stubbed), "
          f"{time.perf_counter() - t0:.0f} s:")
    for cat, counts in table.items():
        print(f"  {cat:12s} " + ", ".join(f"exit {k}: {v}" for k, v in sorted(counts.items(),
                                                                            key=str)))
    if args.no_runs:
        return
    runner.run_and_write = real
    counts: collections.Counter = collections.Counter()
    slow = []
    t0 = time.perf_counter()
    for name, opt, v in fz.EDGES:
        out = Path(tempfile.mkdtemp()) / "out"
        t = time.perf_counter()
        extra = ["--workers", "1"] if name in ("census", "noise-sweep") else []
        res = CliRunner().invoke(cli, [name, "--quick", "--quiet", opt, v, "--out", str(out),
                                       *extra])
        ok = res.exception is None or isinstance(res.exception, SystemExit)
        key = res.exit_code if ok and "Traceback" not in res.output else "defect"
        counts[key] += 1
        if key == "defect" or key not in (0, 1, 2):
            print(f"  DEFECT {name} {opt} {v}: {res.exception!r}", flush=True)
        elif key == 1:
            failed = [ln for ln in res.output.splitlines() if "FAIL" in ln][:1]
            print(f"  exit 1 (a claim fails at this edge) {name} {opt} {v}: "
                  f"{failed[0][:90] if failed else ''}", flush=True)
        slow.append((time.perf_counter() - t, name, opt, v))
    print(f"{len(fz.EDGES)} real --quick runs at the edges of the accepted values, "
          f"{time.perf_counter() - t0:.0f} s: " + ", ".join(f"exit {k}: {c}" for k, c in
                                                          sorted(counts.items(), key=str)))
    slow.sort(reverse=True)
    print("  slowest: " + "; ".join(f"{n} {o} {v}: {s:.1f} s" for s, n, o, v in slow[:3]))


if __name__ == "__main__":
    main()
