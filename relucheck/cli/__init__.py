"""The ``relucheck`` command: a thin click group over the experiments (docs/design.md, layer 5).

Each subcommand lives in its own module here and is registered below.
"""

from __future__ import annotations

import signal
import sys

import click

from relucheck import __version__
from relucheck.cli import all as all_
from relucheck.cli import (
    census,
    check_certificate,
    check_minimum,
    conjecture1_grid,
    init_prob,
    noise_sweep,
    plot,
    ssb_2d,
    verify_formula,
)


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


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="relucheck")
def main() -> None:
    """Checked, reproducible figures and theorems of Tian (ICML 2017), "An Analytical Formula
    of Population Gradient for two-layered ReLU network".

    Every command writes <stem>.csv, <stem>.json (provenance and claims), <stem>.png and
    <stem>.pdf into --out, prints a claim table, and exits 0 when every theorem-level claim
    holds, 1 when one fails, 2 on bad usage.
    """


for _module in (verify_formula, conjecture1_grid, ssb_2d, noise_sweep, init_prob, census, all_,
                plot, check_certificate, check_minimum):
    main.add_command(_module.command)
