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
from relucheck.numerics.sampling import DISTRIBUTIONS

D = exp.Params()


@click.command("verify-formula")
@click.option("--d", type=click.IntRange(min=2), default=None,
              help=f"Input dimension for panels (a)-(c) and the unbiasedness test [default {D.d}].")
@click.option("--n-angle", type=click.IntRange(min=1), default=None,
              help=f"Samples N for panel (a) [default {D.n_angle}].")
@click.option("--pairs-angle", type=click.IntRange(min=1), default=None,
              help=f"(e, w) pairs in panel (a) [default {D.pairs_angle}].")
@click.option("--n-min", type=click.IntRange(min=2), default=None,
              help=f"Smallest N of panels (b)-(c) [default {D.n_min}].")
@click.option("--n-max", type=click.IntRange(min=3), default=None,
              help=f"Largest N of panels (b)-(c) [default {D.n_max}].")
@click.option("--n-steps", type=click.IntRange(min=3), default=None,
              help=f"Log-spaced sample sizes in (b)-(c) [default {D.n_steps}].")
@click.option("--pairs", "pairs_sweep", type=click.IntRange(min=1), default=None,
              help=f"(e, w) pairs in panels (b)-(c) [default {D.pairs_sweep}].")
@click.option("--dims", type=CommaList(int), multiple=True,
              help="Dimensions of panel (d), comma list or repeated "
                   f"[default {show_list(D.dims)}].")
@click.option("--n-dim", type=click.IntRange(min=2), default=None,
              help=f"Samples N in panel (d) [default {D.n_dim}].")
@click.option("--pairs-dim", type=click.IntRange(min=2), default=None,
              help=f"(e, w) pairs per dimension in panel (d) [default {D.pairs_dim}].")
@click.option("--dist", "distributions", type=click.Choice(DISTRIBUTIONS), multiple=True,
              help="Input distribution(s), repeatable [default: both].")
@click.option("--blocks", type=click.IntRange(min=3), default=None,
              help=f"Independent blocks in the unbiasedness test [default {D.blocks}].")
@click.option("--block-size", type=click.IntRange(min=100), default=None,
              help=f"Samples per block [default {D.block_size}].")
@common_options
def command(out, seed, quick, quiet, dims, distributions, **sizes):
    """Figure 7: check E[F(e, w)] of Eqn 5 against sampled F = X^T D(e) D(w) X w.

    Panels: (a) error versus angle; (b) error versus N with the fitted slope (Gaussian);
    (c) the same for uniform input, up to a global scale; (d) error versus dimension.
    Writes fig7_verify_formula.{csv,json,png,pdf} and fig7_verify_formula_unbiased.csv.
    """
    given = dict(sizes, dims=flatten(dims), distributions=tuple(distributions) or None)
    params = build_params(D, exp.QUICK if quick else None, given)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet)
