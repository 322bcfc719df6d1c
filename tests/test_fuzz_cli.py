"""Property-based tests (hypothesis) of the command-line contract (docs/design.md, exit codes):
whatever value any option of any command gets (negative, zero, huge, inf, nan, empty, text,
lists), the command ends with exit 0, 1 or 2, never a traceback, and a rejected run (2) prints
one ``Error:`` line and writes nothing.

Two layers:

- every option with any value, the computation replaced by a recorder
  (``relucheck.runner.run_and_write``): this is the layer that must decide every bad value
  before any work, so it is fuzzed widely (hundreds of examples in seconds);
- real runs (``--quick``) with values at the edges of what is accepted (the smallest accepted
  value, tiny and huge floats), where a valid but extreme value could make the arithmetic fail;
  fewer examples. Values that only make a run long (``--iters 10^9``) are the user's right and
  are not drawn here. How long the edge runs take is measured by benchmarks/fuzz_cli.py (which
  lists the slowest), not asserted here: a time limit would fail on a busy machine.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from relucheck import runner
from relucheck.cli import commands, main
from relucheck.cli.common import CommaList, FiniteFloat
from relucheck.experiments import init_prob as exp_init
from relucheck.result import Result
from relucheck.runtime.memory import require_memory

#: Options that are not numbers to fuzz (paths, choices, flags are drawn separately).
SKIP = {"--out", "--help", "--init", "--scheduler"}
#: Options whose large values only make a run long (the user's right): not drawn large.
LONG = {"--iters", "--max-iters", "--n-angle", "--n-max", "--samples", "--block-size",
        "--blocks", "--runs", "--n-a", "--n-phi", "--n-dim", "--pairs", "--pairs-angle",
        "--pairs-dim", "--max-depth", "--prec", "--omega-n", "--field-n", "--r-steps", "--K",
        "--d", "--dims", "--sweep-d", "--n-steps", "--extra", "--workers", "--top-K",
        "--seed"}


def options() -> list[tuple[str, str, click.Option]]:
    """(command, option name, option) for every value-taking option of every command."""
    out = []
    for name, cmd in sorted(commands().items()):
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.is_flag and p.opts[0] not in SKIP:
                out.append((name, p.opts[0], p))
    return out


OPTIONS = options()

NASTY = st.one_of(
    st.sampled_from(["-1", "0", "-0", "1e-300", "1e308", "1e400", "inf", "-inf", "nan", "",
                     " ", "abc", "1,nan", "1,,2", ",", "0x10", "1_000", "pi", "-pi", "2pi",
                     "1e999999", "10**9", "9" * 40, "1,2,3", "-5,5", "\u00bd", "None"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.lists(st.floats(allow_nan=True, allow_infinity=True).map(repr), min_size=0,
             max_size=4).map(",".join),
    st.text(max_size=12),
)


def _check(res, out: Path) -> None:
    assert res.exit_code in (0, 1, 2), (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        errors = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
        assert len(errors) == 1, res.output
        assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


@pytest.fixture
def recorder(monkeypatch):
    """run_and_write replaced: records the parameters that passed every check."""
    seen = []

    def record(run, params, *, out, **kw):
        seen.append(params)
        return Result("stub", {"main": {}}, []), [], 0.0

    monkeypatch.setattr(runner, "run_and_write", record)  # every command's, `all`'s too
    return seen


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(OPTIONS), value=NASTY)
def test_any_value_of_any_option_is_decided_before_any_work(tmp_path_factory, recorder, case,
                                                            value):
    name, opt, _ = case
    out = tmp_path_factory.mktemp("fuzz") / "out"
    args = [name, opt, value, "--out", str(out)]
    if name in ("plot", "check-certificate", "check-minimum"):
        args = [name, str(out / "missing.csv"), opt, value]
    res = CliRunner().invoke(main, args)
    _check(res, out)
    if res.exit_code == 0 and recorder:
        require_memory(recorder[-1])  # what was accepted fits


def _edges(p: click.Option) -> list[str]:
    """Accepted values at the edges of an option's range (small ones for LONG options)."""
    t = p.type.entry if isinstance(p.type, CommaList) else p.type
    if isinstance(t, FiniteFloat):
        lo = t.min if t.min is not None else -1e300
        lo = math.nextafter(lo, math.inf) if t.min_open else lo
        hi = t.max if t.max is not None else 1e300
        hi = math.nextafter(hi, -math.inf) if t.max_open else hi
        vals = [lo, hi, 1e-300 if (t.min is None or t.min <= 0) else lo]
        return [repr(v) for v in vals]
    if isinstance(t, click.IntRange):
        lo = t.min if t.min is not None else 0
        vals = [lo, lo + 1]
        if t.max is not None and p.opts[0] not in LONG:
            vals.append(t.max)
        return [str(v) for v in vals]
    if isinstance(t, click.Choice):
        return list(t.choices)
    return []


EDGES = [(name, opt, v) for name, opt, p in OPTIONS
         if name not in ("plot", "check-certificate", "check-minimum", "all")
         for v in _edges(p)]


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(EDGES))
@example(case=("census", "--lr", "1e+300"))  # found by benchmarks/fuzz_cli.py: fixed
@example(case=("init-prob", "--eps", repr(exp_init.EPS_MIN)))
@example(case=("init-prob", "--r-min", repr(exp_init.EPS_MIN)))
@example(case=("ssb-2d", "--x0", "1e-12"))
@example(case=("init-prob", "--t-max", repr(exp_init.T_MAX_MIN)))
def test_real_runs_at_the_edges_of_the_accepted_values(tmp_path_factory, case):
    name, opt, value = case
    out = tmp_path_factory.mktemp("edge") / "out"
    res = CliRunner().invoke(main, [name, "--quick", "--quiet", opt, value, "--out", str(out),
                                    "--workers", "1"]
                             if name in ("census", "noise-sweep") else
                             [name, "--quick", "--quiet", opt, value, "--out", str(out)])
    _check(res, out)
