"""``relucheck census``: where gradient descent ends, per teacher size k and extra units e."""

from __future__ import annotations

import click

from relucheck.cli.common import (
    SCHEDULER_HELP,
    SchedulerType,
    common_options,
    execute,
    flatten,
    option,
    show_list,
)
from relucheck.experiments import census as exp
from relucheck.experiments.params import rule_of

D = exp.Params()


class Init(click.ParamType):
    """xavier, tian, or the path of a .npy file of starts (the rule of ``Params.init``)."""

    name = "xavier|tian|FILE.npy"

    def convert(self, value, param, ctx):
        try:
            return rule_of(D, "init").parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("census", short_help="Where gradient descent ends, for teachers W* = I_k.")
@option(D, "ks", help="Teacher units k (W* = [I_k 0]), comma list or repeated.",
        show_default=f"{show_list(D.ks)}")
@option(D, "extra", help="Extra student units e (n = k + e).",
        show_default=f"{show_list(D.extra)}")
@option(D, "init", type=Init(),
        help="Start: xavier (entries N(0, 1/d)), tian (1e-3 w* + N(0, (1e-3 noise)^2)), "
             "or FILE.npy of starts (runs, n, d) for one cell.", show_default=f"{D.init}")
@option(D, "noise", help="Noise of the tian start.", show_default=f"{D.noise:g}")
@option(D, "runs", help="Runs per cell (k, n).", show_default=f"{D.runs}")
@option(D, "lr", help="Step size.", show_default=f"{D.lr:g}")
@option(D, "gtol", help="A run has converged when max_j |grad_{w_j} J| <= gtol.",
        show_default=f"1e-9/(2 pi) = {D.gtol:.4g}")
@option(D, "max_iters", help="Descent steps before a run counts as not converged.",
        show_default=f"{D.max_iters}")
@option(D, "d", help="Input dimension, at least every k (W* = [I_k 0]).", show_default="d = k")
@option(D, "workers", help="Worker threads; 0: one per core.", show_default="0")
@option(D, "polish_tol", help="Newton polishing is tried below this gradient; 0: plain descent "
                              "only.", show_default=f"{D.polish_tol:g}")
@option(D, "scheduler", type=SchedulerType(), help=SCHEDULER_HELP,
        metavar="local:N|tcp://HOST:PORT|FILE")
@click.option("--certify", is_flag=True, default=None,
              help="Prove every spurious family (and the n = k global minimum) a strict local "
                   "minimum in interval arithmetic; adds the columns certified, radius, loss_lo, "
                   "loss_hi, lambda_min_lo to census_families.csv and writes "
                   "census_certificates.json (re-check: relucheck check-minimum).")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, ks, extra, **rest):
    """Where gradient descent ends: the share of runs at spurious local minima, and the minima
    themselves, for teachers W* = I_k (Safran & Shamir's setting; Figure 9's question).

    Every endpoint is classified by the analytic Hessian (teacher, spurious_minimum, saddle,
    degenerate, singular, diverged, not_converged) and grouped into families up to the
    permutation symmetry. Writes census.csv (per cell), census_runs.csv, census_families.csv,
    census_representatives.csv, census.json, census.png and census.pdf; with --certify also
    census_certificates.json, and the command exits 1 when a family cannot be proved.
    """
    given = dict(rest, ks=flatten(ks), extra=flatten(extra))
    # no matplotlib preload (relucheck.runner.PRELOAD): the lane workers come back to Python
    # for every stop and polish (docs/commands/census.md)
    execute("census", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
