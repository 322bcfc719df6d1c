"""Progress off a terminal (a log file, a batch job): plain lines at most every LOG_EVERY seconds,
none for work shorter than that, none when quiet; a tqdm bar only at a terminal."""

from __future__ import annotations

import io
import sys

from relucheck.runtime import progress


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_log_lines_come_at_most_every_interval_with_the_share_and_the_time_left():
    clock, stream = Clock(), io.StringIO()
    bar = progress._LogBar(1000, "conjecture2", stream, every=60.0, clock=clock)
    for _ in range(100):  # 100 runs in 59 s: no line yet
        clock.t += 0.59
        bar.update(1)
    assert stream.getvalue() == ""
    clock.t += 1.5
    bar.update(100)  # 200 of 1000 after 60.5 s: about 242 s left
    assert stream.getvalue() == (
        "conjecture2: 200 of 1,000 (20.0 %), 1 min elapsed, about 4 min left\n")
    clock.t += 30.0
    bar.update(100)  # within the interval: no line
    assert stream.getvalue().count("\n") == 1
    clock.t += 3600.0
    bar.update(600)
    assert stream.getvalue().splitlines()[-1] == (
        "conjecture2: 900 of 1,000 (90.0 %), 1 h 02 min elapsed, about 7 min left")
    clock.t += 10.0
    bar.update(100)  # the end, within the interval: no line until the bar closes
    assert stream.getvalue().count("\n") == 2
    bar.close()
    assert stream.getvalue().splitlines()[-1] == (
        "conjecture2: 1,000 of 1,000 (100.0 %), 1 h 02 min elapsed")
    bar.close()  # the last line already shows the end: not again
    assert stream.getvalue().count("\n") == 3


def test_times_under_a_minute_are_in_seconds():
    clock, stream = Clock(), io.StringIO()
    bar = progress._LogBar(9, "relucheck all", stream, every=0.0, clock=clock)
    clock.t += 61.0
    bar.update(7)  # 7 of 9 after 61 s: about 17 s left
    assert stream.getvalue() == "relucheck all: 7 of 9 (77.8 %), 1 min elapsed, about 17 s left\n"


def test_work_shorter_than_the_interval_writes_nothing_even_when_it_ends():
    clock, stream = Clock(), io.StringIO()
    bar = progress._LogBar(10, "census", stream, every=60.0, clock=clock)
    clock.t += 59.0
    bar.update(10)
    bar.close()
    assert stream.getvalue() == ""


def test_the_command_line_factory_logs_off_a_terminal_and_not_when_quiet(monkeypatch):
    stream = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # every update writes a line
    with progress.tqdm_progress(quiet=False)(3, "census") as bar:
        bar.update(2)
    assert stream.getvalue().startswith("census: 2 of 3 (66.7 %), 0 s elapsed, about 0 s left")
    stream.truncate(0)
    with progress.tqdm_progress(quiet=True)(3, "census") as bar:
        bar.update(2)
    assert stream.getvalue() == ""
