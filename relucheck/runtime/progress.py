"""Progress reporting handed from the CLI to the experiments.

An experiment asks ``progress(total, desc)`` for a context manager whose ``update(n)`` advances a
bar. The CLI passes :func:`tqdm_progress`, which draws on stderr only when stderr is a terminal
and ``--quiet`` is off; tests and library callers get :func:`null_progress`.
"""

from __future__ import annotations

import contextlib
import sys
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


def tqdm_progress(quiet: bool = False) -> Progress:
    """A progress factory drawing tqdm bars on stderr (silent off a terminal or when quiet)."""
    from tqdm import tqdm  # imported here: 0.1 s, and the CLI imports this module at start-up

    enabled = not quiet and sys.stderr.isatty()

    @contextlib.contextmanager
    def factory(total: int, desc: str) -> Iterator[Bar]:
        if not enabled:
            yield _NullBar()
            return
        with tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True) as bar:
            yield bar

    return factory
