"""The census kernel against the machine's limit: `python benchmarks/kernel.py`.

Per run and step, the gradient of Eqn 8 (relucheck.descent._kernels.gradient, W* = [I_k 0],
n student rows, d = k) does

- per pair (P = n (n - 1) / 2 + n k of them): one asin, a degree-12 polynomial in x^2 (Estrin:
  about 32 flops; kernels.ASIN_Q), and one ``sqrt``; plus n ``sqrt`` for the row norms; pairs
  with |cos t| > 1/2 also take a half-angle chord (2 d flops);
- flops: n d (norms: 2, scaling: 1) + n (n - 1) / 2 (2 d) student cosines (the teacher
  cosines are entries of e_j when W* = [I_k 0]) + ~20 P for the angle algebra + 32 P for the
  asin polynomials + the weighted sums 2 n n d (students) + n k (teacher, a copy) + 3 n d (the
  e_j term, the factor, the norm) + the update 2 n d.

The limit of one core is taken as flops / (measured peak flop rate of a dense float64 matrix
product, one thread) + (P + n) x (measured time of one sqrt): the kernel's arithmetic if it ran
at the speed of BLAS. libm's acos is timed too, for comparison (the kernel no longer calls it).
The script measures the kernel's time per step on one core and the throughput of two threads on
two cores, and prints the ratio to the limit.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from relucheck.descent import _kernels as kernels

STEPS = 20_000


@numba.njit(cache=True)
def _libm_loop(x, reps, acos):
    """Sum of acos(x) (or sqrt(x)) over x, reps times: one libm call per element."""
    s = 0.0
    for _ in range(reps):
        for v in x:
            s += math.acos(v) if acos else math.sqrt(v)
    return s


def per_call(x, acos: bool, reps=200) -> float:
    """Seconds per call of acos (or sqrt) over the values x."""
    _libm_loop(x, 1, acos)
    t = time.perf_counter()
    _libm_loop(x, reps, acos)
    return (time.perf_counter() - t) / (reps * x.size)


def peak_flops() -> float:
    A = np.random.default_rng(0).standard_normal((1000, 1000))
    with threadpool_limits(1):
        A @ A
        t = time.perf_counter()
        for _ in range(5):
            A @ A
        return 5 * 2e9 / (time.perf_counter() - t)


def counts(n: int, k: int, d: int) -> tuple[int, int, int]:
    """(flops, pairs, sqrt calls) per step (see the module docstring)."""
    P = n * (n - 1) // 2 + n * k
    flops = (3 * n * d + n * (n - 1) * d + (20 + 32) * P + 2 * n * n * d + n * k + 3 * n * d
             + 2 * n * d)
    return flops, P, P + n


def kernel_time(n: int, k: int, workers: int) -> float:
    """Seconds per step and run of kernels.descend (gtol 0: never stops before STEPS)."""
    d = k
    Ws, a_star = np.eye(k, d), np.ones(k)
    rec = np.zeros(0, dtype=np.int64)

    def go(seed: int) -> None:
        W = np.random.default_rng(seed).standard_normal((n, d)) / math.sqrt(d)
        kernels.descend(W, np.ones(n), Ws, a_star, lr=0.1, gtol=0.0, polish_tol=-1.0,
                        polish_after=0, it=0, max_iters=STEPS, g_limit=math.inf, train_a=False,
                        rec_it=rec, rec_W=np.zeros((0, n, d)), rec_a=np.zeros((0, n)), rec_ptr=0)

    go(0)
    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(go, range(2 * workers)))
    return (time.perf_counter() - t) / (2 * workers * STEPS)


def lane_time(n: int, k: int, workers: int, L: int = 32) -> float:
    """Seconds per run and step of kernels.descend_lanes with L runs per worker (the census's
    lane path; gtol 0: no lane stops before STEPS)."""
    d = k
    a_star = np.ones(k)

    def go(seed: int) -> None:
        W0 = np.random.default_rng(seed).standard_normal((n, d, L)) / math.sqrt(d)
        z = np.zeros(L, dtype=np.int64)
        kernels.descend_lanes(W0, np.ones((n, L)), a_star, L, lr=np.full(L, 0.1), gtol=0.0,
                              polish_tol=-1.0, polish_after=z.copy(), it=z.copy(),
                              max_iters=STEPS // 4, g_limit=math.inf,
                              work=kernels.lane_workspace(n, d, k, L), code=z.copy(),
                              gout=np.zeros(L))

    go(0)
    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(go, range(2 * workers)))
    return (time.perf_counter() - t) / (2 * workers * L * (STEPS // 4))


def main() -> None:
    x = np.random.default_rng(0).uniform(-0.99, 0.99, 4096)
    t_acos = per_call(x, True)
    t_sqrt = per_call(np.abs(x), False)
    peak = peak_flops()
    print(f"one core: acos {t_acos * 1e9:.1f} ns, sqrt {t_sqrt * 1e9:.1f} ns, dense matmul "
          f"{peak / 1e9:.1f} GFlop/s")
    for k in (10, 20):
        n = k
        flops, P, S = counts(n, k, k)
        limit = flops / peak + S * t_sqrt
        one = kernel_time(n, k, 1)
        two = kernel_time(n, k, 2)
        print(f"k = n = d = {k}: {flops} flops, {P} angles, {S} sqrt per step (libm acos "
              f"would add {P * t_acos * 1e6:.2f} us); limit "
              f"{limit * 1e6:.2f} us/step on one core; kernel {one * 1e6:.2f} us/step "
              f"(ratio {one / limit:.1f}); two threads {two * 1e6:.2f} us per run-step "
              f"(ratio to the two-core limit {two / (limit / 2):.1f}; speed-up {one / two:.2f})")
        one_l, two_l = lane_time(n, k, 1), lane_time(n, k, 2)
        print(f"  lanes (32 runs per worker, the census's path): {one_l * 1e6:.2f} us per "
              f"run-step on one core (ratio {one_l / limit:.1f}); two threads "
              f"{two_l * 1e6:.2f} us (ratio to the two-core limit {two_l / (limit / 2):.1f})")


if __name__ == "__main__":
    main()
