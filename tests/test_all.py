"""`relucheck all`: every command into one folder, a claims summary, deterministic outputs, and
every figure redrawn from its CSV alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from relucheck.cli import main
from relucheck.cli.all import experiments, plan_commands
from relucheck.output import outset
from relucheck.output.plots import FIGURES


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two independent `relucheck all --quick` processes, run at the same time (they are
    mostly single-threaded figure drawing, and the machine has two cores). Each writes into
    `figures` under its own working folder: the same command line, as `make figures` on two
    clones."""
    homes = [tmp_path_factory.mktemp(name) for name in ("first", "second")]
    procs = [subprocess.Popen([sys.executable, "-m", "relucheck", "all", "--quick", "--quiet",
                               "--out", "figures"], cwd=home, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for home in homes]
    runs = []
    for home, proc in zip(homes, procs, strict=True):
        output, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, output
        runs.append((home / "figures", output))
    return runs


def test_every_command_runs_and_the_summary_lists_every_claim(two_runs):
    out, output = two_runs[0]
    stems = {exp.STEM for _, exp, _ in experiments()}
    for stem in stems:
        for ext in ("csv", "json", "png", "pdf"):
            assert (out / f"{stem}.{ext}").exists(), f"{stem}.{ext}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["theorem_level_failures"] == 0
    # every claim decided at the --quick sizes; the counts cover every claim
    assert summary["theorem_level_undecided"] == 0 and summary["strict"] is False
    assert summary["verdicts"]["UNDECIDED"] == summary["verdicts"]["FAIL"] == 0
    assert sum(summary["verdicts"].values()) == sum(len(c["claims"])
                                                    for c in summary["commands"])
    assert [c["command"] for c in summary["commands"]] == [n for n, _, _ in experiments()]
    n_claims = sum(len(c["claims"]) for c in summary["commands"])
    lines = (out / "summary.csv").read_text().splitlines()
    assert lines[0] == "command,claim,level,measured,threshold,verdict"
    assert len(lines) == 1 + n_claims
    assert "every theorem-level claim holds" in output


def test_a_rerun_writes_the_same_bytes_except_the_run_records(two_runs):
    """What `make figures` commits (tables, figures, provenance, summary) is byte-identical
    between two runs; only the run records (time, machine, wall seconds) differ."""
    (a, _), (b, _) = two_runs
    names = sorted(p.name for p in a.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in b.iterdir() if not p.name.startswith("."))
    records = [n for n in names if n.endswith(".run.json")]
    stems = {exp.STEM for _, exp, _ in experiments()} | {"summary"}
    assert sorted(records) == sorted(f"{s}.run.json" for s in stems)
    for name in names:
        if name not in records:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_no_claim_text_holds_a_wall_time(two_runs):
    out, _ = two_runs[0]
    summary = json.loads((out / "summary.json").read_text())
    timed = [(c["command"], k["measured"]) for c in summary["commands"] for k in c["claims"]
             if re.search(r"\b\d+(?:\.\d+)? ?(?:s|ms)\b", k["measured"])]
    assert timed == []


RUN_SPECIFIC = {"started_utc", "wall_seconds", "git_revision", "platform", "threads",
                "workers_used"}


def _keys(x) -> set[str]:
    if isinstance(x, dict):
        return set(x) | {k for v in x.values() for k in _keys(v)}
    if isinstance(x, list):
        return {k for v in x for k in _keys(v)}
    return set()


def test_run_specific_facts_are_in_the_run_records_only(two_runs):
    out, _ = two_runs[0]
    for record in sorted(out.glob("*.run.json")):
        stem = record.name.removesuffix(".run.json")
        main_json = json.loads((out / f"{stem}.json").read_text())
        keys = _keys(main_json)
        assert not keys & RUN_SPECIFIC, (stem, keys & RUN_SPECIFIC)
        assert not [k for k in keys if k.endswith("_seconds")], stem
        run = json.loads(record.read_text())
        assert {"started_utc", "wall_seconds", "git_revision", "platform", "threads"} <= set(run)
        assert run["wall_seconds"] >= 0 and run["threads"]["cpu_count"] >= 1
        if stem != "summary":  # names the record it belongs to, by content
            assert run["record"] == {"file": f"{stem}.json",
                                     "sha256": outset.sha256(out / f"{stem}.json")}
    if "census --certify" in [n for n, _, _ in plan_commands()[0]]:  # python-flint present
        census = json.loads((out / "census.run.json").read_text())
        assert "certify_seconds" in census["run"]  # census's proof times (a *_seconds key)
    summary = json.loads((out / "summary.run.json").read_text())
    assert [c["stem"] for c in summary["commands"]] == [e.STEM for _, e, _ in experiments()]


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_plot_redraws_each_figure_from_its_csv(two_runs, tmp_path, stem):
    out, _ = two_runs[0]
    r = CliRunner().invoke(main, ["plot", str(out / f"{stem}.csv"), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / f"{stem}.pdf").read_bytes() == (out / f"{stem}.pdf").read_bytes()


@pytest.mark.parametrize("strict", [False, True])
def test_undecided_claims_exit_0_or_with_strict_1(tmp_path, monkeypatch, strict):
    """Every command's run replaced by one with an UNDECIDED claim: `relucheck all` exits 0 and
    says so, or 1 with --strict; summary.json counts the verdicts and records the exit codes."""
    from relucheck import runner
    from relucheck.result import PASS, UNDECIDED, Claim, Result

    def run_and_write(run, params, *, out, seed, progress, command, strict=False):
        claims = [Claim.decide("a statistical claim", UNDECIDED, "CI [-0.6, -0.4]", "t", "j"),
                  Claim.check("an exact claim", True, "0", "0", "j")]
        return Result("stub", {"main": {}}, claims), [], 0.0

    monkeypatch.setattr(runner, "run_and_write", run_and_write)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["all", "--quiet", "--out", str(out)]
                           + (["--strict"] if strict else []))
    assert r.exit_code == (1 if strict else 0), r.output
    n = len(plan_commands()[0])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strict"] is strict and summary["theorem_level_undecided"] == n
    assert summary["verdicts"] == {PASS: n, "FAIL": 0, UNDECIDED: n, "REPORTED": 0}
    assert {c["exit_code"] for c in summary["commands"]} == {1 if strict else 0}
    assert f"{n} PASS, 0 failed, {n} UNDECIDED" in r.output and "FAIL" not in r.output
    assert ("--strict: exit 1" if strict else "exit 0 (--strict makes it 1)") in r.output
    assert "UNDECIDED" in (out / "summary.csv").read_text()
