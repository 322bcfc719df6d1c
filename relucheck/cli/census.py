"""``relucheck census``: where gradient descent ends, per teacher size k and extra units e."""

from __future__ import annotations

import click

from relucheck.cli.common import (
    SCHEDULER_HELP,
    CommaList,
    FiniteFloat,
    SchedulerType,
    build_params,
    common_options,
    execute,
    flatten,
    show_list,
)
from relucheck.experiments import census as exp

D = exp.Params()


class Init(click.ParamType):
    """xavier, tian, or the path of a .npy file of starts."""

    name = "xavier|tian|FILE.npy"

    def convert(self, value, param, ctx):
        v = str(value)
        if v in exp.INITS or v.endswith(".npy"):
            return v
        self.fail(f"{v!r} is not one of {', '.join(exp.INITS)} or a FILE.npy", param, ctx)


@click.command("census", short_help="Where gradient descent ends, for teachers W* = I_k.")
@click.option("--K", "K", type=CommaList(int), multiple=True,
              help="Teacher units k (W* = [I_k 0]), comma list or repeated.",
              show_default=f"{show_list(D.K)}")
@click.option("--extra", type=CommaList(int), multiple=True,
              help="Extra student units e (n = k + e).", show_default=f"{show_list(D.extra)}")
@click.option("--init", type=Init(), default=None,
              help="Start: xavier (entries N(0, 1/d)), tian (1e-3 w* + N(0, (1e-3 noise)^2)), "
                   "or FILE.npy of starts (runs, n, d) for one cell.", show_default=f"{D.init}")
@click.option("--noise", type=FiniteFloat(min=0), default=None,
              help="Noise of the tian start.", show_default=f"{D.noise:g}")
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Runs per cell (k, n).", show_default=f"{D.runs}")
@click.option("--lr", type=FiniteFloat(min=0, min_open=True), default=None,
              help="Step size.", show_default=f"{D.lr:g}")
@click.option("--gtol", type=FiniteFloat(min=0, min_open=True), default=None,
              help="A run has converged when max_j |grad_{w_j} J| <= gtol.",
              show_default=f"1e-9/(2 pi) = {D.gtol:.4g}")
@click.option("--max-iters", type=click.IntRange(min=1), default=None,
              help="Descent steps before a run counts as not converged.",
              show_default=f"{D.max_iters}")
@click.option("--d", type=click.IntRange(min=1), default=None,
              help="Input dimension, at least every k (W* = [I_k 0]).", show_default="d = k")
@click.option("--workers", type=click.IntRange(min=0, max=1024), default=None,
              help="Worker threads; 0: one per core.", show_default="0")
@click.option("--polish-tol", type=FiniteFloat(min=0), default=None,
              help="Newton polishing is tried below this gradient; 0: plain descent only.",
              show_default=f"{D.polish_tol:g}")
@click.option("--scheduler", type=SchedulerType(), default=None, help=SCHEDULER_HELP,
              metavar="local:N|tcp://HOST:PORT|FILE")
@click.option("--certify", is_flag=True, default=None,
              help="Prove every spurious family (and the n = k global minimum) a strict local "
                   "minimum in interval arithmetic; adds the columns certified, radius, loss_lo, "
                   "loss_hi, lambda_min_lo to census_families.csv and writes "
                   "census_certificates.json (re-check: relucheck check-minimum).")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, K, extra, **rest):
    """Where gradient descent ends: the share of runs at spurious local minima, and the minima
    themselves, for teachers W* = I_k (Safran & Shamir's setting; Figure 9's question).

    Every endpoint is classified by the analytic Hessian (teacher, spurious_minimum, saddle,
    degenerate, singular, diverged, not_converged) and grouped into families up to the
    permutation symmetry. Writes census.csv (per cell), census_runs.csv, census_families.csv,
    census_representatives.csv, census.json, census.png and census.pdf; with --certify also
    census_certificates.json, and the command exits 1 when a family cannot be proved.
    """
    given = dict(rest, K=flatten(K), extra=flatten(extra))
    params = build_params(D, exp.QUICK if quick else None, given)
    # no matplotlib preload (run_and_write): the lane workers come back to Python for every
    # stop and polish, and a preloading thread holding the GIL made the runs wait for it
    # (K = 10, 300 runs: 4.1 s with the preload, 3.5 s without, medians of five)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet, strict=strict)

