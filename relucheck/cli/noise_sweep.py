"""``relucheck noise-sweep``: Figure 9, noisy initialisation and top-layer weights."""

from __future__ import annotations

import click

from relucheck.cli.common import common_options, execute, flatten, option, show_list
from relucheck.experiments import noise_sweep as exp

D = exp.Params()
NONE = "none"  # --top none: skip the bottom row of Figure 9


@click.command("noise-sweep", short_help="Figure 9: descent from 1e-3 w* plus noise.")
@option(D, "K", help="Hidden units K, comma list or repeated.", show_default=f"{show_list(D.K)}")
@option(D, "noise", help="Noise levels: eps ~ N(0, (1e-3 noise)^2).",
        show_default=f"{show_list(D.noise)}")
@option(D, "runs", help="Runs per cell.", show_default=f"{D.runs}")
@option(D, "lr", help="Step size eta.", show_default=f"{D.lr}")
@option(D, "iters", help="Maximum iterations per run.", show_default=f"{D.iters}")
@option(D, "d", help="Input dimension; larger than K embeds a random orthonormal teacher.",
        show_default="d = K, W* = I")
@option(D, "gtol", help="A run stops when |grad J| < gtol.", show_default=f"{D.gtol:g}")
@option(D, "tops", type=click.Choice((*exp.PRESETS, NONE)),
        help="Top-weight presets of the bottom row, repeatable: ones, large (2), "
             "small (1/2), mixed (+1, -1, ...); none: no bottom row (top row only).",
        show_default="all")
@option(D, "readings",
        help="Readings of the paper's sentence: student (a* = 1, a = preset fixed), "
             "shared (a = a* = preset fixed), trained (a* = preset, a trained from a*).",
        show_default="all")
@option(D, "top_K", help="K of the bottom row.", show_default=f"{show_list(D.top_K)}")
@option(D, "top_noise", help="Noise level of the bottom row.", show_default=f"{D.top_noise:g}")
@option(D, "a_star", multiple=False,
        help="Custom teacher top weights (one value or one per unit); replaces presets.")
@option(D, "a", multiple=False,
        help="Custom student top weights (fixed, or the start with --train-top).",
        show_default="a*")
@click.option("--train-top", is_flag=True, default=None,
              help="Train the custom student top weights a (with --a-star/--a).")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, K, noise, tops, readings, top_K, **rest):
    """Figure 9: gradient descent from w0 = 1e-3 w* + eps, and networks with top weights.

    Every run ends classified as teacher, spurious minimum, saddle, degenerate or singular
    critical point, diverged, or not converged (by the analytic Hessian of the population loss
    and its error bound).
    Writes fig9_noise_sweep.{csv,json,png,pdf} (one row per run) and
    fig9_noise_sweep_curves.csv (errors along each run).
    """
    if NONE in tops and len(set(tops)) > 1:
        raise click.UsageError(f"Invalid value for '--top': {NONE!r} (no bottom row) cannot be "
                               f"combined with presets {exp.PRESETS}")
    given = dict(rest, K=flatten(K), noise=flatten(noise),
                 tops=() if NONE in tops else tuple(tops) or None,
                 readings=tuple(readings) or None, top_K=flatten(top_K))
    # the runs are in nogil kernels: matplotlib is warmed meanwhile (relucheck.runner.PRELOAD)
    execute("noise-sweep", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
