"""A command's outputs are one set, and the tool never falls over (docs/design.md, exit codes):
the --out probe and lock, staging and publication, stale leftovers, Ctrl-C (130) and SIGTERM
(143) in a subprocess, a full disk (3), `plot` on bad files, and an install without
python-flint."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from relucheck import runner
from relucheck.cli import main
from relucheck.output import outset

CENSUS = ["census", "--K", "4", "--extra", "0", "--runs", "6", "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def no_work(monkeypatch):
    """The computation replaced by a recorder: a test that uses it asserts that nothing ran."""
    started = []
    monkeypatch.setattr(runner, "run_and_write", lambda *args, **kw: started.append(args))
    return started


def _visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".")}


def _one_error_line(res) -> str:
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, res.output
    assert "Traceback" not in res.output
    return errors[0]


# ---------------------------------------------------------------- the folder, before any work
@pytest.mark.parametrize("bad", ["", "   ", "/proc/relucheck-x", "file"])
def test_an_unusable_out_is_refused_before_any_work(tmp_path, bad, no_work):
    if bad == "file":
        bad = tmp_path / "a-file"
        bad.write_text("x")
    res = invoke(*CENSUS, "--runs", "100000", "--out", bad)  # minutes of work if it started
    assert res.exit_code == 2 and "--out" in _one_error_line(res)
    assert no_work == []  # refused before the experiment was started


def test_a_second_run_into_a_locked_folder_is_refused(tmp_path):
    with outset.locked(tmp_path):
        res = invoke(*CENSUS, "--out", tmp_path)
    assert res.exit_code == 2
    assert "another relucheck run" in _one_error_line(res) and f"pid {os.getpid()}" in res.output
    assert not _visible(tmp_path)
    assert invoke(*CENSUS, "--out", tmp_path).exit_code == 0  # the lock went with its holder


def test_the_json_lists_the_set_and_stale_leftovers_are_removed(tmp_path):
    (tmp_path / ".census.csv.abc123.tmp").write_text("half a file")
    (tmp_path / f"{outset.STAGING_PREFIX}99999").mkdir()
    (tmp_path / f"{outset.STAGING_PREFIX}99999" / "census.csv").write_text("old")
    (tmp_path / "notes.txt").write_text("the user's own file")
    assert invoke(*CENSUS, "--certify", "--out", tmp_path).exit_code == 0
    assert (tmp_path / "census_certificates.json").exists()
    record = json.loads((tmp_path / "census.json").read_text())
    listed = {o["file"]: o["sha256"] for o in record["outputs"]}
    files = _visible(tmp_path)
    # every file but the record itself, its run record (rewritten by every run) and the user's
    assert set(listed) == set(files) - {"census.json", "census.run.json", "notes.txt"}
    for name, digest in listed.items():
        assert outset.sha256(tmp_path / name) == digest
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    # a rerun without --certify: the certificate file of the earlier set goes, the user's stays
    assert invoke(*CENSUS, "--out", tmp_path).exit_code == 0
    assert not (tmp_path / "census_certificates.json").exists()
    assert (tmp_path / "notes.txt").read_text() == "the user's own file"


# ---------------------------------------------------------------- signals (subprocess)
def _start(args, out):
    return subprocess.Popen(
        [sys.executable, "-m", "relucheck", *args, "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_the_lock(proc, out):
    """Until ``proc`` has opened the --out folder's lock file, which a command does after its
    imports and just before any work (relucheck.output.outset). Read from /proc/PID/fd, so the
    wait itself never touches the lock (a probe that took it could make the command refuse the
    folder as busy). No deadline: the command either opens the lock or ends (a failure, with
    its output), however slowly a busy machine imports."""
    lock = os.path.realpath(out / outset.LOCK)
    fds = Path(f"/proc/{proc.pid}/fd")
    while True:
        assert proc.poll() is None, proc.communicate()[0]
        with contextlib.suppress(OSError):  # an fd closed while we read the folder
            if any(os.readlink(fd) == lock for fd in fds.iterdir()):
                return
        time.sleep(0.05)


@pytest.mark.parametrize("sig,code,cmd", [
    (signal.SIGINT, 130, ["census", "--K", "12", "--runs", "5000"]),
    (signal.SIGTERM, 143, ["census", "--K", "12", "--runs", "5000"]),
    (signal.SIGINT, 130, ["conjecture1-grid", "--certify", "--a-min", "0.0005", "--workers",
                          "2"]),
])
def test_interrupted_runs_leave_the_previous_set_and_no_temporaries(tmp_path, sig, code, cmd):
    assert invoke(*CENSUS, "--out", tmp_path).exit_code == 0
    before = _visible(tmp_path)
    proc = _start(cmd, tmp_path)
    _wait_for_the_lock(proc, tmp_path)  # imports done, the folder locked: the run is starting
    time.sleep(0.5)  # work under way
    assert proc.poll() is None, proc.communicate()[0]
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == code, output
    assert "Traceback" not in output
    assert _visible(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------------- a full disk
@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs that holds one census set but not two (root only; skipped elsewhere)."""
    probe = tmp_path / "probe"
    assert invoke(*CENSUS, "--out", probe).exit_code == 0
    size = sum(p.stat().st_size for p in probe.iterdir())
    mnt = tmp_path / "small"
    mnt.mkdir()
    pages = (int(1.4 * size) // 4096 + 2) * 4096
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={pages}", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({res.stderr.strip() or 'not root'})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_full_disk_exits_3_and_keeps_the_previous_set(small_disk):
    assert invoke(*CENSUS, "--out", small_disk).exit_code == 0
    before = _visible(small_disk)
    res = invoke(*CENSUS, "--seed", "7", "--out", small_disk)  # a new set does not fit beside
    assert res.exit_code == 3, res.output
    assert "No space left" in _one_error_line(res)
    assert _visible(small_disk) == before
    assert [p.name for p in small_disk.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------------- plot on bad files
@pytest.fixture(scope="module")
def census_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("census_set")
    assert invoke(*CENSUS, "--out", out).exit_code == 0
    return out


@pytest.mark.parametrize("damage", ["cut", "foreign", "binary", "empty", "no_sibling"])
def test_plot_answers_a_bad_file_with_exit_2(tmp_path, census_set, damage):
    for p in census_set.iterdir():
        if p.suffix == ".csv":
            shutil.copy(p, tmp_path / p.name)
    csv = tmp_path / "census.csv"
    text = csv.read_text()
    if damage == "cut":
        csv.write_text(text[: len(text) // 2])
    elif damage == "foreign":
        csv.write_text("a,b,c\n1,2,3\n")
    elif damage == "binary":
        csv.write_bytes(bytes(range(256)) * 8)
    elif damage == "empty":
        csv.write_text("")
    else:
        (tmp_path / "census_runs.csv").unlink()
    res = invoke("plot", csv, "--quiet")
    assert res.exit_code == 2, res.output
    line = _one_error_line(res)
    assert "census" in line
    assert not (tmp_path / "census.png").exists()


def test_plot_redraws_and_lists_what_it_wrote(tmp_path, census_set):
    for p in census_set.iterdir():
        if not p.name.startswith("."):
            shutil.copy(p, tmp_path / p.name)
    res = invoke("plot", tmp_path / "census.csv")
    assert res.exit_code == 0 and "wrote" in res.output
    assert (tmp_path / "census.png").read_bytes() == (census_set / "census.png").read_bytes()
    assert invoke("plot", tmp_path / "census.csv", "--quiet").output == ""


# ---------------------------------------------------------------- without python-flint
@pytest.fixture
def no_flint(tmp_path):
    """An environment where `import flint` fails, as after `pip install .` without extras."""
    shim = tmp_path / "shim" / "flint"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('python-flint is not installed')\n")
    env = dict(os.environ, PYTHONPATH=str(shim.parent) + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    return env


def test_without_python_flint_proofs_are_usage_errors_and_all_plans_without_them(tmp_path,
                                                                                  no_flint):
    for cmd in (["census", "--K", "4", "--certify"], ["conjecture1-grid", "--certify"],
                ["families", "--quick"]):
        out = tmp_path / cmd[0]
        res = subprocess.run([sys.executable, "-m", "relucheck", *cmd, "--out", str(out)],
                             capture_output=True, text=True, env=no_flint, timeout=120)
        assert res.returncode == 2, res.stdout + res.stderr
        assert "'.[certify]'" in res.stderr and "Traceback" not in res.stderr
        assert not out.exists()
    code = ("from relucheck.cli.all import plan_commands; plan, skipped = plan_commands(); "
            "print([n for n, _, _ in plan]); print(skipped)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=no_flint, timeout=120)
    plan, skipped = res.stdout.strip().splitlines()
    assert "census" in plan and "--certify" not in plan
    assert "conjecture1-grid --certify" in skipped and "census --certify" in skipped
    assert "families" in skipped and "families" not in plan


# ---------------------------------------------------------------- check-certificate on bad files
@pytest.mark.parametrize("damage", ["cut", "binary", "empty", "foreign"])
def test_check_certificate_answers_a_bad_file_with_exit_2(tmp_path, damage):
    src = Path(__file__).resolve().parent.parent / "figures" / "fig10_conjecture1_certificate.csv"
    bad = tmp_path / "cert.csv"
    if damage == "cut":
        bad.write_bytes(src.read_bytes()[:3000])  # ends in the middle of a row
    elif damage == "binary":
        bad.write_bytes(bytes(range(256)))
    elif damage == "empty":
        bad.write_text("")
    else:
        bad.write_text("region,a_lo\nin,abc\n")
    res = invoke("check-certificate", bad, "--workers", "1", "--quiet")
    assert res.exit_code == 2, res.output
    assert str(bad) in _one_error_line(res)


# ---------------------------------------------------------------- requests that cannot fit
@pytest.mark.parametrize("cmd,opt", [
    (["census", "--runs", "1000000000000"], "--runs"),
    (["census", "--K", "8", "--d", "1000000000"], "--d"),
    (["conjecture1-grid", "--n-a", "1000000000000"], "--n-a"),
    (["conjecture1-grid", "--n-phi", "1000000000000"], "--n-phi"),
    (["noise-sweep", "--runs", "1000000000000"], "--runs"),
    (["verify-formula", "--d", "1000000000000"], "--d"),
    (["init-prob", "--r-steps", "1000000000000"], "--r-steps"),
    (["ssb-2d", "--K", "100000"], "--K"),
])
def test_a_request_that_cannot_fit_is_refused_with_its_estimate(tmp_path, cmd, opt, no_work):
    res = invoke(*cmd, "--out", tmp_path / "out")
    line = _one_error_line(res)
    assert res.exit_code == 2 and opt in line and "memory" in line, res.output
    assert no_work == [] and not (tmp_path / "out").exists()  # decided before any work


def test_a_lock_file_left_by_a_killed_run_does_not_block_and_a_clean_run_leaves_none(tmp_path):
    (tmp_path / outset.LOCK).write_text("12345")  # what a run killed by SIGKILL leaves
    assert invoke(*CENSUS, "--out", tmp_path).exit_code == 0
    assert not (tmp_path / outset.LOCK).exists()
