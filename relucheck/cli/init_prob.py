"""``relucheck init-prob``: Theorem 6, success probability of random initialisation."""

from __future__ import annotations

import click

from relucheck.cli.common import common_options, execute, flatten, option, show_list
from relucheck.experiments import init_prob as exp

D = exp.Params()


@click.command("init-prob", short_help="Theorem 6: chance that a random start converges.")
@option(D, "d", help="Input dimensions, comma list or repeated.",
        show_default=f"{show_list(D.d)}")
@option(D, "eps", help="Grid of eps in [1e-6, 1]; r = eps sqrt(2 pi/(d+1)) |w*|.",
        show_default=f"{show_list(D.eps)}")
@option(D, "samples", help="Monte Carlo initialisations per (d, eps) cell and per sweep radius.",
        show_default=f"{D.samples}")
@option(D, "sweep_d", help="Dimension of the r/|w*| sweep with samples.",
        show_default=f"{D.sweep_d}")
@option(D, "r_min", help="Smallest r/|w*| of the sweep.", show_default=f"{D.r_min:g}")
@option(D, "r_max", help="Largest r/|w*| of the sweep.", show_default=f"{D.r_max:g}")
@option(D, "r_steps", help="Log-spaced radii of the sweep with samples.",
        show_default=f"{D.r_steps}")
@option(D, "t_max", help="Integration horizon of Eqn 6.", show_default=f"{D.t_max:g}")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, d, eps, **sizes):
    """Theorem 6: w0 uniform in the ball of radius r <= eps sqrt(2 pi/(d+1)) |w*| converges
    with probability >= (1 - eps)/2.

    Checked three ways per (d, eps): the exact P(w0 in Omega) (a 1D integral), its Monte Carlo
    estimate, and the fraction of runs of the one-ReLU dynamics (Eqn 6) that converge; plus a
    sweep over r/|w*|. Writes thm6_init_prob.{csv,json,png,pdf}.
    """
    given = dict(sizes, d=flatten(d), eps=flatten(eps))
    execute("init-prob", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
