"""``relucheck.run``: run a command from Python exactly as the command line does (docs/api.md).

Parameters are decided before any work (:func:`plan`), the output folder is probed, locked and
guarded (:func:`output_folder`, :func:`default_set_guard`), and the experiment's result is
drawn, recorded and published as one set (:func:`run_and_write`). ``relucheck.cli`` is a thin
click layer over these functions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from relucheck import proofs
from relucheck._public import RUNNABLE
from relucheck.experiments.params import option_name, rule_of
from relucheck.output import outset
from relucheck.output.writers import (
    atomic_write_bytes,
    provenance,
    read_csv,
    run_record,
    run_record_name,
    write_json,
    write_tables,
)
from relucheck.result import Result
from relucheck.runtime.cluster import SchedulerUnreachable
from relucheck.runtime.memory import require_memory
from relucheck.runtime.progress import Progress, null_progress

#: command (as on the command line) -> its experiment module in relucheck.experiments
EXPERIMENTS = {name: name.replace("-", "_") for name in RUNNABLE}
#: The runs `relucheck all` makes, in order: (name, experiment module, parameters its flags set).
ALL = [
    ("verify-formula", "verify_formula", {}),
    ("conjecture1-grid", "conjecture1_grid", {}),
    ("conjecture1-grid --certify", "conjecture1_certify", {}),
    ("ssb-2d", "ssb_2d", {}),
    ("noise-sweep", "noise_sweep", {}),
    ("init-prob", "init_prob", {}),
    ("census --certify", "census", {"certify": True}),
    ("conjecture2", "conjecture2", {}),
    ("families", "families", {}),
]
#: Experiments that spend their time in compiled kernels releasing the GIL: the writers and
#: matplotlib are warmed on another thread meanwhile (:func:`run_and_write`, ``preload``).
PRELOAD = ("noise_sweep",)
#: Commands that are interval proofs throughout (python-flint needed; a usage error without it).
NEEDS_FLINT = ("families",)
#: Parameters that say how a result is computed, not what it is: the same set either way.
HOW_FIELDS = ("workers", "scheduler")
#: conjecture1-grid's options that belong to the grid only, and to the proof (--certify) only.
GRID_ONLY = ("n_a", "n_phi")
CERTIFY_ONLY = ("a_zero", "a_margin", "max_depth", "prec")


class ParameterError(ValueError):
    """A parameter or output folder that cannot be used, found before any work. The message is
    the one line the command line prints after ``Error:`` (and exits 2 with)."""


def invalid(option: str, why: str) -> ParameterError:
    return ParameterError(f"Invalid value for '{option}': {why}")


def experiment(module: str) -> ModuleType:
    """``relucheck.experiments.<module>``, imported when its command runs, so that one command
    does not pay for importing every experiment."""
    return importlib.import_module(f"relucheck.experiments.{module}")


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a command will run: the experiment module and its checked parameters."""

    experiment: ModuleType
    params: Any

    @property
    def preload(self) -> bool:
        return self.experiment.__name__.rpartition(".")[2] in PRELOAD


def build_params(exp: ModuleType, quick: bool, given: dict[str, Any]) -> Any:
    """Defaults, then the --quick sizes, then every parameter given (None: not given); checked
    (``validate``, and whether it fits in memory), a ParameterError naming the option."""
    params = exp.Params()
    if quick:
        params = dataclasses.replace(params, **exp.QUICK)
    try:
        params = dataclasses.replace(params, **{k: v for k, v in given.items() if v is not None})
        params.validate()
        require_memory(params)
    except TypeError as exc:  # an unknown name: the dataclass says which
        raise ParameterError(str(exc)) from None
    except ValueError as exc:
        name, _, why = str(exc).partition(":")
        name = name.strip()
        option = (option_name(params, name) if name in _field_names(params)
                  else f"--{name.replace('_', '-')}")
        raise ParameterError(f"Invalid value for '{option}':{why}") from None
    return params


def _field_names(params: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(params)}


def _parse_given(exp: ModuleType, given: dict[str, Any], options: Any = None) -> dict[str, Any]:
    """Each value given in Python checked as its option checks it while parsing (its rule),
    so ``relucheck.run`` refuses what the command line refuses, in the same words. An option
    shared with another Params (``options``, whose fields declare the command's options) is
    checked by that one's rule, as on the command line."""
    names = _field_names(exp.Params)
    declared = _field_names(options) if options is not None else set()
    out = {}
    for name, value in given.items():
        if value is None:  # not given (the command line passes every option, None if unset)
            continue
        if name not in names:
            raise ParameterError(f"{exp.__name__.rpartition('.')[2].replace('_', '-')}: no "
                                 f"parameter {name!r} (the parameters are the fields of "
                                 f"{exp.__name__}.Params)")
        owner = options if name in declared else exp.Params
        rule = rule_of(owner, name)
        if rule is not None:
            try:
                value = rule.parse(value)
            except ValueError as exc:
                raise invalid(option_name(owner, name), str(exc)) from None
        out[name] = value
    return out


def plan(command: str, *, quick: bool = False, **given: Any) -> Plan:
    """The experiment and checked parameters of ``command`` (as on the command line) at the
    defaults, then its --quick sizes, then ``given``; a ParameterError (a ValueError) with the
    command line's message otherwise, before any work."""
    if command not in EXPERIMENTS:
        raise ParameterError(f"No such command {command!r}.")
    if command == "conjecture1-grid":
        return _plan_conjecture1(quick, given)
    exp = experiment(EXPERIMENTS[command])
    if command == "noise-sweep":
        _check_noise_sweep(given)
    params = build_params(exp, quick, _parse_given(exp, given))
    if command in NEEDS_FLINT and not proofs.flint_available():
        raise ParameterError(proofs.FLINT_HINT)
    return Plan(exp, params)


def _check_noise_sweep(given: dict[str, Any]) -> None:
    """noise-sweep: tops = () (--top none) leaves no bottom row for its options; train_top
    trains a custom setting."""
    if given.get("tops") == ():
        ignored = [name for name, field in (("--reading", "readings"), ("--top-K", "top_K"),
                                            ("--top-noise", "top_noise")) if given.get(field)]
        if ignored:
            raise invalid("--top", f"'none' (no bottom row) leaves nothing for "
                                   f"{', '.join(ignored)} to apply to")
    if given.get("train_top") and given.get("a_star") is None and given.get("a") is None:
        raise ParameterError("--train-top applies to a custom setting: give --a-star or --a")


def _plan_conjecture1(quick: bool, given: dict[str, Any]) -> Plan:
    """conjecture1-grid: the grid, or with certify the proof on the continuous region."""
    given = dict(given)
    certify = given.pop("certify", False)
    only, why = ((GRID_ONLY, "is a grid option; --certify covers the continuous region")
                 if certify else (CERTIFY_ONLY, "needs --certify"))
    for name in only:
        if given.get(name) is not None:
            raise ParameterError(f"--{name.replace('_', '-')} {why}.")
    if not certify:
        exp = experiment("conjecture1_grid")
        return Plan(exp, build_params(exp, quick, _parse_given(exp, given)))
    for end, width in (("a_min", "a_zero"), ("a_max", "a_margin")):
        if given.get(end) is not None and given.get(width) is not None:
            raise ParameterError(f"--{width.replace('_', '-')} sizes the end piece that "
                                 f"--{end.replace('_', '-')} replaces; give one of them.")
    exp = experiment("conjecture1_certify")
    # a_min, a_max, workers, scheduler: one option each, declared by the grid's Params
    grid = experiment("conjecture1_grid").Params
    params = build_params(exp, quick, _parse_given(exp, given, options=grid))
    if not proofs.flint_available():
        raise ParameterError(proofs.FLINT_HINT)
    return Plan(exp, params)


# --------------------------------------------------------------------------- the output folder
@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """Probe and lock ``out`` before any work: a ParameterError naming --out when it cannot be
    used. An outset.EnvironmentFailure (an OSError) while writing passes through."""
    stack = contextlib.ExitStack()
    try:
        folder = stack.enter_context(outset.locked(Path(out)))
    except outset.OutputError as exc:
        raise invalid("--out", str(exc)) from None
    with stack:
        yield folder


def holds_default_set(out: Path) -> bool:
    """Whether ``out`` holds the set `relucheck all` writes at its defaults (seed 0, no
    --quick, nothing skipped): ``make figures``' folder, which the repository keeps."""
    try:
        doc = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(doc, dict) and doc.get("seed") == 0 and doc.get("quick") is False
            and not doc.get("skipped_without_python_flint"))


def default_params(module: str):
    """The parameters `relucheck all` runs the experiment ``module`` (a module name such as
    ``relucheck.experiments.census``) with, or None when `all` does not run it."""
    for _, name, flags in ALL:
        if f"relucheck.experiments.{name}" == module:
            return importlib.import_module(module).Params(**flags)
    return None


def default_set_guard(out: Path, module: str, params: Any, seed: int) -> None:
    """Refuse (a ParameterError naming --out, before any work) a run that would silently replace
    part of a default set (:func:`holds_default_set`) with other parameters: only the run
    `relucheck all` makes of the same experiment (same parameters up to :data:`HOW_FIELDS`,
    seed 0) may."""
    if not holds_default_set(out):
        return
    want = default_params(module)
    if want is not None and seed == 0 and dataclasses.replace(
            params, **{f: getattr(want, f) for f in HOW_FIELDS if hasattr(want, f)}) == want:
        return
    differ = ([option_name(want, f.name) for f in dataclasses.fields(want)
               if f.name not in HOW_FIELDS and getattr(params, f.name) != getattr(want, f.name)]
              if want is not None else [])
    differ += ["--seed"] if seed != 0 else []
    raise invalid("--out",
                  f"{str(out)!r} holds the default set of `relucheck all` (make figures), and "
                  f"this run ({', '.join(differ) or 'another command'} not as there) would "
                  "replace part of it; give another --out")


# --------------------------------------------------------------------------- run and write
def _preload_output() -> None:
    """Import matplotlib and the plotting modules and save a throwaway figure
    (:func:`relucheck.output.style.warm_up`): run on a thread during a run that draws nothing
    and releases the GIL (see ``preload`` in :func:`run_and_write`), so the first real save finds
    matplotlib warm."""
    try:
        importlib.import_module("relucheck.output.plots")
        style = importlib.import_module("relucheck.output.style")
    except Exception:
        return  # the same import in the main thread reports it
    try:
        style.warm_up()  # the first save's imports and font loading, off the critical path
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
    (``plot``, a function of the main table, overrides it). ``command`` is the command line
    recorded in the JSON and the run record. Returns the result, the paths written and the
    wall time of the computation. Raises outset.EnvironmentFailure when the outputs cannot be
    written (the previous set is then untouched).

    ``strict`` (--strict): the exit code the JSON records counts an UNDECIDED claim as a
    failure.

    ``preload``: import the plotting code and matplotlib and save a throwaway figure on another
    thread while the experiment runs. Only for an experiment that spends its time in compiled
    kernels that release the GIL and seldom comes back to Python (noise-sweep); one that needs
    the GIL often would wait for it behind the imports (docs/commands/noise-sweep.md).
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

    # matplotlib loads after the computation (or on the preload thread during it), never at
    # the start of a command
    from relucheck.output.plots import FIGURES, draw
    from relucheck.output.style import save_figure

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
        for name, data in result.files.items():  # bytes, e.g. a compressed certificate
            file_path = stage / f"{result.stem}_{name}"
            atomic_write_bytes(file_path, data)
            paths.append(file_path)
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


def execute(plan: Plan, out: Path, *, seed: int, command: str, strict: bool = False,
            progress: Progress = null_progress) -> tuple[Result, list[Path], float]:
    """Guard, probe and lock ``out``, then :func:`run_and_write` the plan: what every command
    does once its parameters are decided. ParameterError for an unusable --out or scheduler."""
    default_set_guard(out, plan.experiment.__name__, plan.params, seed)
    with output_folder(out):
        try:
            return run_and_write(plan.experiment.run, plan.params, out=Path(out), seed=seed,
                                 progress=progress, command=command, preload=plan.preload,
                                 strict=strict)
        except SchedulerUnreachable as exc:  # found when connecting, before any computation
            raise invalid("--scheduler", str(exc)) from None


def check_run_options(out: Any, seed: Any) -> Path:
    """--out and --seed as the command line checks them (ParameterError otherwise)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise invalid("--seed", f"{seed!r} is not a valid integer.")
    if seed < 0:
        raise invalid("--seed", f"{seed} is not in the range x>=0.")
    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise invalid("--out", "an empty value is not a folder")
    return Path(out)


def run(command: str, out: str | os.PathLike, *, quick: bool = False, seed: int = 0,
        strict: bool = False, progress: Progress | None = None, **params: Any) -> Result:
    """Run ``command`` into the folder ``out`` as ``relucheck <command>`` does, and return its
    Result: the same files, bytes, lock, guard of the default set and provenance, except the
    recorded command line, which is this call (``relucheck.run('ssb-2d', ...)``).

    ``params`` are the fields of the command's ``Params`` (``relucheck.experiments.<command>``,
    e.g. ``K=(2, 5)`` for ssb-2d; for conjecture1-grid also ``certify=True``), checked as the
    command line checks its options: a bad one raises ValueError with the message the command
    line prints, before any work and with nothing written. ``progress`` reports progress
    (``relucheck.runtime.tqdm_progress(False)`` draws a bar; none by default).

    Examples
    --------
    Theorem 7's symmetric dynamics (Figure 8) at the --quick sizes:

    >>> import relucheck as rc, tempfile
    >>> result = rc.run("ssb-2d", tempfile.mkdtemp(), quick=True)  # doctest: +SKIP
    >>> result.stem, result.exit_code  # doctest: +SKIP
    ('fig8_ssb_2d', 0)
    >>> rc.run("ssb-2d", tempfile.mkdtemp(), x0=-1.0)
    Traceback (most recent call last):
    ...
    relucheck.runner.ParameterError: Invalid value for '--x0': '-1.0' is not a finite number in ...
    """
    folder = check_run_options(out, seed)
    chosen = plan(command, quick=quick, **params)
    shown = ", ".join([repr(command), repr(str(out)), *(["quick=True"] if quick else []),
                       f"seed={seed}", *(["strict=True"] if strict else []),
                       *(f"{k}={v!r}" for k, v in params.items())])
    result, _, _ = execute(chosen, folder, seed=seed, command=f"relucheck.run({shown})",
                           strict=strict, progress=progress or null_progress)
    return result
