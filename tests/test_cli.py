"""The command line as a user meets it: help, version, exit codes, files, reproducibility."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import assert_rejected

from relucheck import __version__
from relucheck.cli import main

FILES = ["fig7_verify_formula.csv", "fig7_verify_formula.json", "fig7_verify_formula.png",
         "fig7_verify_formula.pdf", "fig7_verify_formula_unbiased.csv"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_group_help_and_version():
    r = invoke("--help")
    assert r.exit_code == 0 and "verify-formula" in r.output and "plot" in r.output
    r = invoke("--version")
    assert r.exit_code == 0 and __version__ in r.output


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name):
    r = invoke(name, "--help")
    assert r.exit_code == 0 and "Usage:" in r.output


def test_python_dash_m_entry_point():
    r = subprocess.run([sys.executable, "-m", "relucheck", "--version"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and __version__ in r.stdout


@pytest.fixture(scope="module")
def quick_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run1")
    r = invoke("verify-formula", "--quick", "--quiet", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out, r.output


def test_quick_run_writes_every_file(quick_out):
    out, output = quick_out
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "PASS" in output and "FAIL" not in output
    prov = json.loads((out / "fig7_verify_formula.json").read_text())
    assert prov["seed"] == 0 and prov["exit_code"] == 0
    assert {"numpy", "scipy", "matplotlib", "relucheck"} <= set(prov["versions"])
    assert prov["parameters"]["d"] == 20
    assert all({"claim", "measured", "threshold", "verdict"} <= set(c) for c in prov["claims"])


def test_same_seed_gives_identical_csv_and_pdf_bytes(quick_out, tmp_path):
    out, _ = quick_out
    r = invoke("verify-formula", "--quick", "--quiet", "--out", str(tmp_path))
    assert r.exit_code == 0
    for name in FILES:
        if name.endswith((".csv", ".pdf")):
            assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_plot_redraws_the_same_figure_from_the_csv(quick_out, tmp_path):
    out, _ = quick_out
    r = invoke("plot", str(out / "fig7_verify_formula.csv"), "--out", str(tmp_path))
    assert r.exit_code == 0
    assert (tmp_path / "fig7_verify_formula.pdf").read_bytes() == \
        (out / "fig7_verify_formula.pdf").read_bytes()


def test_plot_rejects_an_unknown_table(tmp_path):
    f = tmp_path / "something.csv"
    f.write_text("a,b\n1,2\n")
    r = invoke("plot", str(f))
    assert r.exit_code == 2 and "fig7_verify_formula.csv" in r.output


@pytest.mark.parametrize("args,option", [
    (["--d", "1"], "--d"),
    (["--d", "0"], "--d"),
    (["--n-angle", "0"], "--n-angle"),
    (["--n-steps", "2"], "--n-steps"),
    (["--pairs", "-3"], "--pairs"),
    (["--dims", "2,x"], "--dims"),
    (["--dims", "1,5"], "--dims"),
    (["--n-min", "1000", "--n-max", "100"], "--n-min"),
    (["--dist", "cauchy"], "--dist"),
    (["--seed", "-1"], "--seed"),
])
def test_bad_input_exits_2_names_the_option_and_writes_nothing(tmp_path, args, option):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["verify-formula", "--quick", "--out", str(out), *args])
    assert_rejected(r, option, out)


def test_unwritable_out_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["verify-formula", "--quick", "--out", str(blocker / "sub")])
    assert r.exit_code == 2 and "--out" in r.output and "Traceback" not in r.output
