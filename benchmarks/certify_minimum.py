"""Time the interval proof of one spurious family (issue budget: k = n = 10 within 10 s, k = n = 20
within 2 minutes, on 2 cores).

The family is found as the census finds it: descent (the census engine) from the seeded census
starts of cell (k, k) until a run ends at a spurious minimum; then
``relucheck.proofs.minimum.proof.prove_minimum`` proves it, and the proof alone is timed.

    python benchmarks/certify_minimum.py --k 20

prints the proof's wall time, radius, loss interval and eigenvalue bound; ``benchmarks/run.py``
times the whole script (descent and imports included) against the budget.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from relucheck.descent.train import train
from relucheck.experiments import census
from relucheck.proofs.minimum.proof import prove_minimum
from relucheck.theory.gradient import population_loss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--runs", type=int, default=8, help="starts tried to meet a spurious family")
    args = ap.parse_args()
    k = args.k
    p = census.Params(ks=(k,), extra=(0,), runs=args.runs)
    W0 = census.starts(p, k, k, k, np.random.default_rng(np.random.SeedSequence(0)))
    out = train(W0, np.eye(k))
    loss = population_loss(out.W, np.eye(k))
    spur = np.flatnonzero((loss > 1e-3) & (out.status == "converged"))
    if not spur.size:
        raise SystemExit(f"no spurious minimum among {args.runs} runs at k = {k}: raise --runs")
    t0 = time.perf_counter()
    pr = prove_minimum(out.W[spur[0]], np.eye(k))
    wall = time.perf_counter() - t0
    print(f"k = n = {k} ({k * k} parameters): proved={pr.ok} in {wall:.2f} s; "
          f"radius {pr.radius:.3g}, J in [{pr.loss_lo!r}, {pr.loss_hi!r}], "
          f"lambda_min >= {pr.lambda_min_lo:.4g}"
          + ("" if pr.ok else f"; {pr.step}: {pr.reason}"))
    raise SystemExit(0 if pr.ok else 1)


if __name__ == "__main__":
    main()
