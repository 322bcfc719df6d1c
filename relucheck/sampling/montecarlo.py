"""Monte Carlo estimate of the gating sum F(e, w) = X^T D(e) D(w) X w (Eqn 5 with sampled X).

Many pairs against one sample matrix are one matrix product: with X (n x d) and the pairs'
directions stacked as columns, X @ [E | W] gives every gate and every projection at once. Samples
are drawn and reduced in chunks so memory stays bounded for any n (e.g. n = 10^7).
"""

from __future__ import annotations

import numpy as np

from relucheck.sampling.chunks import MC_CHUNK_FLOATS, chunk_rows
from relucheck.sampling.inputs import sample_inputs


def sampled_F(
    E: np.ndarray,
    W: np.ndarray,
    n: int,
    rng: np.random.Generator,
    dist: str = "gaussian",
    budget: int = MC_CHUNK_FLOATS,
) -> np.ndarray:
    """Sum over n sampled inputs of F(e_p, w_p) for every pair p: returns (P, d), not divided by n.

    Parameters
    ----------
    E, W : arrays (P, d)
        The pairs' control directions and weights (rows).
    n : int
        Number of input samples.
    rng : numpy Generator
        Source of the inputs, consumed in chunk order: a different ``budget`` draws the same
        samples and changes the sum only by floating-point summation order.
    dist : {'gaussian', 'uniform'}
    """
    E = np.asarray(E, dtype=float)
    W = np.asarray(W, dtype=float)
    P, d = W.shape
    EW = np.concatenate([E, W], axis=0).T.copy()  # (d, 2P), contiguous for the product
    total = np.zeros((d, P))
    rows = chunk_rows(d + 3 * P, budget, least=256)  # X (c x d) and the products (c x 3P)
    done = 0
    while done < n:
        c = min(rows, n - done)
        X = sample_inputs(rng, c, d, dist)
        Z = X @ EW
        # D(e) D(w) X w: relu(x . w) kept where the control gate x . e > 0 is open.
        G = np.maximum(Z[:, P:], 0.0)
        G *= Z[:, :P] > 0
        total += X.T @ G
        done += c
    return total.T
