"""The baseline of the census's speed ratio: plain batched-numpy gradient descent, same rule.

Every run of a census cell (the same starts, from ``relucheck.experiments.census.starts``)
descends w <- w - lr grad J with the numpy implementation of Eqn 8
(``relucheck.theory.gradient.gradient_K``), all runs of the batch in one vectorised call per step,
each run leaving the batch once max_j |grad_{w_j} J| <= gtol (Safran & Shamir's rule, 1e-9 on
2 pi grad J) or after ``max_iters`` steps. No polishing, no compiled code: what a careful user
would write with numpy alone.

    python benchmarks/numpy_descent.py --K 10 --extra 0 --runs 300

prints the wall time, the steps taken and how many runs converged; ``benchmarks/run.py`` times it
beside ``relucheck census`` with the same sizes and reports the ratio.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from relucheck.experiments import census
from relucheck.theory.gradient import gradient_K


def descend(W0: np.ndarray, W_star: np.ndarray, lr: float, gtol: float,
            max_iters: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched descent from W0 (R, n, d); returns (final W, steps per run, converged mask)."""
    W = np.array(W0, dtype=float)
    R, n, _ = W.shape
    a, a_star = np.ones(n), np.ones(W_star.shape[0])
    steps = np.zeros(R, dtype=np.int64)
    done = np.zeros(R, dtype=bool)
    active = np.arange(R)
    for it in range(max_iters + 1):
        G = gradient_K(W[active], W_star, a, a_star)
        g = np.linalg.norm(G, axis=-1).max(axis=-1)
        stop = (g <= gtol) | ~np.isfinite(g)
        done[active[stop]] = g[stop] <= gtol
        steps[active[stop]] = it
        keep = ~stop
        if it == max_iters:
            steps[active[keep]] = it
            break
        active, G = active[keep], G[keep]
        if active.size == 0:
            break
        W[active] -= lr * G
    return W, steps, done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--extra", type=int, default=0)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-iters", type=int, default=census.Params().max_iters)
    ns = ap.parse_args()
    p = census.Params(ks=(ns.K,), extra=(ns.extra,), runs=ns.runs, max_iters=ns.max_iters)
    k, n = ns.K, ns.K + ns.extra
    rng = np.random.default_rng(np.random.SeedSequence(ns.seed))
    W0 = census.starts(p, k, n, k, rng)
    t0 = time.perf_counter()
    _, steps, done = descend(W0, census.teacher(k, k), p.lr, p.gtol, p.max_iters)
    wall = time.perf_counter() - t0
    print(f"numpy descent k={k} n={n} runs={ns.runs}: {wall:.2f} s, {int(steps.sum())} "
          f"run-steps ({wall / max(1, steps.sum()) * 1e6:.1f} us each), "
          f"{int(done.sum())} converged to gtol = {p.gtol:.3g} ({math.tau * p.gtol:.0e} / 2 pi)")


if __name__ == "__main__":
    main()
