"""--scheduler: census runs and proofs, Conjecture 1's grid rows and proof boxes as
dask.distributed tasks (relucheck.runtime.cluster), on a two-worker LocalCluster.

Results must be byte-identical to the in-process run (tasks are pure and gathered in order), also
when a worker is killed mid-run; without the extra the option is a usage error; Ctrl-C exits 130
and cancels the futures.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from relucheck.cli import main
from relucheck.descent import distributed as distributed_descent
from relucheck.descent.train import LANES, train
from relucheck.experiments import census
from relucheck.experiments import conjecture1_certify as cc
from relucheck.experiments import conjecture1_grid as grid
from relucheck.experiments import conjecture2 as c2
from relucheck.output.writers import table_to_csv
from relucheck.runtime import cluster

distributed = pytest.importorskip("distributed")  # the dev extra installs it (CI included)


@pytest.fixture(scope="module")
def dask_cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as lc, \
            distributed.Client(lc, set_as_default=False) as client:
        yield lc.scheduler_address, client


def _same_tables(a, b) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert table_to_csv(a.tables[name]) == table_to_csv(b.tables[name]), name
    assert json.dumps(a.documents, sort_keys=True) == json.dumps(b.documents, sort_keys=True)


def _census(**kw):
    p = census.Params(ks=(6, 8), extra=(0, 1), runs=40, certify=True, **kw)
    return census.run(p, np.random.default_rng(np.random.SeedSequence(0)))


def test_census_and_its_proofs_on_the_cluster_equal_one_worker(dask_cluster):
    address, _ = dask_cluster
    ref = _census(workers=1)
    assert ref.documents["certificates"]["certificates"]  # there is something to prove
    _same_tables(ref, _census(scheduler=address))


def test_conjecture2_runs_and_proofs_on_the_cluster_equal_one_worker(dask_cluster):
    address, _ = dask_cluster
    p = c2.Params(**c2.QUICK, workers=1)
    ref = c2.run(p, np.random.default_rng(0))
    assert ref.documents["certificates"]["certificates"]  # a failing cell, something proved
    _same_tables(ref, c2.run(replace(p, scheduler=address), np.random.default_rng(0)))


def test_conjecture1_grid_rows_and_proof_boxes_on_the_cluster(dask_cluster):
    address, _ = dask_cluster
    for mod, kw in ((grid, dict(n_a=120, n_phi=300)), (cc, dict(a_min=0.5, a_margin=0.2))):
        ref = mod.run(mod.Params(**kw, workers=1))
        _same_tables(ref, mod.run(mod.Params(**kw, scheduler=address)))


def test_a_worker_killed_mid_run_leaves_the_result_unchanged(dask_cluster, monkeypatch):
    address, client = dask_cluster
    monkeypatch.setattr(distributed_descent, "TASK_RUNS", LANES)  # small tasks: several in flight
    p = dict(ks=(8, 10), extra=(0,), runs=60, certify=False)
    ref = census.run(census.Params(**p, workers=1), np.random.default_rng(0))
    box: dict = {}
    run = threading.Thread(target=lambda: box.setdefault(
        "res", census.run(census.Params(**p, scheduler=address), np.random.default_rng(0))))
    run.start()
    killed = None
    while killed is None and run.is_alive():  # until a task runs (or the run ended: a failure)
        busy = [w for w, tasks in client.processing().items()
                if any(str(t).startswith("relucheck-census-descent") for t in tasks)]
        if busy:
            pid = cluster.worker_pids(client)[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed = busy[0]
        time.sleep(0.02)
    run.join()
    assert killed is not None, "no task was seen running: the kill did not happen mid-run"
    _same_tables(ref, box["res"])
    client.wait_for_workers(2)  # the nanny restarts the killed worker


def test_local_n_from_the_command_line(tmp_path):
    out1, out2 = tmp_path / "one", tmp_path / "cluster"
    args = ["census", "--K", "5", "--extra", "0", "--runs", "12", "--quiet"]
    r1 = CliRunner().invoke(main, [*args, "--workers", "1", "--out", str(out1)])
    r2 = CliRunner().invoke(main, [*args, "--scheduler", "local:2", "--out", str(out2)])
    assert r1.exit_code == 0 and r2.exit_code == 0, r2.output
    for f in ("census.csv", "census_runs.csv", "census_families.csv"):
        assert (out1 / f).read_bytes() == (out2 / f).read_bytes(), f
    assert json.loads((out2 / "census.json").read_text())["parameters"]["scheduler"] == "local:2"


@pytest.mark.parametrize("value,words", [
    ("local:0", "1 <= N"), ("local:x", "not local:N"), ("nowhere.json", "not local:N")])
def test_bad_scheduler_values_are_usage_errors(tmp_path, value, words):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["census", "--K", "4", "--scheduler", value, "--out",
                                    str(out)])
    assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_without_the_extra_the_option_exits_2_with_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "available", lambda: False)
    for cmd in (["census", "--K", "4"], ["conjecture1-grid"], ["conjecture1-grid", "--certify"]):
        out = tmp_path / cmd[0]
        res = CliRunner().invoke(main, [*cmd, "--scheduler", "local:2", "--out", str(out)])
        assert res.exit_code == 2, res.output
        assert "pip install '.[distributed]' from a clone" in res.output and not out.exists()


def test_an_unreachable_scheduler_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["census", "--K", "4", "--runs", "4", "--scheduler",
                                    "tcp://127.0.0.1:9", "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and "cannot reach the scheduler" in res.output, res.output
    assert "Traceback" not in res.output and not list(out.glob("census*"))


def test_task_runs_fills_every_thread_within_the_lane_and_task_bounds():
    rule = distributed_descent.task_runs
    assert rule(10, 2) == LANES  # never below one full vector loop of lanes
    assert rule(10**7, 2) == distributed_descent.TASK_RUNS  # never above the cap
    for total, threads in ((4000, 2), (20_000, 8), (100_000, 32)):
        size = rule(total, threads)
        assert LANES <= size <= distributed_descent.TASK_RUNS
        assert -(-total // size) >= distributed_descent.TASKS_PER_THREAD * threads


class _Watched:
    """A client whose submits are counted against the completions the bar reports."""

    def __init__(self, client) -> None:
        self.client, self.submitted, self.completed, self.most = client, 0, 0, 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def submit(self, *args, **kw):
        self.submitted += 1
        self.most = max(self.most, self.submitted - self.completed)
        return self.client.submit(*args, **kw)

    def bar(self, total, desc):
        watched = self

        class Bar:
            def update(self, n):
                watched.completed += n

        return contextlib.nullcontext(Bar())


def test_map_tasks_streams_a_window_of_tasks_and_keeps_the_order(dask_cluster, monkeypatch):
    _, client = dask_cluster
    monkeypatch.setattr(cluster, "IN_FLIGHT_PER_THREAD", 2)
    watched = _Watched(client)
    # with repeats; abs, a builtin, so that the workers need not import this module
    items = [3, -1, 4, -1, 5, -9, 2, 6, 5, -3, 5, 8, -9, 7, -9, -3, 2, -3, 8, 4]
    out = cluster.map_tasks(watched, abs, items, kind="test-abs", progress=watched.bar)
    assert out == [abs(x) for x in items]
    assert watched.completed == len(items)
    assert watched.submitted == len(set(items))  # a repeated item is computed once
    assert 1 < watched.most <= 2 * cluster.threads(client)  # a window, not everything at once


def test_train_batches_cut_into_tasks_equal_the_in_process_descent(dask_cluster, monkeypatch):
    _, client = dask_cluster
    monkeypatch.setattr(distributed_descent, "TASK_RUNS", LANES)  # 70 runs: 3 tasks
    rng = np.random.default_rng(5)
    batches = [(rng.normal(size=(70, 5, 5)) / 3, np.eye(5)),
               (np.zeros((0, 3, 3)), np.eye(3)),  # no runs: no task
               (rng.normal(size=(9, 4, 6)) / 3, np.eye(4, 6))]
    cfg = c2.Params().descent
    counted = {"total": 0, "done": 0}

    @contextlib.contextmanager
    def progress(total, desc):
        counted["total"] = total

        class Bar:
            def update(self, n):
                counted["done"] += n

        yield Bar()

    got = distributed_descent.train_batches(client, batches, cfg, kind="test-descent",
                                            progress=progress)
    assert counted == {"total": 79, "done": 79}  # the bar counts runs, not tasks
    for (W0, W_star), runs in zip(batches, got, strict=True):
        ref = train(W0, W_star, cfg=cfg, workers=1)
        for f in ("W", "a", "status", "iterations", "polish_steps", "grad", "lr"):
            a, b = getattr(ref, f), getattr(runs, f)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), f  # the same bits


def test_a_descent_task_leaves_its_worker_process_on_one_blas_thread():
    """train() restores the thread count it found when it ends, so two tasks on two threads of
    one worker could undo each other's limit; a task limits its process once and for good.
    (A nanny starts workers with OPENBLAS_NUM_THREADS=1; a worker without one has every core.)"""
    script = textwrap.dedent("""
        import os, numpy as np, threadpoolctl
        from relucheck.descent.distributed import _train_task
        from relucheck.descent.train import DescentConfig, train
        def threads():
            return sorted({i["num_threads"] for i in threadpoolctl.threadpool_info()})
        W0 = np.eye(3)[None] * 0.5
        train(W0, np.eye(3), workers=1)
        print(threads(), os.cpu_count())
        _train_task((W0, np.eye(3), DescentConfig()))
        print(threads())
    """)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env=env).stdout.splitlines()
    before, cpus = lines[0].rsplit(" ", 1)
    if int(cpus) > 1:  # the check has power: a plain train() leaves every core to BLAS
        assert before != "[1]", lines
    assert lines[1] == "[1]", lines


# Last in the module: the interrupted census's running tasks (hundreds of runs each) keep the
# workers busy for seconds after the cancel, and would slow the tests after it.
def test_ctrl_c_cancels_the_futures_and_exits_130(dask_cluster, tmp_path):
    address, client = dask_cluster

    def state(dask_scheduler=None):
        ours = [t for k, t in dask_scheduler.tasks.items() if str(k).startswith("relucheck-census")]
        return len(dask_scheduler.clients), [t.state for t in ours]

    clients = client.run_on_scheduler(state)[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "relucheck", "census", "--K", "14", "--extra", "0", "--runs",
         "2000", "--scheduler", address, "--out", str(tmp_path), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while not any(client.processing().values()):  # until its tasks run on the cluster
        assert proc.poll() is None, proc.communicate()[0]  # (minutes of work: never done first)
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "Traceback" not in output and "Interrupted" in output
    assert not list(tmp_path.glob("census*"))

    # Once the scheduler has let the interrupted run's client go (it cancelled its futures
    # before it exited), none of its tasks may be left, running or waiting.
    while client.run_on_scheduler(state)[0] > clients:
        time.sleep(0.1)
    assert client.run_on_scheduler(state)[1] == []
