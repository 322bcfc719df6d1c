"""Chunked sampling: how many rows a chunk of samples holds, so that memory stays bounded
whatever the sample size (the draws, and so the results, depend on the chunk size)."""

from __future__ import annotations

#: Floats one chunk of drawn rows holds (about 32 MB): the budget of the d-ball draws
#: (:mod:`relucheck.sampling.ball`); the Monte Carlo sums take twice this (MC_CHUNK_FLOATS).
CHUNK_FLOATS = 4_000_000

#: Floats one chunk of :func:`relucheck.sampling.montecarlo.sampled_F` holds (about 64 MB): the
#: samples X and their products with the pairs side by side.
MC_CHUNK_FLOATS = 2 * CHUNK_FLOATS


def chunk_rows(row_floats: int, budget: int = CHUNK_FLOATS, least: int = 1) -> int:
    """Rows per chunk so that rows of ``row_floats`` floats each fill ``budget`` floats, and at
    least ``least`` rows."""
    return max(least, budget // row_floats)
