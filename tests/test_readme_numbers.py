"""The README's results and timing tables are generated from figures/summary.json and the bench
output (scripts/readme_numbers.py); the test fails when they disagree, or when the README has no
numbers block at all."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "readme_numbers.py"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True)


def test_the_readme_numbers_match_summary_json_and_the_bench():
    result = run("--check")
    assert result.returncode == 0, (
        "README.md's numbers block is missing or stale; scripts/readme_numbers.py says:\n"
        + result.stdout + result.stderr)


@pytest.fixture
def sandbox(tmp_path):
    """A README with the markers around stale text, and copies of the two inputs."""
    readme = tmp_path / "README.md"
    readme.write_text("# title\n\nbefore\n<!-- numbers:begin -->\nstale\n<!-- numbers:end -->\n"
                      "after | with a pipe\n")
    shutil.copyfile(ROOT / "figures" / "summary.json", tmp_path / "summary.json")
    bench = {"cases": [{"name": "conjecture1-grid (defaults)", "args": ["conjecture1-grid"],
                        "median_s": 2.49, "budget_s": 2.5, "peak_mb": 112.0,
                        "budget_mb": 300.0, "exit_codes": [0], "verdict": "ok",
                        "date": "2026-12-02", "repeat": 3, "cpu_count": 2, "platform": "x",
                        "loadavg_1min": [0.5, 1.2]},
                       {"name": "numpy baseline", "args": ["script:numpy_descent.py", "--K", "10"],
                        "median_s": 125.4, "budget_s": None, "peak_mb": 248.4,
                        "budget_mb": None, "exit_codes": [0], "verdict": "ok",
                        "date": "2026-12-01", "repeat": 1, "cpu_count": 2, "platform": "x",
                        "loadavg_1min": [2, 2]}],
             "ratios": [{"name": "census speed-up", "ratio": 6.47, "least": 10.0,
                         "verdict": "UNDER", "date": "2026-12-02"}]}
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    args = ["--readme", readme, "--summary", tmp_path / "summary.json",
            "--bench", tmp_path / "bench.json"]
    return readme, tmp_path, args


def test_the_block_is_written_from_the_inputs_and_nothing_else_changes(sandbox):
    readme, _, args = sandbox
    assert run(*args, "--check").returncode == 1  # "stale" is not what the inputs say
    assert run(*args).returncode == 0
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n<!-- numbers:begin -->\n")
    assert text.endswith("<!-- numbers:end -->\nafter | with a pipe\n")
    assert "stale" not in text
    summary = json.loads((ROOT / "figures" / "summary.json").read_text())
    for command in summary["commands"]:
        for claim in command["claims"]:  # every claim, its measured value and verdict
            name = claim["claim"].replace("|", "\\|")  # Markdown's separator, escaped
            row = [ln for ln in text.splitlines() if f"| {name} |" in ln]
            assert len(row) == 1, claim["claim"]
            assert claim["measured"].replace("|", "\\|") in row[0]
            assert row[0].endswith(f"| {claim['verdict']} |")
    assert ("| conjecture1-grid (defaults): `relucheck conjecture1-grid` | 2.49 s | 2.5 s | "
            "112 MB | 300 MB | ok | 2026-12-02, 3 runs, load 0.5/1.2 |") in text
    assert "| numpy baseline: `python benchmarks/numpy_descent.py --K 10` | 2 min 5 s | - |" in text
    assert "census speed-up: 6.47x (at least 10x: UNDER; 2026-12-02)." in text
    assert run(*args, "--check").returncode == 0
    assert run(*args).stdout.endswith("up to date\n") and readme.read_text() == text


def test_check_fails_when_a_number_changes_on_either_side(sandbox):
    readme, tmp, args = sandbox
    run(*args)
    good = readme.read_text()
    readme.write_text(good.replace("| 2.49 s |", "| 2.48 s |"))  # edited by hand
    result = run(*args, "--check")
    assert result.returncode == 1 and "-| conjecture1-grid" in result.stdout
    readme.write_text(good)
    summary = json.loads((tmp / "summary.json").read_text())
    summary["commands"][0]["claims"][0]["measured"] = "slope -0.4983"  # a new make figures
    (tmp / "summary.json").write_text(json.dumps(summary))
    result = run(*args, "--check")
    assert result.returncode == 1 and "+| `verify-formula` |" in result.stdout
    assert "slope -0.4983" in result.stdout and readme.read_text() == good  # --check writes nothing


@pytest.mark.parametrize("text, message", [
    ("# no markers\n", "has no <!-- numbers:begin --> ... <!-- numbers:end --> block"),
    ("<!-- numbers:end -->\n<!-- numbers:begin -->\n", "must appear once each"),
    ("<!-- numbers:begin -->\n<!-- numbers:begin -->\n<!-- numbers:end -->\n",
     "must appear once each"),
])
def test_missing_or_malformed_markers_are_a_clear_error(sandbox, text, message):
    readme, _, args = sandbox
    readme.write_text(text)
    for mode in ([], ["--check"]):
        result = run(*args, *mode)
        assert result.returncode == 2 and message in result.stderr, result
        assert readme.read_text() == text


def test_a_missing_input_is_a_clear_error(sandbox):
    _, tmp, args = sandbox
    (tmp / "bench.json").unlink()
    result = run(*args)
    assert result.returncode == 2 and "bench.json is missing: run make bench" in result.stderr


def test_check_fails_when_a_claim_text_differs_at_all(sandbox):
    """The claims print no wall times and no rounding noise, so a rerun of make figures leaves
    their texts as they were; --check masks nothing: a claim whose text differs in one
    character (a duration included), a changed count, or a changed verdict fails it."""
    _, tmp, args = sandbox
    summary = json.loads((tmp / "summary.json").read_text())
    claim = summary["commands"][1]["claims"][0]
    claim["measured"] += ", 0.002 s"
    (tmp / "summary.json").write_text(json.dumps(summary))
    assert run(*args).returncode == 0 and run(*args, "--check").returncode == 0
    for field, text in (("measured", claim["measured"].replace("0.002 s", "0.003 s")),
                        ("measured", claim["measured"].replace("0 ", "1 ", 1)),
                        ("verdict", "FAIL")):
        edited = json.loads(json.dumps(summary))
        edited["commands"][1]["claims"][0][field] = text
        (tmp / "summary.json").write_text(json.dumps(edited))
        result = run(*args, "--check")
        assert result.returncode == 1 and "+| `conjecture1-grid` |" in result.stdout, text
    (tmp / "summary.json").write_text(json.dumps(summary))
    assert run(*args, "--check").returncode == 0


def test_the_counts_give_each_theorem_level_verdict(sandbox):
    """The block counts PASS, FAIL and UNDECIDED (issue 31) from the claims themselves, and
    shows an UNDECIDED verdict in bold as it shows a FAIL."""
    readme, tmp, args = sandbox
    summary = json.loads((tmp / "summary.json").read_text())
    theorem = [k for c in summary["commands"] for k in c["claims"] if k["level"] == "theorem"]
    theorem[0]["verdict"], theorem[1]["verdict"] = "UNDECIDED", "FAIL"
    (tmp / "summary.json").write_text(json.dumps(summary))
    assert run(*args).returncode == 0
    text = readme.read_text()
    assert f"{len(theorem) - 2} PASS, 1 FAIL, 1 UNDECIDED" in text
    assert "| **UNDECIDED** |" in text and "| **FAIL** |" in text
