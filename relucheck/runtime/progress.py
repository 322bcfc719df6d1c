"""Progress reporting handed from the CLI to the experiments.

An experiment asks ``progress(total, desc)`` for a context manager whose ``update(n)`` advances a
bar. The CLI passes :func:`tqdm_progress`: unless ``--quiet``, a tqdm bar on stderr when stderr
is a terminal, and otherwise (a log file, a batch job) a plain line at most every
:data:`LOG_EVERY` seconds, so that only long work writes any. Tests and library callers get
:func:`null_progress`.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Protocol


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...


Progress = Callable[[int, str], contextlib.AbstractContextManager[Bar]]


class _NullBar:
    def update(self, n: int = 1) -> None:
        return None


@contextlib.contextmanager
def null_progress(total: int, desc: str) -> Iterator[Bar]:
    """A progress factory that shows nothing."""
    yield _NullBar()


#: Seconds between two progress lines off a terminal (none before the first interval ends).
LOG_EVERY = 60.0


def _duration(seconds: float) -> str:
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


class _LogBar:
    """Progress as plain lines on a stream: ``desc: done of total (pct), elapsed, about left``,
    at most every ``every`` seconds of ``clock``."""

    def __init__(self, total: int, desc: str, stream, every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.desc, self.stream = total, desc, stream
        self.every, self.clock = LOG_EVERY if every is None else every, clock
        self.done = 0
        self.start = self.last = clock()
        self.lines = 0
        self.shown = 0  # the count the last line showed

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= self.every:
            self._line(now)

    def close(self) -> None:
        """A last line when the work wrote any, so that a log does not end at some share."""
        if self.lines and self.shown != self.done:
            self._line(self.clock())

    def _line(self, now: float) -> None:
        self.last, self.shown = now, self.done
        self.lines += 1
        elapsed = now - self.start
        line = f"{self.desc}: {self.done:,} of {self.total:,}"
        if self.total > 0:
            line += f" ({100 * self.done / self.total:.1f} %)"
        line += f", {_duration(elapsed)} elapsed"
        if 0 < self.done < self.total:
            line += f", about {_duration(elapsed * (self.total - self.done) / self.done)} left"
        print(line, file=self.stream, flush=True)


def tqdm_progress(quiet: bool = False) -> Progress:
    """A progress factory for the command line: tqdm bars on stderr at a terminal, plain lines
    every LOG_EVERY seconds elsewhere, nothing when quiet."""
    from tqdm import tqdm  # imported here: 0.1 s, and the CLI imports this module at start-up

    terminal = sys.stderr.isatty()

    @contextlib.contextmanager
    def factory(total: int, desc: str) -> Iterator[Bar]:
        if quiet:
            yield _NullBar()
        elif not terminal:
            bar = _LogBar(total, desc, sys.stderr)
            yield bar
            bar.close()
        else:
            with tqdm(total=total, desc=desc, file=sys.stderr, leave=False,
                      dynamic_ncols=True) as bar:
                yield bar

    return factory
