"""``relucheck noise-sweep``: Figure 9, noisy initialisation and top-layer weights."""

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
from relucheck.experiments import noise_sweep as exp

D = exp.Params()
NONE = "none"  # --top none: skip the bottom row of Figure 9


@click.command("noise-sweep", short_help="Figure 9: descent from 1e-3 w* plus noise.")
@click.option("--K", "K", type=CommaList(int), multiple=True,
              help="Hidden units K, comma list or repeated.", show_default=f"{show_list(D.K)}")
@click.option("--noise", type=CommaList(FiniteFloat(min=0)), multiple=True,
              help="Noise levels: eps ~ N(0, (1e-3 noise)^2).",
              show_default=f"{show_list(D.noise)}")
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Runs per cell.", show_default=f"{D.runs}")
@click.option("--lr", type=FiniteFloat(min=0, min_open=True), default=None,
              help="Step size eta.", show_default=f"{D.lr}")
@click.option("--iters", type=click.IntRange(min=1), default=None,
              help="Maximum iterations per run.", show_default=f"{D.iters}")
@click.option("--d", type=click.IntRange(min=1), default=None,
              help="Input dimension; larger than K embeds a random orthonormal teacher.",
              show_default="d = K, W* = I")
@click.option("--gtol", type=FiniteFloat(min=0, min_open=True), default=None,
              help="A run stops when |grad J| < gtol.", show_default=f"{D.gtol:g}")
@click.option("--top", "tops", type=click.Choice((*exp.PRESETS, NONE)), multiple=True,
              help="Top-weight presets of the bottom row, repeatable: ones, large (2), "
                   "small (1/2), mixed (+1, -1, ...); none: no bottom row (top row only).",
              show_default="all")
@click.option("--reading", "readings", type=click.Choice(exp.READINGS), multiple=True,
              help="Readings of the paper's sentence: student (a* = 1, a = preset fixed), "
                   "shared (a = a* = preset fixed), trained (a* = preset, a trained from a*).",
              show_default="all")
@click.option("--top-K", "top_K", type=CommaList(int), multiple=True,
              help="K of the bottom row.", show_default=f"{show_list(D.top_K)}")
@click.option("--top-noise", type=FiniteFloat(min=0), default=None,
              help="Noise level of the bottom row.", show_default=f"{D.top_noise:g}")
@click.option("--a-star", type=CommaList(FiniteFloat()), default=None,
              help="Custom teacher top weights (one value or one per unit); replaces presets.")
@click.option("--a", "a", type=CommaList(FiniteFloat()), default=None,
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
    if NONE in tops:
        ignored = [name for name, v in (("--reading", readings), ("--top-K", flatten(top_K)),
                                        ("--top-noise", rest.get("top_noise"))) if v]
        if ignored:
            raise click.UsageError(f"Invalid value for '--top': {NONE!r} (no bottom row) leaves "
                                   f"nothing for {', '.join(ignored)} to apply to")
    tops = () if NONE in tops else tuple(tops) or None
    given = dict(rest, K=flatten(K), noise=flatten(noise), tops=tops,
                 readings=tuple(readings) or None, top_K=flatten(top_K))
    if given.get("train_top") and given.get("a_star") is None and given.get("a") is None:
        raise click.UsageError("--train-top applies to a custom setting: give --a-star or --a")
    params = build_params(D, exp.QUICK if quick else None, given)
    # the runs are in nogil kernels: matplotlib can be warmed meanwhile (run_and_write)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet, strict=strict, preload=True)
