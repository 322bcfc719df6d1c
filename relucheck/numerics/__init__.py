"""Numerics layer: Monte Carlo estimators, statistics, integrators (seeded, chunked, batched)."""
