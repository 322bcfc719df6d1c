"""``relucheck all``: every command with its defaults into one folder, and one claims summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from pathlib import Path
from types import ModuleType

import click
import numpy as np

from relucheck.cli.common import common_options, output_folder
from relucheck.result import verdict_counts
from relucheck.runtime.progress import tqdm_progress

# The runner and the writers (importlib.metadata, subprocess, filelock) are imported when `all`
# runs, not when `relucheck --help` imports this module to list it.


def experiments() -> list[tuple[str, ModuleType, dict]]:
    """The runs of `all` (relucheck.runner.ALL) with their experiment modules, imported here."""
    from relucheck.runner import ALL, experiment

    return [(name, experiment(module), flags) for name, module, flags in ALL]


SUMMARY = "summary"


def summary_table(rows: list[tuple[str, object, float]]) -> dict[str, np.ndarray]:
    """One row per claim of every command: command, claim, level, measured, threshold, verdict
    (no wall times: they go to summary.run.json, so a rerun writes the same bytes)."""
    cols = ("command", "claim", "level", "measured", "threshold", "verdict")
    out: dict[str, list] = {c: [] for c in cols}
    for command, result, _ in rows:
        for c in result.claims:
            for k, v in zip(cols, (command, c.name, c.level, c.measured, c.threshold, c.verdict),
                            strict=True):
                out[k].append(v)
    return {k: np.array(v) for k, v in out.items()}


@click.command("all", short_help="Every command into one folder, with one claims summary.")
@common_options(quick_help="Every command at its own --quick sizes (listed in its --help).")
def command(out: Path, seed: int, quick: bool, quiet: bool, strict: bool) -> None:
    """Run every command with its defaults (or --quick sizes) into --out, then print and write
    the table of every claim as summary.csv and summary.json, with how many claims PASS, FAIL,
    are UNDECIDED or REPORTED. Exits 1 if any theorem-level claim failed (or, with --strict, is
    UNDECIDED)."""
    from relucheck import runner
    from relucheck.output.report import claim_table, count_text, verdict_line
    from relucheck.output.writers import atomic_write_text, table_to_csv

    if runner.holds_default_set(out) and (quick or seed != 0):
        raise click.BadParameter(
            f"{str(out)!r} holds the default set of `relucheck all` (make figures), and this run "
            f"({'--quick' if quick else f'--seed {seed}'}) would replace it; give another --out",
            param_hint="'--out'")
    plan, skipped = plan_commands()
    if skipped:
        click.echo(f"note: python-flint is not installed, so the interval proofs "
                   f"({', '.join(skipped)}) are skipped; pip install '.[certify]' from a clone "
                   "(or pip install python-flint) to run them.", err=True)
    progress = tqdm_progress(quiet)
    rows = []
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    with output_folder(out), progress(len(plan), "relucheck all") as bar:
        for name, exp, flags in plan:
            params = exp.Params(**flags)
            if quick:
                params = dataclasses.replace(params, **exp.QUICK)
            argv = f"relucheck {name} --out {out} --seed {seed}" + (" --quick" if quick else "")
            argv += " --strict" if strict else ""
            result, _, wall = runner.run_and_write(exp.run, params, out=out, seed=seed,
                                            progress=progress, command=argv, strict=strict)
            rows.append((name, result, wall))
            bar.update()
        total = time.perf_counter() - t0
        table = summary_table(rows)
        atomic_write_text(out / f"{SUMMARY}.csv", table_to_csv(table))
        failed = [(n, c) for n, r, _ in rows for c in r.failed]
        undecided = [(n, c) for n, r, _ in rows for c in r.undecided]
        _write_summary(out, seed, quick, strict, rows, failed, undecided, skipped)
        _write_summary_run(out, started, total, rows)
    for name, result, wall in rows:
        click.echo(f"\n== {name} ({result.stem}, {wall:.1f} s)")
        click.echo(claim_table(result.claims))
    if failed or undecided:
        verdict = verdict_line(len(failed), len(undecided), strict) + ": " + "; ".join(
            f"{n}: {c.name} ({c.verdict})" for n, c in failed + undecided)
    else:
        verdict = "every theorem-level claim holds"
    counts = count_text(verdict_counts([c for _, r, _ in rows for c in r.claims]))
    click.echo(f"\nrelucheck all: {verdict} ({total:.1f} s); {counts}; summary in "
               f"{out / SUMMARY}.csv")
    sys.exit(1 if failed or (strict and undecided) else 0)


def plan_commands() -> tuple[list[tuple[str, ModuleType, dict]], list[str]]:
    """The commands to run, decided before any work: without python-flint the proofs are left
    out (conjecture1-grid --certify, families) or run without their proof (census), and
    named."""
    from relucheck.proofs import flint_available
    from relucheck.runner import NEEDS_FLINT

    plan, skipped = [], []
    for name, exp, flags in experiments():
        if not flint_available() and name in NEEDS_FLINT:
            skipped.append(name)
            continue
        if not flint_available() and name.endswith("--certify"):
            skipped.append(name)
            if not flags.get("certify"):
                continue
            name, flags = name.removesuffix(" --certify"), {**flags, "certify": False}
        plan.append((name, exp, flags))
    return plan, skipped


def _write_summary(out: Path, seed: int, quick: bool, strict: bool, rows, failed, undecided,
                   skipped) -> None:
    from relucheck.output.writers import write_json  # see the imports above

    write_json(out / f"{SUMMARY}.json", {
        "command": " ".join(["relucheck", *sys.argv[1:]]),
        "seed": seed,
        "quick": quick,
        "strict": strict,
        "commands": [{"command": n, "stem": r.stem, "exit_code": r.exit_code_for(strict),
                      "verdicts": r.counts(),
                      "claims": [c.as_dict() for c in r.claims]}
                     for n, r, _ in rows],
        "verdicts": verdict_counts([c for _, r, _ in rows for c in r.claims]),
        "theorem_level_failures": len(failed),
        "theorem_level_undecided": len(undecided),
        "skipped_without_python_flint": skipped,
    })


def _write_summary_run(out: Path, started: dt.datetime, total: float, rows) -> None:
    """summary.run.json: when and where `all` ran and how long each command took."""
    from relucheck.output.writers import machine, run_record_name, write_json  # as above

    write_json(out / run_record_name(SUMMARY), {
        "stem": SUMMARY,
        "command": " ".join(["relucheck", *sys.argv[1:]]),
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(total, 3),
        **machine(),
        "commands": [{"command": n, "stem": r.stem, "wall_seconds": round(w, 3)}
                     for n, r, w in rows],
    })
