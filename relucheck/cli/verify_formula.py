"""``relucheck verify-formula``: Figure 7, Eqn 5 against sampling."""

from __future__ import annotations

import click

from relucheck.cli.common import (
    CommaList,
    build_params,
    common_options,
    execute,
    flatten,
    show_list,
)
from relucheck.experiments import verify_formula as exp
from relucheck.sampling.inputs import DISTRIBUTIONS

D = exp.Params()


@click.command("verify-formula", short_help="Figure 7: Eqn 5's expectation against sampling.")
@click.option("--d", type=click.IntRange(min=2), default=None,
              help="Input dimension for panels (a)-(c) and the unbiasedness test.",
              show_default=f"{D.d}")
@click.option("--n-angle", type=click.IntRange(min=1), default=None,
              help="Samples N for panel (a).", show_default=f"{D.n_angle}")
@click.option("--pairs-angle", type=click.IntRange(min=1), default=None,
              help="(e, w) pairs in panel (a).", show_default=f"{D.pairs_angle}")
@click.option("--n-min", type=click.IntRange(min=2), default=None,
              help="Smallest N of panels (b)-(c).", show_default=f"{D.n_min}")
@click.option("--n-max", type=click.IntRange(min=3), default=None,
              help="Largest N of panels (b)-(c).", show_default=f"{D.n_max}")
@click.option("--n-steps", type=click.IntRange(min=3), default=None,
              help="Log-spaced sample sizes in (b)-(c).", show_default=f"{D.n_steps}")
@click.option("--pairs", "pairs_sweep", type=click.IntRange(min=1), default=None,
              help="(e, w) pairs in panels (b)-(c).", show_default=f"{D.pairs_sweep}")
@click.option("--dims", type=CommaList(int), multiple=True,
              help="Dimensions of panel (d), comma list or repeated.",
              show_default=f"{show_list(D.dims)}")
@click.option("--n-dim", type=click.IntRange(min=2), default=None,
              help="Samples N in panel (d).", show_default=f"{D.n_dim}")
@click.option("--pairs-dim", type=click.IntRange(min=2), default=None,
              help="(e, w) pairs per dimension in panel (d).", show_default=f"{D.pairs_dim}")
@click.option("--dist", "distributions", type=click.Choice(DISTRIBUTIONS), multiple=True,
              help="Input distribution(s), repeatable.", show_default="both")
@click.option("--blocks", type=click.IntRange(min=3), default=None,
              help="Independent blocks in the unbiasedness test.", show_default=f"{D.blocks}")
@click.option("--block-size", type=click.IntRange(min=100), default=None,
              help="Samples per block.", show_default=f"{D.block_size}")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, dims, distributions, **sizes):
    """Figure 7: check E[F(e, w)] of Eqn 5 against sampled F = X^T D(e) D(w) X w.

    Panels: (a) error versus angle; (b) error versus N with the fitted slope (Gaussian);
    (c) the same for uniform input, up to a global scale; (d) error versus dimension.
    Writes fig7_verify_formula.{csv,json,png,pdf} and fig7_verify_formula_unbiased.csv.
    """
    given = dict(sizes, dims=flatten(dims), distributions=tuple(distributions) or None)
    params = build_params(D, exp.QUICK if quick else None, given)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet, strict=strict)
