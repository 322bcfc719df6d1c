"""`relucheck all`: every command into one folder, a claims summary, deterministic outputs, and
every figure redrawn from its CSV alone."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from relucheck.cli import main
from relucheck.cli.all import experiments
from relucheck.output.plots import FIGURES


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two independent `relucheck all --quick` processes, run at the same time (they are
    mostly single-threaded figure drawing, and the machine has two cores)."""
    outs = [tmp_path_factory.mktemp(name) for name in ("first", "second")]
    procs = [subprocess.Popen([sys.executable, "-m", "relucheck", "all", "--quick", "--quiet",
                               "--out", str(out)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for out in outs]
    runs = []
    for out, proc in zip(outs, procs, strict=True):
        output, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, output
        runs.append((out, output))
    return runs


def test_every_command_runs_and_the_summary_lists_every_claim(two_runs):
    out, output = two_runs[0]
    stems = {exp.STEM for _, exp, _ in experiments()}
    for stem in stems:
        for ext in ("csv", "json", "png", "pdf"):
            assert (out / f"{stem}.{ext}").exists(), f"{stem}.{ext}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["theorem_level_failures"] == 0
    assert [c["command"] for c in summary["commands"]] == [n for n, _, _ in experiments()]
    n_claims = sum(len(c["claims"]) for c in summary["commands"])
    lines = (out / "summary.csv").read_text().splitlines()
    assert lines[0] == "command,claim,level,measured,threshold,verdict,wall_seconds"
    assert len(lines) == 1 + n_claims
    assert "every theorem-level claim holds" in output


def test_same_seed_gives_identical_csv_and_pdf_bytes(two_runs):
    (a, _), (b, _) = two_runs
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".csv", ".pdf"))
    assert names == sorted(p.name for p in b.iterdir() if p.suffix in (".csv", ".pdf"))
    for name in names:
        if name == "summary.csv":  # carries wall times
            continue
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_plot_redraws_each_figure_from_its_csv(two_runs, tmp_path, stem):
    out, _ = two_runs[0]
    r = CliRunner().invoke(main, ["plot", str(out / f"{stem}.csv"), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / f"{stem}.pdf").read_bytes() == (out / f"{stem}.pdf").read_bytes()
