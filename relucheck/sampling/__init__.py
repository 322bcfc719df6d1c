"""Random inputs and starts, Monte Carlo estimates, and the statistics behind every threshold.

Drawing
    sample_inputs, uniform_sphere, pairs_at_angles -- inputs x and (e, w) pairs (docs/math.md
    section 3); uniform_ball, ball_plane_coordinates -- starts uniform in a d-ball, whole or
    reduced to their plane with w* (Theorem 6); symmetric_start -- Theorem 7's start plus noise
    (Conjecture 2); keyed_rng -- a random stream keyed by what it is for, not by the order it
    is asked for

Estimating
    sampled_F -- the Monte Carlo gating sum X^T D(e) D(w) X w (Eqn 5 with sampled X)
    chunk_rows, CHUNK_FLOATS, MC_CHUNK_FLOATS -- rows per chunk, so memory stays bounded

Deciding (every claim's threshold comes from one of these)
    wilson_interval, fit_line, hotelling_pvalue, hotelling_bound, line_pvalue, squared_bias;
    size_to_decide, points_to_decide, decide_text -- how much more data an undecided claim needs
"""

from relucheck._lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "sample_inputs": "inputs", "uniform_sphere": "inputs", "pairs_at_angles": "inputs",
    "uniform_ball": "ball", "ball_plane_coordinates": "ball", "keyed_rng": "seeding",
    "symmetric_start": "starts",
    "sampled_F": "montecarlo",
    "chunk_rows": "chunks", "CHUNK_FLOATS": "chunks", "MC_CHUNK_FLOATS": "chunks",
    "wilson_interval": "stats", "fit_line": "stats", "hotelling_pvalue": "stats",
    "hotelling_bound": "stats", "line_pvalue": "stats", "squared_bias": "stats",
    "size_to_decide": "stats", "points_to_decide": "stats", "decide_text": "stats",
})
