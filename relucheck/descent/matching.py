"""Comparing a student to the teacher up to permutation of hidden units (docs/math.md section 7).

The loss (Eqn 2) and the gradient (Eqn 8) are invariant to permuting the student's rows, so a
solution is the teacher when some permutation of its rows is W*: match rows by the assignment
that minimises the total distance (scipy.optimize.linear_sum_assignment), then measure.
"""

from __future__ import annotations

import numpy as np

#: Cost of pairing units whose fixed top weights differ: such a pairing is not a symmetry.
_FORBIDDEN = 1e30


def match_rows(W: np.ndarray, W_star: np.ndarray, a: np.ndarray | None = None,
               a_star: np.ndarray | None = None) -> np.ndarray:
    """Permutations pi with W[..., j, :] matched to W_star[..., pi[j], :], for a batch (..., K, d).

    With fixed top weights a and a* (K,), only units with a_j = a*_pi(j) may be paired: swapping
    two units with different top weights changes the function. Returns integers (..., K).
    """
    W = np.asarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    W_star = np.broadcast_to(W_star, W.shape[:-2] + W_star.shape[-2:])
    cost = np.linalg.norm(W[..., :, None, :] - W_star[..., None, :, :], axis=-1)
    if a is not None and a_star is not None:
        cost = cost + _FORBIDDEN * (np.asarray(a)[:, None] != np.asarray(a_star)[None, :])
    from scipy.optimize import linear_sum_assignment  # imported here: slow to import

    flat = cost.reshape(-1, *cost.shape[-2:])
    perms = np.empty(flat.shape[:2], dtype=int)
    for b, c in enumerate(flat):
        rows, cols = linear_sum_assignment(c)
        perms[b, rows] = cols
    return perms.reshape(cost.shape[:-1])


def relative_error(W: np.ndarray, W_star: np.ndarray, a: np.ndarray | None = None,
                   a_star: np.ndarray | None = None) -> np.ndarray:
    """sqrt(sum_j |w_j - w*_pi(j)|^2 / sum_j |w*_j|^2) with the best matching pi (batched);
    ``a``, ``a_star`` (fixed top weights) restrict the matching as in :func:`match_rows`."""
    W = np.asarray(W, dtype=float)
    W_star = np.broadcast_to(np.asarray(W_star, dtype=float), W.shape[:-2] + np.shape(W_star)[-2:])
    perm = match_rows(W, W_star, a, a_star)
    matched = np.take_along_axis(W_star, perm[..., None], axis=-2)
    num = np.sum((W - matched) ** 2, axis=(-2, -1))
    return np.sqrt(num / np.sum(W_star**2, axis=(-2, -1)))
