"""``relucheck verify-formula``: Figure 7, Eqn 5 against sampling."""

from __future__ import annotations

import click

from relucheck.cli.common import common_options, execute, flatten, option, show_list
from relucheck.experiments import verify_formula as exp

D = exp.Params()


@click.command("verify-formula", short_help="Figure 7: Eqn 5's expectation against sampling.")
@option(D, "d", help="Input dimension for panels (a)-(c) and the unbiasedness test.",
        show_default=f"{D.d}")
@option(D, "n_angle", help="Samples N for panel (a).", show_default=f"{D.n_angle}")
@option(D, "pairs_angle", help="(e, w) pairs in panel (a).", show_default=f"{D.pairs_angle}")
@option(D, "n_min", help="Smallest N of panels (b)-(c).", show_default=f"{D.n_min}")
@option(D, "n_max", help="Largest N of panels (b)-(c).", show_default=f"{D.n_max}")
@option(D, "n_steps", help="Log-spaced sample sizes in (b)-(c).", show_default=f"{D.n_steps}")
@option(D, "pairs_sweep", help="(e, w) pairs in panels (b)-(c).",
        show_default=f"{D.pairs_sweep}")
@option(D, "dims", help="Dimensions of panel (d), comma list or repeated.",
        show_default=f"{show_list(D.dims)}")
@option(D, "n_dim", help="Samples N in panel (d).", show_default=f"{D.n_dim}")
@option(D, "pairs_dim", help="(e, w) pairs per dimension in panel (d).",
        show_default=f"{D.pairs_dim}")
@option(D, "distributions", help="Input distribution(s), repeatable.", show_default="both")
@option(D, "blocks", help="Independent blocks in the unbiasedness test.",
        show_default=f"{D.blocks}")
@option(D, "block_size", help="Samples per block.", show_default=f"{D.block_size}")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, dims, distributions, **sizes):
    """Figure 7: check E[F(e, w)] of Eqn 5 against sampled F = X^T D(e) D(w) X w.

    Panels: (a) error versus angle; (b) error versus N with the fitted slope (Gaussian);
    (c) the same for uniform input, up to a global scale; (d) error versus dimension.
    Writes fig7_verify_formula.{csv,json,png,pdf} and fig7_verify_formula_unbiased.csv.
    """
    given = dict(sizes, dims=flatten(dims), distributions=tuple(distributions) or None)
    execute("verify-formula", given, out=out, seed=seed, quick=quick, quiet=quiet,
            strict=strict)
