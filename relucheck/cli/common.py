"""What every subcommand shares: the common options, list parsing, and the run-write-report
sequence. Commands stay thin: parse, build Params, call :func:`execute`."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np

from relucheck.result import Result
from relucheck.runtime.progress import Progress, tqdm_progress

DEFAULT_OUT = Path("figures")


def _bound(x: float) -> str:
    """A range end as the user would type it (pi by name)."""
    return "pi" if x == math.pi else f"{x:g}" if float(f"{x:g}") == x else repr(x)


class OutFolder(click.Path):
    """--out: a folder path; an empty or blank value is refused (click would read it as the
    current folder). Whether it can be written is probed before any work (execute)."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("an empty value is not a folder", param, ctx)
        return super().convert(value, param, ctx)


class SchedulerType(click.ParamType):
    """--scheduler: local:N, a dask scheduler address or a scheduler file; checked (and the
    dask extra looked for) while parsing, so a bad value is a usage error before any work."""

    name = "local:N|tcp://HOST:PORT|FILE"

    def convert(self, value, param, ctx):
        from relucheck.runtime import cluster

        try:
            cluster.check_option(value)
        except ValueError as exc:
            self.fail(str(exc).removeprefix("scheduler: "), param, ctx)
        return str(value)


SCHEDULER_HELP = ("Run the independent tasks on dask.distributed (from a clone: pip install "
                  "'.[distributed]'; else pip install distributed): local:N starts N worker "
                  "processes here; "
                  "tcp://HOST:PORT or a scheduler file uses a running cluster. Results are "
                  "byte-identical to the in-process run.")


def _pi_multiple(text: str) -> float:
    """c*pi, c pi, cpi, pi/q and -pi for plain numbers c, q (ValueError otherwise)."""
    head, _, tail = text.partition("pi")
    head = head.replace("*", "").strip()
    coef = -1.0 if head == "-" else 1.0 if head in ("", "+") else float(head)
    tail = tail.strip()
    div = float(tail[1:]) if tail.startswith("/") else 1.0 if not tail else math.nan
    return coef * math.pi / div


class FiniteFloat(click.FloatRange):
    """A finite float, optionally in a range: the one type of every float option.

    ``click.FloatRange`` accepts inf, and nan passes its comparisons; here both are usage
    errors (exit 2) naming the option and the accepted range, e.g. ``Invalid value for
    '--noise': 'nan' is not a finite number >= 0``. ``CommaList(FiniteFloat(...))`` applies the
    same check to every entry of a list.
    """

    name = "float"

    def __init__(self, min: float | None = None, max: float | None = None,
                 min_open: bool = False, max_open: bool = False) -> None:
        super().__init__(min=min, max=max, min_open=min_open, max_open=max_open)

    def accepted(self) -> str:
        """The accepted values in words: 'a finite number >= 0', '... in [0, pi)'."""
        lo, hi = self.min, self.max
        if lo is None and hi is None:
            return "a finite number"
        if hi is None:
            return f"a finite number {'>' if self.min_open else '>='} {_bound(lo)}"
        if lo is None:
            return f"a finite number {'<' if self.max_open else '<='} {_bound(hi)}"
        return (f"a finite number in {'(' if self.min_open else '['}{_bound(lo)}, "
                f"{_bound(hi)}{')' if self.max_open else ']'}")

    def _describe_range(self) -> str:  # the [range] shown in --help; nothing when unbounded
        if self.min is None and self.max is None:
            return ""
        lo = "" if self.min is None else f"{_bound(self.min)}{'<' if self.min_open else '<='}"
        hi = "" if self.max is None else f"{'<' if self.max_open else '<='}{_bound(self.max)}"
        return f"{lo}x{hi}"

    def parse(self, value: Any) -> float:
        """The value as a float, or ValueError saying what is accepted."""
        text = str(value).strip().lower()
        try:  # pi by name, as the ranges in --help show it: pi, -pi, 2pi, 2*pi, pi/2
            x = _pi_multiple(text) if "pi" in text else float(value)
        except (TypeError, ValueError, ZeroDivisionError):
            x = math.nan
        ok = (math.isfinite(x)
              and (self.min is None or (x > self.min if self.min_open else x >= self.min))
              and (self.max is None or (x < self.max if self.max_open else x <= self.max)))
        if not ok:
            raise ValueError(f"{str(value).strip()!r} is not {self.accepted()}")
        return x

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        try:
            return self.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def int_entries(text: str) -> list[int]:
    """The integers of one comma list entry: ``7``, or an inclusive range ``6..20``; ValueError
    names what is wrong."""
    if ".." not in text:
        return [int(text)]
    lo, _, hi = text.partition("..")
    a, b = int(lo), int(hi)
    if b < a:
        raise ValueError(f"the range {text.strip()!r} is empty (write the smaller end first)")
    return list(range(a, b + 1))


class CommaList(click.ParamType):
    """A comma-separated list of numbers; with ``multiple=True`` repeated options add up.

    ``kind`` is ``int`` (entries may be inclusive ranges: ``4,6..9,12``), ``float`` (any finite
    number) or a :class:`FiniteFloat` range that every entry must satisfy; inf and nan are never
    accepted.
    """

    def __init__(self, kind: type | FiniteFloat = int) -> None:
        self.entry = FiniteFloat() if kind is float else kind
        self.kind = float if isinstance(self.entry, FiniteFloat) else kind
        self.name = (f"{self.kind.__name__}[,{self.kind.__name__}...]" if self.kind is not int
                     else "INT[,INT|A..B...]")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, (list, tuple)):
            return tuple(value)
        entries = [v for v in str(value).split(",") if v.strip()]
        if isinstance(self.entry, FiniteFloat):
            values = []
            for v in entries:
                try:
                    values.append(self.entry.parse(v))
                except ValueError as exc:
                    where = "" if len(entries) == 1 else f" (in {value!r})"
                    self.fail(f"{exc}{where}", param, ctx)
            return tuple(values)
        if self.kind is int:
            values = []
            for v in entries:
                try:
                    values += int_entries(v)
                except ValueError as exc:
                    why = str(exc) if "range" in str(exc) else f"{v.strip()!r} is not an integer"
                    self.fail(f"{value!r} is not a comma-separated list of integers and "
                              f"ranges A..B: {why}", param, ctx)
            return tuple(values)
        try:
            return tuple(self.kind(v) for v in entries)
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of {self.kind.__name__}s",
                      param, ctx)


def show_list(values) -> str:
    """A default list as the user would type it: 2,5,10; runs of three or more consecutive
    integers as a range, 4..12."""
    parts, vals = [], list(values)
    i = 0
    while i < len(vals):
        j = i
        while (isinstance(vals[i], int) and j + 1 < len(vals) and isinstance(vals[j + 1], int)
               and vals[j + 1] == vals[j] + 1):
            j += 1
        if j - i >= 2:
            parts.append(f"{vals[i]}..{vals[j]}")
        else:
            parts += [f"{v:g}" for v in vals[i:j + 1]]
        i = j + 1
    return ",".join(parts)


def flatten(values: tuple[tuple, ...] | None) -> tuple | None:
    """Join repeated list options (``--K 2 --K 5,10`` -> (2, 5, 10)); None when not given."""
    if not values:
        return None
    return tuple(v for group in values for v in group)


def _show_value(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return ",".join(_show_value(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


class Option(click.Option):
    """click's option with every default shown as the user would type it: click puts a default
    given as text in parentheses ("[default: (0.1)]") beside plain ones ("[default: 0]")."""

    def get_help_extra(self, ctx: click.Context):
        extra = super().get_help_extra(ctx)
        if isinstance(self.show_default, str) and "default" in extra:
            extra["default"] = self.show_default
        return extra


class QuickFlag(Option):
    """--quick, whose help lists the command's quick sizes as the options that set them."""

    def __init__(self, *args, sizes: dict[str, Any] | None = None, **kwargs):
        self.sizes = dict(sizes or {})
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        options = {p.name: p.opts[0] for p in ctx.command.params} if ctx.command else {}
        listed = ", ".join(
            f"{options[k]} {_show_value(v)}" if k in options else f"{k} = {_show_value(v)}"
            for k, v in self.sizes.items())
        self.help = ("Small sizes for a smoke test, on the same code path"
                     + (f": {listed}" if listed else "")
                     + ". Options given explicitly still win.")
        return super().get_help_record(ctx)


STRICT_HELP = ("Exit 1 also when a claim is UNDECIDED (a statistical claim the run is too "
               "small to decide either way), not only when one FAILs. Without it an "
               "UNDECIDED claim alone exits 0.")


def common_options(f: Callable | None = None, *, quick: dict[str, Any] | None = None,
                   quick_help: str | None = None):
    """--out, --seed, --quick, --quiet, --strict: defined once, used by every command that
    computes (docs/design.md).
    ``quick``: the command's --quick sizes, listed in its help (or ``quick_help`` says what
    --quick does). Use as ``@common_options`` or ``@common_options(quick=exp.QUICK)``."""
    if f is None:
        return lambda g: common_options(g, quick=quick, quick_help=quick_help)
    f = click.option("--strict", is_flag=True, help=STRICT_HELP)(f)
    f = click.option("--quiet", is_flag=True,
                     help="No progress bar and no list of files written.")(f)
    if quick_help is None:
        f = click.option("--quick", is_flag=True, cls=QuickFlag, sizes=quick)(f)
    else:
        f = click.option("--quick", is_flag=True, help=quick_help)(f)
    f = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Root of the numpy SeedSequence; every run/cell gets its own child.")(f)
    f = click.option("--out", type=OutFolder(), default=DEFAULT_OUT,
                     show_default=True, help="Output folder (created if missing).")(f)
    return f


def build_params(base: Any, quick_sizes: dict[str, Any] | None, given: dict[str, Any]) -> Any:
    """Defaults, then the --quick sizes, then every option the user gave explicitly."""
    params = base
    if quick_sizes is not None:
        params = dataclasses.replace(params, **quick_sizes)
    params = dataclasses.replace(params, **{k: v for k, v in given.items() if v is not None})
    from relucheck.experiments.params import require_memory

    try:
        params.validate()
        require_memory(params)
    except ValueError as exc:
        name, _, why = str(exc).partition(":")
        option = name.strip().replace("_", "-")
        raise click.UsageError(f"Invalid value for '--{option}':{why}") from None
    return params


def _preload_output() -> None:
    """Import what :func:`run_and_write` needs after the run, and save a throwaway figure
    (:func:`relucheck.output.style.warm_up`): run on a thread during a run that draws nothing
    and releases the GIL (see ``preload`` there), so the first real save finds matplotlib
    warm."""
    import importlib

    for module in ("relucheck.output.outset", "relucheck.output.writers",
                   "relucheck.output.plots"):
        try:
            importlib.import_module(module)
        except Exception:
            return  # the same import in the main thread reports it
    from relucheck.output.style import warm_up

    try:
        warm_up()  # the first save's imports and font loading, off the critical path
    except Exception:
        return  # a real save in the main thread reports any problem


def run_and_write(
    run: Callable[[Any, np.random.Generator, Progress], Result],
    params: Any,
    *,
    out: Path,
    seed: int,
    progress: Progress,
    command: str,
    plot: Callable | None = None,
    preload: bool = False,
    strict: bool = False,
) -> tuple[Result, list[Path], float]:
    """Run an experiment and write <stem>.csv (and sibling tables), .png, .pdf and .json as one
    set (relucheck.output.outset): staged, then moved into ``out`` with the JSON last, which
    lists every file with its SHA-256; then the run record <stem>.run.json (time, machine, wall
    seconds). The caller holds the folder (:func:`output_folder`).

    The figure is the one registered for the result's stem in ``relucheck.output.plots``
    (``plot``, a function of the main table, overrides it). Returns the result, the paths
    written and the wall time of the computation. Raises outset.EnvironmentFailure when the
    outputs cannot be written (the previous set is then untouched).

    ``strict`` (--strict): the exit code the JSON records counts an UNDECIDED claim as a
    failure.

    ``preload``: import the writers and matplotlib and save a throwaway figure (about a second
    of Python, :func:`_preload_output`) on another thread while the experiment runs. Only for
    an experiment that spends its time in compiled kernels that release the GIL and seldom
    comes back to Python (noise-sweep): the preload then fills the gaps and the first real
    save finds matplotlib warm (0.8 s -> 0.45 s for a figure). An experiment that needs the GIL
    often (numpy blocks dispatched from Python, as conjecture1-grid and ssb-2d, or the census's
    lane workers, back in Python at every stop) would instead wait for it behind the imports:
    the preload made conjecture1-grid twice as slow (1.1 s -> 2.1 s of computation).
    """
    started = dt.datetime.now(dt.timezone.utc)
    loader = (threading.Thread(target=_preload_output, name="relucheck-preload", daemon=True)
              if preload else None)
    if loader is not None:
        loader.start()
    t0 = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    result = run(params, rng, progress)
    wall = time.perf_counter() - t0
    if loader is not None:
        loader.join()

    from relucheck.output import outset
    from relucheck.output.plots import FIGURES, draw
    from relucheck.output.style import save_figure
    from relucheck.output.writers import (
        provenance,
        read_csv,
        run_record,
        run_record_name,
        write_json,
        write_tables,
    )

    json_name = f"{result.stem}.json"
    with outset.staging(out) as stage:
        paths = write_tables(result, stage)
        # Draw from the CSVs just written, so the figure is exactly what `relucheck plot`
        # redraws.
        if plot is not None:
            paths += save_figure(plot(read_csv(paths[0])), stage, result.stem)
        elif result.stem in FIGURES:
            paths += save_figure(draw(paths[0])[1], stage, result.stem)
        for name, doc in result.documents.items():
            doc_path = stage / f"{result.stem}_{name}.json"
            write_json(doc_path, doc)
            paths.append(doc_path)
        names = [p.name for p in paths]
        context = {
            "command": command,
            "seed": seed,
            "outputs": [{"file": n, "sha256": outset.sha256(stage / n)} for n in names],
        }
        write_json(stage / json_name, provenance(result, context, strict=strict))
        # The run record is not one of the set's outputs (it differs at every run, and the
        # record lists the outputs by hash): it is moved in after the set, naming its record.
        run_name = run_record_name(result.stem)
        write_json(stage / run_name, run_record(
            result, stage / json_name, started=started.isoformat(timespec="seconds"),
            wall_seconds=wall, command=command))
        published = outset.publish(stage, out, names, json_name)
        os.replace(stage / run_name, out / run_name)
    return result, [*published, out / run_name], wall


@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """Probe and lock --out before any work (a usage error, exit 2, when it cannot be used), and
    turn a failure of the environment while writing into one line and exit 3."""
    from relucheck.output import outset

    stack = contextlib.ExitStack()
    try:
        folder = stack.enter_context(outset.locked(out))
    except outset.OutputError as exc:
        raise click.BadParameter(str(exc), param_hint="'--out'") from None
    with stack:
        try:
            yield folder
        except outset.EnvironmentFailure as exc:
            click.echo(f"Error: {exc.strerror or exc}", err=True)
            sys.exit(3)


#: Parameters that say how a result is computed, not what it is: the same set either way.
HOW_FIELDS = ("workers", "scheduler")


def holds_default_set(out: Path) -> bool:
    """Whether ``out`` holds the set `relucheck all` writes at its defaults (seed 0, no
    --quick, nothing skipped): ``make figures``' folder, which the repository keeps."""
    try:
        doc = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(doc, dict) and doc.get("seed") == 0 and doc.get("quick") is False
            and not doc.get("skipped_without_python_flint"))


def default_set_guard(out: Path, module: str, params: Any, seed: int) -> None:
    """Refuse (a usage error, exit 2, before any work) a run that would silently replace part
    of a default set (:func:`holds_default_set`) with other parameters: only the run `relucheck
    all` makes of the same experiment (same parameters up to :data:`HOW_FIELDS`, seed 0) may."""
    if not holds_default_set(out):
        return
    from relucheck.cli.all import default_params

    want = default_params(module)
    if want is not None and seed == 0 and dataclasses.replace(
            params, **{f: getattr(want, f) for f in HOW_FIELDS if hasattr(want, f)}) == want:
        return
    differ = ([f"--{f.name.replace('_', '-')}" for f in dataclasses.fields(want)
               if f.name not in HOW_FIELDS and getattr(params, f.name) != getattr(want, f.name)]
              if want is not None else [])
    differ += ["--seed"] if seed != 0 else []
    raise click.BadParameter(
        f"{str(out)!r} holds the default set of `relucheck all` (make figures), and this run "
        f"({', '.join(differ) or 'another command'} not as there) would replace part of it; "
        "give another --out", param_hint="'--out'")


def execute(
    run: Callable[[Any, np.random.Generator, Progress], Result],
    params: Any,
    *,
    out: Path,
    seed: int,
    quiet: bool,
    strict: bool = False,
    plot: Callable | None = None,
    preload: bool = False,
) -> None:
    """The body of every command: probe and lock --out, run and write, print the claims, exit 0
    or 1 (1: a theorem-level claim FAILED, or with ``strict`` one is UNDECIDED; 2: an unusable
    --out or scheduler; 3: the environment failed while writing)."""
    from relucheck.output.report import claim_table, verdict_line
    from relucheck.runtime.cluster import SchedulerUnreachable

    default_set_guard(out, run.__module__, params, seed)
    with output_folder(out):
        try:
            result, paths, wall = run_and_write(
                run, params, out=out, seed=seed, progress=tqdm_progress(quiet),
                command=" ".join(["relucheck", *sys.argv[1:]]), plot=plot, preload=preload,
                strict=strict)
        except SchedulerUnreachable as exc:  # found when connecting, before any computation
            raise click.BadParameter(str(exc), param_hint="'--scheduler'") from None
    click.echo(claim_table(result.claims))
    verdict = verdict_line(len(result.failed), len(result.undecided), strict)
    click.echo(f"\n{result.stem}: {verdict} ({wall:.1f} s)")
    if not quiet:
        for p in paths:
            click.echo(f"  wrote {p}", err=True)
    sys.exit(result.exit_code_for(strict))
