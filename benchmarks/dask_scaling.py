"""Speed-up of the census on dask.distributed from one to two local workers, and the overhead of
one task (issue: aim >= 1.7x on 2 cores).

    python benchmarks/dask_scaling.py [--K 12,14] [--runs 300]

Each LocalCluster is started first and timed apart (process start-up, imports and numba's cache
load in every worker are paid once per cluster, not per task); the census then runs on it three
times and the median is reported, beside the in-process run with 1 and 2 threads. The overhead
per task is the median wall time per task of 2000 no-op tasks (content keys, gathered in order)
on the two-worker cluster.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def noop(x):
    return x


def timed(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    from distributed import Client, LocalCluster

    from relucheck.descent.distributed import task_runs
    from relucheck.experiments import census
    from relucheck.runtime import cluster

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", default="12,14")
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    K = tuple(int(k) for k in args.K.split(","))
    base = dict(ks=K, extra=(0,), runs=args.runs)

    def run(**kw):
        census.run(census.Params(**base, **kw), np.random.default_rng(0))

    run(workers=1)  # numba cache loaded in this process
    print(f"census --K {args.K} --extra 0 --runs {args.runs}")
    for w in (1, 2):
        print(f"  in process, {w} thread(s): {timed(lambda w=w: run(workers=w)):.2f} s")
    times = {}
    for n in (1, 2):
        t0 = time.perf_counter()
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=":0", silence_logs=40) as lc, \
                Client(lc, set_as_default=False) as c:
            start = time.perf_counter() - t0
            run(scheduler=lc.scheduler_address)  # warm: numba cache in the workers
            times[n] = timed(lambda a=lc.scheduler_address: run(scheduler=a))
            print(f"  dask, {n} worker(s): {times[n]:.2f} s (cluster start {start:.1f} s)")
            if n == 2:
                items = list(range(2000))
                cluster.map_tasks(c, noop, items[:50], kind="warm")
                per = timed(lambda c=c, items=items: cluster.map_tasks(
                    c, noop, [(i, time.time()) for i in items], kind="noop")) / len(items)
    print(f"  speed-up 1 -> 2 workers: {times[1] / times[2]:.2f}x")
    print(f"  overhead per task (2000 no-op tasks, 2 workers): {1e3 * per:.2f} ms")
    total = len(K) * args.runs
    print(f"  runs per task on 2 workers: {task_runs(total, 2)} ({total} runs in {len(K)} cells)")


if __name__ == "__main__":
    main()
