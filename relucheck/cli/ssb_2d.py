"""``relucheck ssb-2d``: Figure 8, the symmetric K-ReLU dynamics of Theorem 7."""

from __future__ import annotations

import click

from relucheck.cli.common import common_options, execute, flatten, option, show_list
from relucheck.experiments import ssb_2d as exp

D = exp.Params()


@click.command("ssb-2d", short_help="Figure 8: Theorem 7's 2D dynamics of K symmetric ReLUs.")
@option(D, "K", help="Number of ReLUs K >= 2, comma list or repeated; the first two get a "
        "vector field panel.", show_default=f"{show_list(D.K)}")
@option(D, "x0", help="Start x0 > 0 of the paths in (c)-(d).", show_default=f"{D.x0:g}")
@option(D, "y0", help="Start y0 of the paths in (c)-(d).", show_default=f"{D.y0:g}")
@option(D, "lr", help="Gradient-descent step eta > 0.",
        show_default=f"{D.lr:g}, the author's code")
@option(D, "iters", help=f"Maximum iterations per run; runs stop once |grad| < {D.gtol:g}.",
        show_default=f"{D.iters}")
@option(D, "field_x", help="x range MIN,MAX of the vector fields.",
        show_default=f"{D.field_x[0]:g},{D.field_x[1]:g}")
@option(D, "field_y", help="y range MIN,MAX of the vector fields.",
        show_default=f"{D.field_y[0]:g},{D.field_y[1]:g}")
@option(D, "field_n", help="Grid points per axis of the vector fields.",
        show_default=f"{D.field_n}")
@option(D, "omega_n", help="Grid of starts (i/n, j/n), j < i, in Omega and on the diagonal for "
        "the Theorem 7 checks.", show_default=f"{D.omega_n}")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, K, field_x, field_y, **sizes):
    """Figure 8: Theorem 7's 2D dynamics of K symmetric ReLUs with an orthonormal teacher.

    Student rows w_j = x e_j + y sum_{k != j} e_k, teacher w*_j = e_j. Panels: (a)-(b) the
    vector field for the first two K; (c) gradient-descent paths from (x0, y0) with their
    detour; (d) training curves. Checks the reduction against Eqn 8 and a full K x K run, the
    saddle of Theorem 7 (2), and Theorem 7 (1)-(2) on a grid of starts (gradient flow).
    Writes fig8_ssb_2d.{csv,json,png,pdf} and fig8_ssb_2d_endpoints.csv.
    """
    given = dict(sizes, K=flatten(K), field_x=flatten(field_x), field_y=flatten(field_y))
    execute("ssb-2d", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
