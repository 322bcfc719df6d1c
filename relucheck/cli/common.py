"""What every subcommand shares: the common options, list parsing, options derived from the
parameters' rules (:func:`option`), and :func:`execute`, which hands the parsed options to the
library runner (relucheck.runner) and prints its claims. Commands stay thin: parse, then call
:func:`execute`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from relucheck.experiments.params import Rule, bound_text, option_name, rule_of
from relucheck.runtime import cluster
from relucheck.runtime.progress import tqdm_progress

DEFAULT_OUT = Path("figures")


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


class FiniteFloat(click.FloatRange):
    """A finite float, optionally in a range: the one type of every float option.

    ``click.FloatRange`` accepts inf, and nan passes its comparisons; here both are usage
    errors (exit 2) naming the option and the accepted range, e.g. ``Invalid value for
    '--noise': 'nan' is not a finite number >= 0``. ``CommaList(FiniteFloat(...))`` applies the
    same check to every entry of a list. The check is the parameter's rule
    (:meth:`relucheck.experiments.params.Rule.parse_float`), which ``relucheck.run`` applies too.
    """

    name = "float"

    def __init__(self, min: float | None = None, max: float | None = None,
                 min_open: bool = False, max_open: bool = False) -> None:
        super().__init__(min=min, max=max, min_open=min_open, max_open=max_open)
        self.rule = Rule(kind=float, min=min, max=max, min_open=min_open, max_open=max_open)

    def accepted(self) -> str:
        """The accepted values in words: 'a finite number >= 0', '... in [0, pi)'."""
        return self.rule.accepted()

    def _describe_range(self) -> str:  # the [range] shown in --help; nothing when unbounded
        if self.min is None and self.max is None:
            return ""
        lo = ("" if self.min is None
              else f"{bound_text(self.min)}{'<' if self.min_open else '<='}")
        hi = ("" if self.max is None
              else f"{'<' if self.max_open else '<='}{bound_text(self.max)}")
        return f"{lo}x{hi}"

    def parse(self, value: Any) -> float:
        """The value as a float, or ValueError saying what is accepted."""
        return self.rule.parse_float(value)

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


def checker_options(f: Callable) -> Callable:
    """A certificate checker's FILE_OR_FOLDER argument, --workers and --quiet (check-minimum,
    check-families)."""
    f = click.option("--quiet", is_flag=True, help="No progress bar.")(f)
    f = click.option("--workers", type=click.IntRange(min=0, max=1024), default=0,
                     show_default=True, help="Processes; 0: one per core.")(f)
    return click.argument("path", metavar="FILE_OR_FOLDER", type=click.Path(path_type=Path))(f)


def click_type(rule: Rule) -> click.ParamType:
    """The click type of an option, derived from its parameter's rule: a single number is
    checked against its range while parsing, a list entry by entry for floats (an integer
    list's range is its ``validate``'s)."""
    if rule.choices is not None:
        return click.Choice(rule.choices)
    if rule.kind is float:
        entry = FiniteFloat(rule.min, rule.max, rule.min_open, rule.max_open)
        return CommaList(entry) if rule.many else entry
    if rule.kind is int:
        if rule.many:
            return CommaList(int)
        if rule.min is None and rule.max is None:
            return click.INT
        return click.IntRange(rule.min, rule.max, rule.min_open, rule.max_open)
    return click.STRING


def option(params: Any, name: str, **kwargs: Any) -> Callable:
    """The option of field ``name`` of ``params`` (a command's default ``Params``): named and
    typed by the field's rule (``relucheck.experiments.params.param``), not given by default
    (None: the field's default applies), repeatable when the field is a tuple. ``kwargs`` go to
    ``click.option`` (help, show_default, or a type that says more than the rule)."""
    rule = rule_of(params, name)
    if rule is None:
        raise KeyError(f"{type(params).__qualname__}.{name} declares no rule")
    kwargs.setdefault("type", click_type(rule))
    kwargs.setdefault("default", None)
    if rule.many:
        kwargs.setdefault("multiple", True)
    return click.option(option_name(params, name), name, **kwargs)


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """The runner's ParameterError as a usage error (one ``Error:`` line, exit 2), and a failure
    of the environment while writing as one line and exit 3."""
    # the runner loads the writers (importlib.metadata, subprocess, filelock): only when a
    # command runs, not for `relucheck --help`, which imports every command's module
    from relucheck import runner
    from relucheck.output import outset

    try:
        yield
    except runner.ParameterError as exc:
        raise click.UsageError(str(exc)) from None
    except outset.EnvironmentFailure as exc:
        click.echo(f"Error: {exc.strerror or exc}", err=True)
        sys.exit(3)


@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """Probe and lock --out before any work (a usage error, exit 2, when it cannot be used), and
    turn a failure of the environment while writing into one line and exit 3."""
    from relucheck import runner  # when a command runs (usage_errors)

    with usage_errors(), runner.output_folder(out) as folder:
        yield folder


def execute(command: str, given: dict[str, Any], *, out: Path, seed: int, quick: bool,
            quiet: bool, strict: bool = False) -> None:
    """The body of every command: :func:`relucheck.runner.plan` the run, execute it (guard,
    probe and lock --out, run and write), print the claims, exit 0 or 1 (1: a theorem-level
    claim FAILED, or with ``strict`` one is UNDECIDED; 2: a bad parameter, an unusable --out or
    scheduler; 3: the environment failed while writing)."""
    from relucheck import runner  # when a command runs (usage_errors)
    from relucheck.output.report import claim_table, verdict_line

    with usage_errors():
        chosen = runner.plan(command, quick=quick, **given)
        result, paths, wall = runner.execute(
            chosen, out, seed=seed, command=" ".join(["relucheck", *sys.argv[1:]]),
            strict=strict, progress=tqdm_progress(quiet))
    click.echo(claim_table(result.claims))
    verdict = verdict_line(len(result.failed), len(result.undecided), strict)
    click.echo(f"\n{result.stem}: {verdict} ({wall:.1f} s)")
    if not quiet:
        for p in paths:
            click.echo(f"  wrote {p}", err=True)
    sys.exit(result.exit_code_for(strict))
