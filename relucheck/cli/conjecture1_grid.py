"""``relucheck conjecture1-grid``: Figure 10, the sign of L12 and L21 on an (a, phi) grid."""

from __future__ import annotations

import click

from relucheck.cli.common import build_params, common_options, execute
from relucheck.experiments import conjecture1_grid as exp

D = exp.Params()


@click.command("conjecture1-grid")
@click.option("--n-a", type=click.IntRange(min=2), default=None,
              help=f"Values of a = angle(e1, e2), strictly inside (a-min, a-max) "
                   f"[default {D.n_a}].")
@click.option("--n-phi", type=click.IntRange(min=2), default=None,
              help=f"Values of phi = angle of e*, 2 pi j / n-phi [default {D.n_phi}].")
@click.option("--a-min", type=click.FloatRange(min=0.0, max=3.141592653589793, max_open=True),
              default=None, help="Lower end of the a range, excluded [default 0].")
@click.option("--a-max", type=click.FloatRange(min=0.0, max=3.141592653589793, min_open=True),
              default=None, help="Upper end of the a range, excluded [default pi].")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Threads sweeping row blocks; 0: one per core [default 0]. Results do not "
                   "depend on it.")
@common_options
def command(out, seed, quick, quiet, **given):
    """Figure 10: check Conjecture 1 (L12, L21 > 0 inside Cone(e1, e2), < 0 outside) on every
    cell of the grid, with every sign settled: float64 with a derived rounding bound, and
    interval arithmetic where the bound does not decide.

    Also checks Proposition 1 (L = 0 on the boundary) and the reflection symmetry
    L12(a, phi) = L21(a, a - phi). Writes fig10_conjecture1_grid.{csv,json,png,pdf} and
    fig10_conjecture1_grid_counterexamples.csv (full-precision values; header only when none).
    --seed is accepted for uniformity and unused: the grid is deterministic.
    """

    params = build_params(D, exp.QUICK if quick else None, given)
    execute(exp.run, params, out=out, seed=seed, quiet=quiet)
