"""``relucheck init-prob``: Theorem 6, success probability of random initialisation."""

from __future__ import annotations

import click

from relucheck.cli.common import (
    CommaList,
    FiniteFloat,
    build_params,
    common_options,
    execute,
    flatten,
    show_list,
)
from relucheck.experiments import init_prob as exp

D = exp.Params()


@click.command("init-prob", short_help="Theorem 6: chance that a random start converges.")
@click.option("--d", "d", type=CommaList(int), multiple=True,
              help="Input dimensions, comma list or repeated.", show_default=f"{show_list(D.d)}")
@click.option("--eps", type=CommaList(FiniteFloat(min=exp.EPS_MIN, max=1)), multiple=True,
              help="Grid of eps in [1e-6, 1]; r = eps sqrt(2 pi/(d+1)) |w*|.",
              show_default=f"{show_list(D.eps)}")
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="Monte Carlo initialisations per (d, eps) cell and per sweep radius.",
              show_default=f"{D.samples}")
@click.option("--sweep-d", type=click.IntRange(min=2), default=None,
              help="Dimension of the r/|w*| sweep with samples.", show_default=f"{D.sweep_d}")
@click.option("--r-min", type=FiniteFloat(min=exp.EPS_MIN), default=None,
              help="Smallest r/|w*| of the sweep.", show_default=f"{D.r_min:g}")
@click.option("--r-max", type=FiniteFloat(min=0, min_open=True), default=None,
              help="Largest r/|w*| of the sweep.", show_default=f"{D.r_max:g}")
@click.option("--r-steps", type=click.IntRange(min=2), default=None,
              help="Log-spaced radii of the sweep with samples.", show_default=f"{D.r_steps}")
@click.option("--t-max", type=FiniteFloat(min=exp.T_MAX_MIN), default=None,
              help="Integration horizon of Eqn 6.", show_default=f"{D.t_max:g}")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, d, eps, **sizes):
    """Theorem 6: w0 uniform in the ball of radius r <= eps sqrt(2 pi/(d+1)) |w*| converges
    with probability >= (1 - eps)/2.

    Checked three ways per (d, eps): the exact P(w0 in Omega) (a 1D integral), its Monte Carlo
    estimate, and the fraction of runs of the one-ReLU dynamics (Eqn 6) that converge; plus a
    sweep over r/|w*|. Writes thm6_init_prob.{csv,json,png,pdf}.
    """
    given = dict(sizes, d=flatten(d), eps=flatten(eps))
    params = build_params(D, exp.QUICK if quick else None, given)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet, strict=strict)
