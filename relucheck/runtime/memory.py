"""Memory probing: how much this process may still use, and the refusal of a request whose
estimated peak (``Params.memory_bytes()``) cannot fit, decided before any work."""

from __future__ import annotations

import os
from typing import Any

#: Bytes per float64.
F8 = 8


def available_memory() -> int:
    """Memory this process can still use, in bytes (MemAvailable of /proc/meminfo; elsewhere the
    free physical pages)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 62


def total_memory() -> int:
    """Physical memory of the machine, in bytes."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 62


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PB"  # pragma: no cover


def require_memory(params: Any, margin: float = 0.8) -> None:
    """ValueError ("memory: ...") when the request's estimated peak memory
    (``params.memory_bytes()``, the largest arrays it holds at once; the work itself is chunked)
    does not fit in ``margin`` of the available memory. A request that is merely long is the
    user's right; one that cannot fit is an input error, decided before any work."""
    estimate = getattr(params, "memory_bytes", None)
    if estimate is None:
        return
    need, driver = estimate()
    # What may be used: margin of the memory free now, but never less than 2 GB (or half the
    # machine): a small request is not refused because the machine is busy at this moment.
    have = max(margin * available_memory(), min(2 << 30, total_memory() // 2))
    if need > have:
        raise ValueError(f"{driver}: this request needs about {human_bytes(need)} of memory at "
                         f"once, more than the {human_bytes(have)} that can be used here")
