"""The command line as a user meets it: help, version, exit codes, files, reproducibility."""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import assert_rejected

from relucheck import __version__
from relucheck.cli import commands, main
from relucheck.cli.common import CommaList, FiniteFloat
from relucheck.output.writers import read_csv
from relucheck.runner import ParameterError, build_params

ROOT = Path(__file__).resolve().parent.parent

FILES = ["fig7_verify_formula.csv", "fig7_verify_formula.json", "fig7_verify_formula.png",
         "fig7_verify_formula.pdf", "fig7_verify_formula_unbiased.csv",
         "fig7_verify_formula.run.json"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_group_help_and_version():
    r = invoke("--help")
    assert r.exit_code == 0 and "verify-formula" in r.output and "plot" in r.output
    r = invoke("--version")
    assert r.exit_code == 0 and __version__ in r.output


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_help(name):
    r = invoke(name, "--help")
    assert r.exit_code == 0 and "Usage:" in r.output


def test_help_texts_in_one_style():
    """Defaults shown by click's show_default (never "[default ...]" written into a help),
    command summaries whole (not cut by click with "..."), --quick lists its sizes."""
    listing = invoke("--help").output
    summaries = listing[listing.index("Commands:"):]
    assert "..." not in summaries, summaries
    for name, cmd in commands().items():
        assert cmd.short_help and len(cmd.short_help) <= 57, name  # one line at 80 columns
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert "[default" not in (p.help or ""), (name, p.opts)
        # every default in one format, as typed: never click's "(...)" around a text default
        text = invoke(name, "--help").output
        assert "[default: (" not in text and "default: (" not in text, (name, text)
        quick = next((p for p in cmd.params if p.name == "quick"), None)
        if quick is None:  # plot, check-certificate, check-minimum
            continue
        record = quick.get_help_record(click.Context(cmd))[1]
        sizes = getattr(quick, "sizes", None)
        assert sizes or name in ("all", "conjecture1-grid"), name
        if sizes:  # every size listed, by the option that sets it where there is one
            options = {p.name: p.opts[0] for p in cmd.params}
            for key in sizes:
                assert (options.get(key) or key) in record, (name, key, record)


def test_python_dash_m_entry_point():
    r = subprocess.run([sys.executable, "-m", "relucheck", "--version"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and __version__ in r.stdout


def _console(*args, cwd=None):
    """``python -m relucheck ARGS`` as a user's shell runs it: stdout and stderr are pipes and
    Python's own buffering is on (PYTHONUNBUFFERED removed), so text the process printed
    reaches us only if it was flushed before the process ended."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "relucheck", *args], capture_output=True,
                          text=True, check=False, env=env, cwd=cwd, timeout=300)


def test_console_script_ends_at_once_with_its_output_and_exit_code(tmp_path):
    # relucheck.cli.run ends the process with os._exit after main(): the claim table (stdout),
    # the files and the exit code must all be there, as with the interpreter's usual teardown
    r = _console("verify-formula", "--quick", "--quiet", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "fig7_verify_formula: all theorem-level claims hold" in r.stdout
    assert r.stdout.rstrip().endswith(")")  # the last line, not cut by the fast exit
    for ext in ("csv", "json", "png", "pdf"):
        assert (tmp_path / f"fig7_verify_formula.{ext}").stat().st_size > 0
    bad = _console("census", "--runs", "0", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "Error: Invalid value for '--runs'" in bad.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("ends, code, err", [(None, 0, ""), (0, 0, ""), (3, 3, ""),
                                              ("a message", 1, "a message\n")])
def test_run_flushes_then_exits_with_sys_exits_code(monkeypatch, ends, code, err):
    import io

    import relucheck.cli as cli

    events = []

    class Stream(io.StringIO):
        def flush(self):
            events.append("flush")

    out, error = Stream(), Stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", error)

    def fake_main():
        print("the table")  # print() does not flush by itself
        if ends is not None or code:
            raise SystemExit(ends)

    monkeypatch.setattr(cli, "main", fake_main)
    monkeypatch.setattr(cli, "_teardown_needed", lambda: False)
    monkeypatch.setattr(cli, "_run_atexit_handlers", lambda: events.append("atexit"))
    monkeypatch.setattr(os, "_exit", lambda c: events.append(("exit", c)))
    cli.run()
    assert events == ["atexit", "flush", "flush", ("exit", code)]
    assert out.getvalue() == "the table\n" and error.getvalue() == err


def test_coverage_run_records_data_for_a_command(tmp_path):
    """coverage (a tracer, and an atexit handler that saves the data) around a command records
    it: the fast exit is not taken under a trace function, and atexit handlers always run."""
    data = tmp_path / "cov.data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    r = subprocess.run([sys.executable, "-m", "coverage", "run", f"--data-file={data}",
                        "-m", "relucheck", "plot",
                        str(ROOT / "figures" / "fig8_ssb_2d.csv"), "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    import coverage

    cov = coverage.CoverageData(basename=str(data))
    cov.read()
    measured = {Path(f).relative_to(ROOT).as_posix() for f in cov.measured_files()
                if Path(f).is_relative_to(ROOT)}
    assert {"relucheck/cli/__init__.py", "relucheck/cli/plot.py"} <= measured, measured


def test_atexit_handlers_run_before_the_fast_exit(tmp_path):
    marker = tmp_path / "saved"
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ok'))\n"
            "sys.argv = ['relucheck', '--version']\n"
            "from relucheck.cli import run\nrun()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and "relucheck" in r.stdout, r.stderr
    assert marker.read_text() == "ok"


def test_console_script_keeps_the_teardown_when_something_may_need_it():
    code = ("import threading, relucheck.cli as c\n"
            "e = threading.Event(); t = threading.Thread(target=e.wait); t.start()\n"
            "print(c._teardown_needed()); e.set(); t.join(); print(c._teardown_needed())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True)
    assert r.stdout.split() == ["True", "False"]


@pytest.fixture(scope="module")
def quick_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run1")
    r = invoke("verify-formula", "--quick", "--quiet", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out, r.output


def test_quick_run_writes_every_file(quick_out):
    out, output = quick_out
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(FILES)
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
        if not name.endswith(".run.json"):  # the provenance too; the run record differs
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


# --------------------------------------------------------------------------- float options

def _float_entry(param: click.Parameter):
    """The float type of a parameter (of each entry, for a comma list), or None."""
    t = param.type
    if isinstance(t, CommaList):
        return t.entry if t.kind is float else None
    return t if isinstance(t, click.types.FloatParamType) else None


#: (command, option, entry type) for every float-valued parameter of every command.
FLOAT_OPTIONS = [(name, p.opts[0], _float_entry(p)) for name in sorted(commands())
                 for p in commands()[name].params if _float_entry(p) is not None]


def test_every_float_option_is_a_finite_float():
    """Every float option found (at least the ones below, and any a new command adds) is a
    FiniteFloat, and is covered by the rejection tests below."""
    assert {(c, o) for c, o, _ in FLOAT_OPTIONS} >= {
        ("conjecture1-grid", "--a-min"), ("conjecture1-grid", "--a-max"),
        ("conjecture1-grid", "--a-margin"),
        ("init-prob", "--eps"), ("init-prob", "--r-min"), ("init-prob", "--r-max"),
        ("init-prob", "--t-max"),
        ("noise-sweep", "--noise"), ("noise-sweep", "--lr"), ("noise-sweep", "--gtol"),
        ("noise-sweep", "--top-noise"), ("noise-sweep", "--a-star"), ("noise-sweep", "--a"),
        ("ssb-2d", "--x0"), ("ssb-2d", "--y0"), ("ssb-2d", "--lr"), ("ssb-2d", "--field-x"),
        ("ssb-2d", "--field-y"),
    }
    assert all(isinstance(t, FiniteFloat) for _, _, t in FLOAT_OPTIONS)


def _bad_values(t: FiniteFloat, is_list: bool) -> list[str]:
    """inf, nan, a literal that overflows to inf, values just outside the range, and (for a
    list) a bad entry after a good one."""
    bad = ["inf", "-inf", "nan", "1e400"]
    if t.min is not None:
        bad += [repr(t.min - 1.0)] + ([repr(float(t.min))] if t.min_open else [])
    if t.max is not None:
        bad += [repr(t.max + 1.0)] + ([repr(float(t.max))] if t.max_open else [])
    if is_list:
        assert t.parse("0.5") == 0.5  # a good entry, so the bad one is what is rejected
        bad.append("0.5,nan")
    return bad


@pytest.mark.parametrize("command,option,value", [
    pytest.param(c, o, v, id=f"{c} {o} {v}") for c, o, t in FLOAT_OPTIONS
    for v in _bad_values(t, isinstance(
        next(p for p in commands()[c].params if p.opts[0] == o).type, CommaList))])
def test_non_finite_or_out_of_range_float_exits_2_naming_option_and_range(tmp_path, command,
                                                                        option, value):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, [command, option, value, "--out", str(out)])
    assert_rejected(r, option, out)
    t = next(t for c, o, t in FLOAT_OPTIONS if (c, o) == (command, option))
    error = next(ln for ln in r.output.splitlines() if ln.startswith("Error"))
    assert f"{value.split(',')[-1]!r} is not {t.accepted()}" in error, error


@pytest.mark.parametrize("t,accepted", [
    (FiniteFloat(), "a finite number"),
    (FiniteFloat(min=0), "a finite number >= 0"),
    (FiniteFloat(min=0, min_open=True), "a finite number > 0"),
    (FiniteFloat(max=1, max_open=True), "a finite number < 1"),
    (FiniteFloat(min=0, max=math.pi, max_open=True), "a finite number in [0, pi)"),
    (FiniteFloat(min=0, max=1, min_open=True), "a finite number in (0, 1]"),
])
def test_finite_float_states_its_range_and_accepts_its_ends(t, accepted):
    assert t.accepted() == accepted
    for end, is_open in ((t.min, t.min_open), (t.max, t.max_open)):
        if end is not None and not is_open:
            assert t.parse(repr(float(end))) == end
    assert t.parse(" 0.5 ") == 0.5


# --------------------------------------------------------------------------- other routes

EXPERIMENTS = ["verify_formula", "conjecture1_grid", "conjecture1_certify", "init_prob",
               "ssb_2d", "noise_sweep"]


def _float_fields(module: str) -> list[tuple[str, str, object]]:
    """(module, field, a non-finite replacement) for every float field of its Params, also
    the optional ones; in a tuple of floats the last entry of the default is replaced."""
    exp = importlib.import_module(f"relucheck.experiments.{module}")
    cases = []
    for f in dataclasses.fields(exp.Params):
        if "float" not in str(f.type):
            continue
        default = getattr(exp.Params(), f.name)
        for bad in (math.nan, math.inf, -math.inf):
            if "tuple" in str(f.type):
                bad = (*(default or (1.0,))[:-1], bad)
            cases.append((module, f.name, bad))
    return cases


PARAM_CASES = [c for m in EXPERIMENTS for c in _float_fields(m)]


def test_every_experiment_has_float_parameters_to_check():
    assert {m for m, _, _ in PARAM_CASES} == set(EXPERIMENTS)
    assert ("noise_sweep", "a_star", (math.nan,)) in PARAM_CASES


@pytest.mark.parametrize("module,field,value", [
    pytest.param(*c, id=f"{c[0]}.{c[1]}={c[2]}") for c in PARAM_CASES])
def test_params_reject_non_finite_values_by_any_route(module, field, value):
    """Params built in Python (not through the CLI): validate() and run() raise a ValueError
    naming the field, before any work; through the runner's build_params it is a
    ParameterError naming the option (a usage error on the command line, exit 2)."""
    exp = importlib.import_module(f"relucheck.experiments.{module}")
    params = dataclasses.replace(exp.Params(), **{field: value})
    message = f"^{field}: expected finite numbers \\(got -?(nan|inf)\\)$"
    with pytest.raises(ValueError, match=message):
        params.validate()
    with pytest.raises(ValueError, match=message):
        exp.run(params, np.random.default_rng(0))
    with pytest.raises(ParameterError, match=f"'--{field.replace('_', '-')}'"):
        build_params(exp, False, {field: value})


# --------------------------------------------------------------------------- integer lists
#: (command, option) for every integer comma-list option of every command.
INT_LISTS = [(name, p.opts[0]) for name in sorted(commands()) for p in commands()[name].params
             if isinstance(p.type, CommaList) and p.type.kind is int]


def test_integer_lists_take_ranges_everywhere():
    assert {("census", "--K"), ("census", "--extra"), ("init-prob", "--d"),
            ("noise-sweep", "--K")} <= set(INT_LISTS)
    for command, option in INT_LISTS:
        t = next(p for p in commands()[command].params if p.opts[0] == option).type
        assert t.convert("6..9", None, None) == (6, 7, 8, 9)
        assert t.convert("4,6..9,12", None, None) == (4, 6, 7, 8, 9, 12)
        assert t.convert(" 3 .. 3 ", None, None) == (3,)
        assert t.convert("2, 5,10", None, None) == (2, 5, 10)


@pytest.mark.parametrize("value,why", [
    ("8..6", "the range '8..6' is empty"), ("6,...,8", "'...' is not an integer"),
    ("6..", "'6..' is not an integer"), ("a..3", "'a..3' is not an integer"),
    ("4,6.5", "'6.5' is not an integer")])
@pytest.mark.parametrize("command,option", INT_LISTS)
def test_a_bad_integer_list_or_range_exits_2_naming_it(tmp_path, command, option, value, why):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, [command, option, value, "--out", str(out)])
    assert_rejected(r, option, out)
    assert why in r.output, r.output


def test_a_range_runs_the_cells_it_names(tmp_path):
    r = CliRunner().invoke(main, ["census", "--K", "2..3,5", "--extra", "0", "--runs", "2",
                                  "--out", str(tmp_path), "--quiet"])
    assert r.exit_code == 0, r.output
    main_table = read_csv(tmp_path / "census.csv")
    assert list(main_table["k"]) == [2, 3, 5]


def test_a_default_list_is_shown_as_it_would_be_typed_and_reads_back():
    from relucheck.cli.common import show_list

    for values in [(4, 5, 6, 7, 8, 9, 10, 11, 12), (0, 1), (2, 5, 10), (1, 2, 3, 5, 7, 8, 9)]:
        assert CommaList(int).convert(show_list(values), None, None) == values
    assert show_list(tuple(range(4, 13))) == "4..12"
    assert show_list((0.1, 1.0, 10.0)) == "0.1,1,10"


@pytest.mark.parametrize("x, level, text", [
    (2e-29, 1e-20, "< 1e-20"), (8e-30, 1e-20, "< 1e-20"), (0.0, 1e-15, "< 1e-15"),
    (-3e-16, 1e-15, "< 1e-15"), (0.283, 1, "< 1"), (3.1e-19, 1e-20, "= 3.1e-19"),
    (1.0, 1, "= 1"), (float("nan"), 1, "= nan")])
def test_below_prints_rounding_as_a_fixed_bound(x, level, text):
    """Two CPUs' residuals (2e-29 and 8e-30) give one text, even across a power of ten (the
    next power of ten above each would differ); a value at or above the level is shown."""
    from relucheck.result import below

    assert below(x, level) == text


# --------------------------------------------------------------------------- the default set
@pytest.fixture
def default_set(tmp_path):
    """A folder that holds what `relucheck all` writes at its defaults (its summary.json says
    so), with one file of each set standing for the rest."""
    (tmp_path / "summary.json").write_text(json.dumps(
        {"seed": 0, "quick": False, "skipped_without_python_flint": []}))
    (tmp_path / "census.csv").write_text("the committed census\n")
    return tmp_path


@pytest.mark.parametrize("args, named", [
    (["census", "--K", "25", "--runs", "2"], "--K, --runs, --certify"),
    (["census", "--quick"], "--K, --runs, --certify"),
    (["census", "--certify", "--seed", "3"], "--seed"),
    (["init-prob", "--quick"], "--d"),
    (["all", "--quick"], "--quick"),
    (["all", "--seed", "1"], "--seed 1"),
])
def test_a_run_with_other_parameters_never_replaces_the_default_set(default_set, args, named):
    before = sorted(p.name for p in default_set.iterdir())
    r = CliRunner().invoke(main, [*args, "--out", str(default_set)])
    assert_rejected(r, "--out", default_set / "census.json")
    assert sorted(p.name for p in default_set.iterdir()) == before
    assert "holds the default set of `relucheck all`" in r.output and named in r.output
    assert (default_set / "census.csv").read_text() == "the committed census\n"


def test_the_default_set_guard_lets_make_figures_and_the_same_runs_through(default_set,
                                                                            tmp_path):
    from relucheck.experiments import census, conjecture1_certify
    from relucheck.runner import default_params, default_set_guard

    for module in (census, conjecture1_certify):
        want = default_params(module.__name__)
        default_set_guard(default_set, module.__name__, want, 0)  # the same set: allowed
        if hasattr(want, "workers"):  # how it is computed does not matter
            default_set_guard(default_set, module.__name__,
                              dataclasses.replace(want, workers=1), 0)
    # a folder without a default set takes any run, and so does a quick set's folder
    default_set_guard(tmp_path / "elsewhere", census.__name__, census.Params(ks=(25,)), 7)
    (default_set / "summary.json").write_text(json.dumps({"seed": 0, "quick": True}))
    default_set_guard(default_set, census.__name__, census.Params(ks=(25,)), 7)


def test_every_computing_command_takes_strict():
    """--strict (issue 31) is a shared option: every command that computes claims (all but
    plot and the checkers) takes it, and its help says what it does."""
    computing = {n for n, cmd in commands().items() if any(p.name == "quick" for p in cmd.params)}
    assert computing == set(commands()) - {"plot", "check-certificate", "check-minimum",
                                           "check-families"}
    for name in computing:
        text = invoke(name, "--help").output
        assert "--strict" in text and "UNDECIDED" in text, name


# --------------------------------------------------------------------------- relucheck.run
def _edge_cases() -> list[tuple[str, str, str, object]]:
    """(command, option, field, a bad value) for every option derived from a parameter's rule:
    just below an integer range or a float range, or a word that is not a choice."""
    from relucheck import runner
    from relucheck.experiments.params import option_name, rule_of

    cases = []
    for command, module in runner.EXPERIMENTS.items():
        exps = [runner.experiment(module)] + (
            [runner.experiment("conjecture1_certify")] if command == "conjecture1-grid" else [])
        options = {p.opts[0] for p in commands()[command].params}
        seen = set()
        for exp in exps:
            for f in dataclasses.fields(exp.Params):
                rule = rule_of(exp.Params, f.name)
                option = option_name(exp.Params, f.name)
                # --top also takes the word none, which is tops=() in Python
                if rule is None or option not in options or option in seen or option == "--top":
                    continue
                seen.add(option)
                if rule.choices is not None:
                    bad = ("nope",) if rule.many else "nope"
                elif rule.min is not None and rule.kind in (int, float):
                    bad = rule.min - 1
                    bad = (bad,) if rule.many else bad
                else:
                    continue
                cases.append((command, option, f.name, bad))
    return cases


@pytest.mark.parametrize("command,option,field,bad", [
    pytest.param(*c, id=f"{c[0]} {c[1]}") for c in _edge_cases()])
def test_run_refuses_what_the_cli_refuses_in_the_same_words(tmp_path, command, option, field,
                                                            bad):
    """relucheck.run raises a ValueError whose message is the CLI's Error line, before any work
    and with nothing written, for a value outside any option's rule."""
    import relucheck as rc

    text = ",".join(map(str, bad)) if isinstance(bad, tuple) else str(bad)
    extra = (["--certify"] if command == "conjecture1-grid"
             and option in ("--a-zero", "--a-margin", "--max-depth", "--prec") else [])
    cli = CliRunner().invoke(main, [command, *extra, option, text, "--out", str(tmp_path / "a")])
    assert cli.exit_code == 2, cli.output
    error = next(ln for ln in cli.output.splitlines() if ln.startswith("Error: "))
    given = {field: bad, **({"certify": True} if extra else {})}
    with pytest.raises(ValueError) as exc:
        rc.run(command, tmp_path / "b", **given)
    assert f"Error: {exc.value}" == error.replace(f"'{text}'", repr(str(bad)) if not
                                                  isinstance(bad, tuple) else f"'{text}'")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_run_writes_what_the_cli_writes_and_records_the_call(tmp_path):
    """The same files with the same bytes (tables, figures, certificates), the same provenance
    but for the command line, which names the library call."""
    import relucheck as rc

    r = CliRunner().invoke(main, ["ssb-2d", "--quick", "--K", "2,5", "--out",
                                  str(tmp_path / "cli"), "--quiet"])
    assert r.exit_code == 0, r.output
    result = rc.run("ssb-2d", tmp_path / "lib", quick=True, K=(2, 5))
    assert result.stem == "fig8_ssb_2d" and result.exit_code == 0
    cli_files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert cli_files == sorted(p.name for p in (tmp_path / "lib").iterdir())
    for name in cli_files:
        if not name.endswith(".json"):
            assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()
    a, b = (json.loads((tmp_path / f / "fig8_ssb_2d.json").read_text()) for f in ("cli", "lib"))
    assert b.pop("command") == (f"relucheck.run('ssb-2d', '{tmp_path / 'lib'}', quick=True, "
                                "seed=0, K=(2, 5))")
    a.pop("command")
    assert a == b


def test_run_keeps_the_default_set_and_names_unknown_parameters(default_set):
    import relucheck as rc

    with pytest.raises(ValueError, match=r"holds the default set of `relucheck all`.*--K"):
        rc.run("census", default_set, ks=(25,))
    with pytest.raises(ValueError, match="no parameter 'K'"):
        rc.run("census", default_set, K=(4,))
    with pytest.raises(ValueError, match="No such command 'nope'"):
        rc.run("nope", default_set)
    assert (default_set / "census.csv").read_text() == "the committed census\n"


def test_every_experiment_option_is_typed_by_its_parameters_rule():
    """Each option of a command that runs an experiment is the field of its Params with a
    declared rule (relucheck.experiments.params.param), and its click type is the one derived
    from that rule (or, for --init, --scheduler and --top, a type that calls the same checks):
    the command line and relucheck.run cannot accept different values."""
    from relucheck import runner
    from relucheck.cli.common import SchedulerType, click_type
    from relucheck.experiments.params import option_name, rule_of

    special = {"--init": click.ParamType, "--scheduler": SchedulerType, "--top": click.Choice}
    for command, module in runner.EXPERIMENTS.items():
        params = [runner.experiment(module).Params]
        if command == "conjecture1-grid":
            params.append(runner.experiment("conjecture1_certify").Params)
        for p in commands()[command].params:
            if not isinstance(p, click.Option) or p.is_flag or p.name in ("out", "seed"):
                continue
            owner = next(P for P in params if p.name in {f.name for f in dataclasses.fields(P)})
            rule = rule_of(owner, p.name)
            assert rule is not None, (command, p.name)
            assert p.opts[0] == option_name(owner, p.name)
            if p.opts[0] in special:
                assert isinstance(p.type, special[p.opts[0]]), (command, p.opts[0])
                continue
            want = click_type(rule)
            assert type(p.type) is type(want), (command, p.opts[0])
            for attr in ("min", "max", "min_open", "max_open", "choices"):
                assert getattr(p.type, attr, None) == getattr(want, attr, None), (command, attr)
            entry = getattr(p.type, "entry", None)
            if isinstance(entry, FiniteFloat):
                assert (entry.min, entry.max) == (want.entry.min, want.entry.max)
