"""The ``relucheck`` command: a thin click group over the library runner (docs/design.md,
"Layers").

The group
    main -- the click group (``relucheck --help``), with Ctrl-C exiting 130 and SIGTERM 143
    run -- the console script (also ``python -m relucheck``): :func:`main`, then a fast exit

Lazy command loading
    COMMANDS -- command name -> its module here (each defines ``command``); a module is
    imported only when its command runs or is listed by ``--help``, so ``relucheck census``
    does not pay for importing every other command (a third of a second, a tenth of a short run)
    commands() -- every command, imported (for tests and tools that walk the options)

Shared by every command: ``common`` (the common options, options derived from the parameters'
rules, and ``execute``, which hands the parsed options to :mod:`relucheck.runner`).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

import click

from relucheck import __version__
from relucheck._public import RUNNABLE

#: command name -> its module in relucheck.cli (each defines ``command``)
COMMANDS = {name: name.replace("-", "_")
            for name in (*RUNNABLE, "all", "plot", "check-certificate", "check-minimum",
                         "check-families")}


def commands() -> dict[str, click.Command]:
    """Every subcommand, imported (for tests and tools that walk the options)."""
    return {name: main.get_command(None, name) for name in COMMANDS}


class _Group(click.Group):
    """click's group, with Ctrl-C ending the process with exit code 130 and SIGTERM with 143
    (128 + the signal, the shell's convention; docs/design.md, exit codes) instead of click's
    "Aborted!" and 1, which would read as "a theorem-level claim failed". Both unwind through
    the same cleanup. Usage errors keep click's own handling."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        terminated = []

        def on_sigterm(signum, frame):  # SIGTERM unwinds like Ctrl-C: staging removed, lock
            terminated.append(signum)   # released, the previous outputs untouched
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            return super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Abort:
            click.echo("\nTerminated." if terminated else "\nInterrupted.", err=True)
            sys.exit(143 if terminated else 130)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        command = importlib.import_module(f"relucheck.cli.{COMMANDS[name]}").command
        # common loads the runner (numpy): only once a command is looked up, not for --version
        from relucheck.cli.common import Option

        for p in command.params:  # one format for every default in --help (common.Option)
            if type(p) is click.Option:
                p.__class__ = Option
        return command


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="relucheck")
def main() -> None:
    """Checked, reproducible figures and theorems of Tian (ICML 2017), "An Analytical Formula
    of Population Gradient for two-layered ReLU network".

    Every command writes <stem>.csv, <stem>.json (provenance and claims), <stem>.png and
    <stem>.pdf into --out, with <stem>.run.json (time, machine, wall seconds) beside them,
    prints a claim table, and exits 0 when no theorem-level claim fails, 1 when one fails,
    2 on bad usage. A statistical claim the run is too small to decide either way is
    UNDECIDED: it exits 0, or 1 with --strict.
    """


def run() -> None:
    """The console script ``relucheck`` (and ``python -m relucheck``): :func:`main`, then the
    process ends at once with its exit code.

    A command has written and closed every file, printed its table and released its lock when
    :func:`main` returns; what is left is the interpreter's own teardown (clearing every
    module, numba's and matplotlib's included), which takes 0.3 s to 0.4 s, a tenth of a short
    command, and does nothing a user can see. So the atexit handlers run (a coverage or
    profiling tool saves its data there), stdout and stderr are flushed and the process ends
    with ``os._exit``, unless something could still need the full teardown: a trace or profile
    function (a debugger, coverage, cProfile), another non-daemon thread, a child process, or
    dask.distributed (whose clients close themselves at exit). Then it ends the usual way. The
    exit code is ``sys.exit``'s in either case.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("text"): the text on stderr, exit code 1
        sys.stderr.write(f"{code}\n")
        code = 1
    if _teardown_needed():
        sys.exit(code)
    _run_atexit_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: let the usual exit report it
        sys.exit(code)
    os._exit(code)


def _run_atexit_handlers() -> None:
    """What another tool registered with atexit (coverage's data file, say) runs before the
    fast exit, as it would at a usual one; the few registered by the stack (logging,
    multiprocessing) take microseconds."""
    import atexit

    atexit._run_exitfuncs()


def _teardown_needed() -> bool:
    """Whether anything may still depend on the interpreter's teardown (see :func:`run`)."""
    import threading

    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True  # a debugger, coverage or a profiler writes its results after main()
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive()
           for t in threading.enumerate()):
        return True
    if "distributed" in sys.modules:
        return True
    mp = sys.modules.get("multiprocessing")
    return bool(mp is not None and mp.active_children())
