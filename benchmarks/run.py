"""Time every command against its budget (docs/design.md): `make bench`, or
`python benchmarks/run.py`.

Each case runs the installed ``relucheck`` in a fresh process ``--repeat`` times (default 3) into
a temporary folder; we report the median wall time and the largest peak resident memory (from the
kernel's rusage of the child, so it includes numpy's buffers). Not a test: budgets are reported,
and the exit code is 1 only when a median is over its budget.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RELUCHECK = [str(Path(sys.executable).with_name("relucheck"))]
#: A case whose arguments start with this runs a Python script of benchmarks/ instead.
SCRIPT = "script:"
HERE = Path(__file__).resolve().parent

#: (name, arguments, budget seconds or None, budget MB or None)
CASES = [
    ("verify-formula --d 20 (defaults)", ["verify-formula", "--d", "20"], 20.0, None),
    ("verify-formula, N = 10^7 (memory)",
     ["verify-formula", "--quick", "--n-angle", "10000000", "--pairs-angle", "64"], None, None),
    ("conjecture1-grid (defaults)", ["conjecture1-grid"], 2.5, 300.0),
    ("conjecture1-grid 10^5 x 2*10^5", ["conjecture1-grid", "--n-a", "100000", "--n-phi",
                                        "200000"], None, 300.0),
    ("conjecture1-grid --certify (a in (0, pi), 2 workers)",
     ["conjecture1-grid", "--certify", "--workers", "2"], None, None),
    ("ssb-2d (defaults)", ["ssb-2d"], 5.0, None),
    ("noise-sweep (defaults)", ["noise-sweep"], 30.0, None),
    ("init-prob (defaults)", ["init-prob"], 15.0, None),
    ("census (defaults)", ["census"], 60.0, None),
    ("conjecture2 (defaults)", ["conjecture2"], 60.0, None),
    ("census --K 10 --extra 0 --runs 300", ["census", "--K", "10", "--extra", "0", "--runs",
                                            "300"], None, None),
    ("numpy baseline --K 10 --extra 0 --runs 300",
     [SCRIPT + "numpy_descent.py", "--K", "10", "--extra", "0", "--runs", "300"], None, None),
    ("interval proof of a k = n = 10 spurious family (with its descent)",
     [SCRIPT + "certify_minimum.py", "--k", "10"], 10.0, None),
    ("interval proof of a k = n = 20 spurious family (with its descent)",
     [SCRIPT + "certify_minimum.py", "--k", "20"], 120.0, None),
    ("census --K 20 --runs 1000 (memory)", ["census", "--K", "20", "--runs", "1000"], None,
     400.0),
    ("families (defaults: A, II and global, splits, k = 6..10^4, 2 workers)",
     ["families", "--workers", "2"], 120.0, 400.0),
]

#: (what, case, baseline case, smallest ratio of medians baseline / case)
RATIOS = [
    ("census speed-up over plain numpy descent, end to end",
     "census --K 10 --extra 0 --runs 300", "numpy baseline --K 10 --extra 0 --runs 300", 10.0),
]

#: Long cases, run only with --long (reported in the README, not budgets).
LONG = [
    ("census --K 6..20 --extra 0 --runs 1000",
     ["census", "--K", ",".join(map(str, range(6, 21))), "--extra", "0", "--runs", "1000"],
     None, 400.0),
]


def run_once(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one run in a fresh process."""
    out = tempfile.mkdtemp(prefix="relucheck-bench-")
    if args[0].startswith(SCRIPT):
        cmd = [sys.executable, str(HERE / args[0][len(SCRIPT):]), *args[1:]]
    else:
        cmd = [*RELUCHECK, *args, "--out", out, "--quiet"]
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.stderr.write(proc.stderr.read().decode())
        return wall, usage.ru_maxrss / 1024, code
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="", help="run the cases whose name contains this text")
    ap.add_argument("--long", action="store_true", help="also the long cases (minutes)")
    ap.add_argument("--json", type=Path, metavar="PATH",
                    help="also record the medians in PATH (JSON; the cases measured replace "
                         "their earlier entries, the others are kept with their dates)")
    ns = ap.parse_args()
    # Time the package as installed by pip (byte-compiled), whatever PYTHONDONTWRITEBYTECODE
    # says: with it, an editable install would compile every module at each start (0.3 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "relucheck")],
                   check=True)
    rows, over, medians = [], False, {}
    measured = []
    load_start = os.getloadavg()
    selected = [c for c in CASES + (LONG if ns.long else []) if ns.only in c[0]]
    args_of = {c[0]: c[1] for c in selected}
    # The two sides of a ratio run in turn (case, baseline, case, ...), not one after the other:
    # a machine whose speed drifts during the bench (other work, clock changes) then slows both
    # sides alike, and the ratio of their medians is not skewed by when each side ran.
    runs_of: dict[str, list] = {}
    for _, case, base, _ in RATIOS:
        if case in args_of and base in args_of:
            for _ in range(ns.repeat):
                for name in (case, base):
                    runs_of.setdefault(name, []).append(run_once(args_of[name]))
    for name, args, budget_s, budget_mb in selected:
        runs = runs_of.get(name) or [run_once(args) for _ in range(ns.repeat)]
        med = statistics.median(r[0] for r in runs)
        medians[name] = med
        peak = max(r[1] for r in runs)
        codes = sorted({r[2] for r in runs})
        ok_t = budget_s is None or med <= budget_s
        ok_m = budget_mb is None or peak <= budget_mb
        over |= not (ok_t and ok_m)
        measured.append({"name": name, "args": args, "median_s": round(med, 3),
                         "budget_s": budget_s, "peak_mb": round(peak, 1),
                         "budget_mb": budget_mb, "exit_codes": codes,
                         "verdict": "ok" if ok_t and ok_m else "OVER"})
        rows.append((name, f"{med:.2f}", "-" if budget_s is None else f"{budget_s:g}",
                     f"{peak:.0f}", "-" if budget_mb is None else f"{budget_mb:g}",
                     ",".join(map(str, codes)), "ok" if ok_t and ok_m else "OVER"))
        print(f"  {name}: median {med:.2f} s over {ns.repeat}, peak {peak:.0f} MB", file=sys.stderr)
    head = ("case", "median s", "budget s", "peak MB", "budget MB", "exit", "verdict")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    ratios = []
    for what, case, base, least in RATIOS:
        if case in medians and base in medians:
            ratio = medians[base] / medians[case]
            over |= ratio < least
            ratios.append({"name": what, "case": case, "baseline": base,
                           "ratio": round(ratio, 2), "least": least,
                           "verdict": "ok" if ratio >= least else "UNDER"})
            print(f"{what}: {ratio:.1f}x ({medians[base]:.2f} s / {medians[case]:.2f} s; "
                  f"at least {least:g}x) {'ok' if ratio >= least else 'UNDER'}")
    print(f"\n{os.cpu_count()} cores; medians of {ns.repeat} runs in fresh processes")
    if ns.json is not None:
        write_json(ns.json, measured, ratios, ns.repeat, load_start)
    return 1 if over else 0


def write_json(path: Path, cases: list[dict], ratios: list[dict], repeat: int,
               load_start: tuple[float, float, float]) -> None:
    """Merge this run's medians into ``path`` (by case name), each entry with the date and the
    machine it was measured on; written atomically (a temporary file, then a rename)."""
    when = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
            "repeat": repeat, "cpu_count": os.cpu_count(), "platform": platform.platform(),
            # other work on the machine slows every case: the load says how busy it was
            "loadavg_1min": [round(load_start[0], 2), round(os.getloadavg()[0], 2)]}
    old = {"cases": [], "ratios": []}
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
    order = [c[0] for c in CASES + LONG]
    # entries of cases that no longer exist (renamed or removed) are dropped
    merged = {e["name"]: e for e in old.get("cases", []) if e["name"] in order}
    merged.update({e["name"]: {**e, **when} for e in cases})
    kept = {e["name"]: e for e in old.get("ratios", []) if e["name"] in {r[0] for r in RATIOS}}
    kept.update({e["name"]: {**e, **when} for e in ratios})
    data = {"note": "written by benchmarks/run.py --json; read by scripts/readme_numbers.py",
            "cases": sorted(merged.values(), key=lambda e: (e["name"] not in order,
                                                            order.index(e["name"])
                                                            if e["name"] in order else 0)),
            "ratios": list(kept.values())}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
