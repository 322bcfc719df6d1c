"""``relucheck conjecture1-grid``: Figure 10, the sign of L12 and L21 on an (a, phi) grid, or
with ``--certify`` a proof of Conjecture 1 on the continuous region by interval arithmetic."""

from __future__ import annotations

import click

from relucheck.cli.common import SCHEDULER_HELP, SchedulerType, common_options, execute, option
from relucheck.experiments import conjecture1_certify as cert
from relucheck.experiments import conjecture1_grid as exp

D = exp.Params()
C = cert.Params()


@click.command("conjecture1-grid",
               short_help="Figure 10: Conjecture 1 on a grid, or proved (--certify).")
@option(D, "n_a", help="Values of a = angle(e1, e2), strictly inside (a-min, a-max).",
        show_default=f"{D.n_a}")
@option(D, "n_phi", help="Values of phi = angle of e*, 2 pi j / n-phi.",
        show_default=f"{D.n_phi}")
@option(D, "a_min", help="Lower end of the a range, excluded on the grid. With --certify, 0 is "
                         "reached by the a -> 0 end piece; a given a-min proves [a-min, ...] by "
                         "bisection alone.", show_default="0")
@option(D, "a_max", help="Upper end of the a range, excluded on the grid. With --certify, pi is "
                         "reached by the a -> pi end piece; a given a-max proves [a-min, a-max] "
                         "by bisection alone.", show_default="pi")
@option(D, "workers", help="Threads sweeping row blocks (processes with --certify); 0: one per "
                           "core. Results do not depend on it.", show_default="0")
@option(D, "scheduler", type=SchedulerType(), help=SCHEDULER_HELP,
        metavar="local:N|tcp://HOST:PORT|FILE")
@click.option("--certify", is_flag=True,
              help="Prove Conjecture 1 on the whole region a in [a-min, a-max], phi in "
                   "[0, 2 pi) with interval arithmetic (needs python-flint: from a clone pip "
                   "install '.[certify]', else pip install python-flint); writes the certificate "
                   f"{cert.STEM}.csv that `relucheck check-certificate` re-verifies.")
@option(C, "a_zero", help="--certify: width of the a -> 0 end piece, a in (0, a-zero] (rescaled "
                          "functions, Taylor models in a); the bisection starts there.",
        show_default=f"{C.a_zero:g}")
@option(C, "a_margin", help="--certify: width of the a -> pi end piece, a in [pi - a-margin, pi) "
                            "(corner lemma); the bisection covers [a-min, pi - a-margin].",
        show_default=f"{C.a_margin:g}")
@option(C, "max_depth", help="--certify: bisections per box at most.",
        show_default=f"{C.max_depth}")
@option(C, "prec", help="--certify: arb working precision in bits.", show_default=f"{C.prec}")
@common_options(quick_help=(
    "Small sizes for a smoke test, on the same code path: "
    + ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in exp.QUICK.items())
    + "; with --certify: "
    + ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in cert.QUICK.items())
    + ". Options given explicitly still win."))
def command(out, seed, quick, quiet, strict, certify, **given):
    """Figure 10: check Conjecture 1 (L12, L21 > 0 inside Cone(e1, e2), < 0 outside) on every
    cell of the grid, with every sign settled: float64 with a derived rounding bound, and
    interval arithmetic where the bound does not decide.

    Also checks Proposition 1 (L = 0 on the boundary) and the reflection symmetry
    L12(a, phi) = L21(a, a - phi). Writes fig10_conjecture1_grid.{csv,json,png,pdf} and
    fig10_conjecture1_grid_counterexamples.csv (full-precision values; header only when none).
    --seed is accepted for uniformity and unused: the grid is deterministic.

    With --certify: a computer-assisted proof on the continuous region instead of the grid,
    by default for every a in (0, pi): an a -> 0 end piece (0, a-zero], a bisection of
    [a-zero, pi - a-margin] and an a -> pi end piece [pi - a-margin, pi). Every box is
    certified by the strict sign of an arb enclosure of L (or of L / a^k near a = 0; of dL/dphi
    on the lines phi = 0, a, where L = 0; or by the gradient and corner lemmas at the ends;
    docs/proof-conjecture1.md). --a-min / --a-max replace an end piece by the bisection.
    Writes fig10_conjecture1_certificate.{csv,json,png,pdf} and
    fig10_conjecture1_certificate_uncertified.csv; exits 1 and lists the boxes when any box
    stays uncertified.
    """
    execute("conjecture1-grid", dict(given, certify=certify), out=out, seed=seed, quick=quick,
            quiet=quiet, strict=strict)
