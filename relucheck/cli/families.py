"""``relucheck families``: the symmetric families of spurious minima proved for every k."""

from __future__ import annotations

import click

from relucheck.cli.common import (
    SCHEDULER_HELP,
    SchedulerType,
    common_options,
    execute,
    option,
)
from relucheck.experiments import families as exp

D = exp.Params()


@click.command("families",
               short_help="Families of spurious minima, proved for every k.")
@option(D, "k_min", help="Smallest k (teacher I_k, k students).", show_default=f"{D.k_min}")
@option(D, "k_max", help="Largest k.", show_default=f"{D.k_max}")
@option(D, "types", help="Families: A (isotropy Delta S_{k-1}) and II (Delta(S_2 x S_{k-2})), "
                         "the spurious minima; global, the global minimum W = I (isotropy "
                         "Delta S_k, J = 0; no birth, no split). Repeat the option for several.",
        show_default=",".join(D.types))
@option(D, "prec", help="arb working precision of the per-k proofs, in bits.",
        show_default=f"{D.prec}")
@option(D, "workers", help="Processes proving segments of k; 0: one per core. Results do not "
                           "depend on it.", show_default="0")
@option(D, "scheduler", type=SchedulerType(), help=SCHEDULER_HELP,
        metavar="local:N|tcp://HOST:PORT|FILE")
@common_options(quick=exp.QUICK)
def command(out, seed, quick, quiet, strict, types, **given):
    """The symmetric families of spurious minima (teacher I_k, n = k, a = a* = 1): type A, type
    II and the global minimum W = I proved strict local minima of J at every integer k in
    [k-min, k-max] in interval arithmetic (python-flint), each spurious family's birth
    bracketed in real k, the split embedding of each spurious point at n = k + 1 (one unit, the
    special or a generic one, split in two) proved a saddle, and the Hessian spectrum with its
    scaling in k.

    Every k is a row (a failed proof with its reason, never dropped); below a birth the saddle
    is proved. Writes families.csv, families_spectrum.csv, families_birth.csv,
    families_split.csv, families_fits.csv, families_near_birth.csv, families.{json,png,pdf}
    and the certificate families_certificates.jsonl.xz (re-check: relucheck check-families).
    --seed is accepted for uniformity and unused: nothing is random.
    """
    given = dict(given, types=tuple(types) or None)
    execute("families", given, out=out, seed=seed, quick=quick, quiet=quiet, strict=strict)
