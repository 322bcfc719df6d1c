"""Random streams keyed by what they are for, not by the order they are asked for.

A command's ``--seed`` is the root of a numpy SeedSequence. Spawning children in list order would
make a cell's draws depend on which other cells were requested and in what order; instead each
stream's spawn key is derived from its content (e.g. ("cell", K, noise)), so the same cell gets
the same numbers whatever else runs beside it.
"""

from __future__ import annotations

import zlib

import numpy as np


def _word(part: object) -> int:
    """A 32-bit word for one key part: integers as themselves, anything else by CRC32 of repr."""
    if isinstance(part, (bool, np.bool_)):
        return int(part)
    if isinstance(part, (float, np.floating)) and float(part).is_integer():
        part = int(part)  # 1 and 1.0 are the same noise level
    if isinstance(part, (int, np.integer)) and 0 <= int(part) < 2**32:
        return int(part)
    if isinstance(part, (float, np.floating)):
        part = float(part)
    return zlib.crc32(repr(part).encode())


def keyed_rng(rng: np.random.Generator, *key: object) -> np.random.Generator:
    """An independent Generator for ``key`` under the root of ``rng``.

    Streams with different keys are independent (SeedSequence spawn keys); the same key under the
    same root always gives the same stream.
    """
    root = rng.bit_generator.seed_seq
    child = np.random.SeedSequence(root.entropy,
                                   spawn_key=(*root.spawn_key, *(_word(k) for k in key)))
    return np.random.default_rng(child)
