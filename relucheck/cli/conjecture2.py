"""``relucheck conjecture2``: the paper's Conjecture 2, noisy symmetric starts."""

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
from relucheck.experiments import conjecture2 as exp

D = exp.Params()


@click.command("conjecture2", short_help="Conjecture 2: noisy symmetric starts reach w*?")
@option(D, "K", help="Teacher units K (W* = [I_K 0]), comma list or repeated.",
        show_default=f"{show_list(D.K)}")
@option(D, "x0", help="x0 of the start, in (0, 1].", show_default=f"{show_list(D.x0)}")
@option(D, "ratio", help="y0 / x0 of the start, in [0, 1): 0 is y0 = 0, near 1 the diagonal "
        "x0 = y0 (where Theorem 7's flow goes to the saddle).",
        show_default=f"{show_list(D.ratio)}")
@option(D, "sigma", help="Noise per unit: eps_j ~ N(0, (sigma^2/d) I_d), so E|eps_j|^2 = "
        "sigma^2 against |w*_j| = 1.", show_default=f"{show_list(D.sigma)}")
@option(D, "d", help="Input dimension, at least every K.", show_default="d = K")
@option(D, "runs", help="Runs per cell with sigma > 0 (sigma = 0: one deterministic run).",
        show_default=f"{D.runs}")
@option(D, "first_look", help="Runs after which a cell already shown to fail stops.",
        show_default=f"{D.first_look}")
@option(D, "step_check", help="Runs per cell descended again with lr/4: a cell whose endpoint "
        "class depends on the step is not counted.", show_default=f"{D.step_check}")
@option(D, "lr", help="Step size.", show_default=f"{D.lr:g}")
@option(D, "max_iters", help="Descent steps before a run counts as not converged.",
        show_default=f"{D.max_iters}")
@option(D, "workers", help="Worker threads; 0: one per core.", show_default="0")
@option(D, "scheduler", type=SchedulerType(), help=SCHEDULER_HELP,
        metavar="local:N|tcp://HOST:PORT|FILE")
@click.option("--certify/--no-certify", default=None,
              help="Prove the spurious minima reached in failing cells strict local minima "
                   "(interval arithmetic; conjecture2_certificates.json, re-check: relucheck "
                   "check-minimum).", show_default="--certify")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, K, x0, ratio, sigma, **rest):
    """Conjecture 2 (Section 6): from w_j^0 = x0 w*_j + y0 sum_{l != j} w*_l + eps_j with
    (x0, y0) in Omega, does gradient descent reach w*? Per cell (K, x0, y0, sigma): the share
    of runs reaching w* with a Wilson interval, the other endpoint classes and the spurious
    families reached; the largest noise at which every start of the grid reaches w*, the cells
    where the conjecture fails, and the spurious minima there proved.

    Descent and classes are the census's (step 0.1, stop at max_j |grad_{w_j} J| <=
    1e-9/(2 pi)). Writes conjecture2.csv (per cell), conjecture2_reached.csv,
    conjecture2_families.csv, conjecture2_runs.csv, conjecture2.json, conjecture2.png and
    conjecture2.pdf, and conjecture2_certificates.json when a failing cell reached a spurious
    minimum.
    """
    given = dict(rest, K=flatten(K), x0=flatten(x0), ratio=flatten(ratio), sigma=flatten(sigma))
    execute("conjecture2", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
