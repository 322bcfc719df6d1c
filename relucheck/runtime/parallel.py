"""How many workers (threads or processes) a command uses."""

from __future__ import annotations

import os


def cores(requested: int = 0) -> int:
    """``requested`` when positive, else one per core available to this process."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
