"""Families of endpoints: critical points of J that are the same up to the symmetry
J(P W Q^T) = J(W) of an orthonormal teacher (docs/math.md section 9).

Two endpoints join a family when their orbit invariants (J, the multisets of the entries of
W W*^T and of the Gram matrix W W^T) agree to ``tol``; every teacher endpoint (J = 0) is the one
family ``GLOBAL`` = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.descent.endpoints import DEGENERATE, MINIMUM, SADDLE, TEACHER

#: Family id of the global minima; -1 marks a run that is in no family (not at a critical point).
GLOBAL, NONE = 0, -1

#: Invariants agreeing to this (absolute; entries of W are O(1)) join two endpoints. An endpoint
#: with gradient g <= gtol ~ 1.6e-10 next to a minimum with lambda_min >= 1e-3 is within
#: g / lambda_min <= 1.6e-7 of the critical point, so its invariants are within ~1e-6 of the
#: family's; polished endpoints are within ~1e-12. Distinct families of the census differ in loss
#: by more than 1e-4.
FAMILY_TOL = 1e-6

_ORDER = {MINIMUM: 0, DEGENERATE: 1, SADDLE: 2}


def invariants(W: np.ndarray, W_star: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Orbit invariants of endpoints W (R, n, d): [J, sorted entries of W W*^T, sorted entries
    of W W^T] per run, shape (R, 1 + n k + n^2)."""
    R = W.shape[0]
    M = np.sort((W @ W_star.T).reshape(R, -1), axis=1)
    G = np.sort((W @ np.swapaxes(W, -1, -2)).reshape(R, -1), axis=1)
    return np.concatenate([np.asarray(loss, dtype=float).reshape(R, 1), M, G], axis=1)


@dataclass(frozen=True)
class Families:
    """Families of one (k, n) cell."""

    family: np.ndarray  # (R,) family id per run: GLOBAL, 1, 2, ... or NONE
    ids: np.ndarray  # (F,) family ids, GLOBAL first when present
    cls: np.ndarray  # (F,) class of each family
    representative: np.ndarray  # (F,) the run that stands for it (its first member)
    count: np.ndarray  # (F,) members


def find_families(W: np.ndarray, W_star: np.ndarray, loss: np.ndarray, cls: np.ndarray,
                  tol: float = FAMILY_TOL) -> Families:
    """Group the critical endpoints of one cell into families (docs/math.md section 9).

    Runs of class teacher form family GLOBAL; spurious minima, degenerate points and saddles are
    grouped by their invariants within their class; the others (not converged, singular,
    diverged) get NONE. Families are numbered 1, 2, ... by class (minima first) and loss, so the
    numbering does not depend on the order of the runs.
    """
    R = W.shape[0]
    family = np.full(R, NONE)
    members: list[tuple[str, list[int]]] = []
    critical = np.flatnonzero(np.isin(cls, list(_ORDER)))
    if critical.size:
        inv = invariants(W[critical], W_star, loss[critical])
        reps: list[int] = []  # positions in `critical` of each family's first member
        for pos in np.lexsort((critical, loss[critical])):  # by loss, ties by run
            r = critical[pos]
            for f, rep in enumerate(reps):
                if members[f][0] == cls[r] and np.max(np.abs(inv[pos] - inv[rep])) <= tol:
                    members[f][1].append(int(r))
                    break
            else:
                reps.append(int(pos))
                members.append((str(cls[r]), [int(r)]))
    members.sort(key=lambda m: (_ORDER[m[0]], float(loss[m[1][0]]), min(m[1])))
    ids, fcls, rep, count = [], [], [], []
    teacher = np.flatnonzero(cls == TEACHER)
    if teacher.size:
        family[teacher] = GLOBAL
        ids.append(GLOBAL), fcls.append(TEACHER), rep.append(int(teacher[0]))
        count.append(teacher.size)
    for f, (c, runs) in enumerate(members, start=1):
        family[runs] = f
        ids.append(f), fcls.append(c), rep.append(min(runs)), count.append(len(runs))
    return Families(family, np.array(ids, dtype=int), np.array(fcls, dtype=object).astype(str),
                    np.array(rep, dtype=int), np.array(count, dtype=int))


def symmetric_distance(W: np.ndarray, R: np.ndarray, k: int, sweeps: int = 4) -> float:
    """max |P W Q^T - R| for a row permutation P and a permutation Q of the first k coordinates
    found by alternating assignments (rows by their sorted first k entries, then columns, then
    rows and columns again): an upper bound on the distance from W to the orbit point nearest
    R, exact when the two are close (every assignment then has a clear best match)."""
    from scipy.optimize import linear_sum_assignment  # imported here: slow to import

    d = W.shape[1]
    key_W = np.concatenate([np.sort(W[:, :k], axis=1), W[:, k:]], axis=1)
    key_R = np.concatenate([np.sort(R[:, :k], axis=1), R[:, k:]], axis=1)
    rows = linear_sum_assignment(np.abs(key_R[:, None] - key_W[None]).sum(-1))[1]
    cols = np.arange(d)
    best = np.inf
    for _ in range(sweeps):
        V = W[rows]
        cols[:k] = linear_sum_assignment(
            np.abs(R[:, :k, None] - V[:, None, :k]).sum(0))[1]
        V = W[:, cols]
        rows = linear_sum_assignment(np.abs(R[:, None] - V[None]).sum(-1))[1]
        best = min(best, float(np.abs(W[rows][:, cols] - R).max()))
    return best


#: Entries of a representative within this of each other count as equal when its isotropy group
#: is read off (representatives are polished to ~1e-12; distinct entries of the census families
#: differ by more than 1e-3).
ISOTROPY_TOL = 1e-6


def _clusters(W: np.ndarray, tol: float) -> np.ndarray:
    """Integer labels of W's entries: sorted, a new label where two neighbours differ by > tol."""
    flat = W.ravel()
    order = np.argsort(flat, kind="stable")
    labels = np.empty(flat.size, dtype=int)
    labels[order] = np.concatenate([[0], np.cumsum(np.diff(flat[order]) > tol)])
    return labels.reshape(W.shape)


def _refine(V: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Colour refinement of the rows (units) and the first k columns (inputs) of the labelled
    matrix V: the coarsest equitable partition, which contains every orbit of the isotropy
    group."""
    n = V.shape[0]
    rows, cols = np.zeros(n, dtype=int), np.zeros(k, dtype=int)
    while True:
        rkey = [(rows[i], tuple(sorted(zip(cols, V[i, :k], strict=True))), tuple(V[i, k:]))
                for i in range(n)]
        ckey = [(cols[j], tuple(sorted(zip(rows, V[:, j], strict=True)))) for j in range(k)]
        new_r = _ids(rkey)
        new_c = _ids(ckey)
        if new_r.max() == rows.max() and new_c.max() == cols.max():
            return new_r, new_c
        rows, cols = new_r, new_c


def _ids(keys: list) -> np.ndarray:
    """Dense ids of hashable keys, numbered in the order of the sorted distinct keys."""
    index = {key: i for i, key in enumerate(sorted(set(keys)))}
    return np.array([index[key] for key in keys], dtype=int)


def _fixed(V: np.ndarray, rows: list[tuple[int, int]], cols: list[tuple[int, int]]) -> bool:
    """Whether swapping the given pairs of rows and of columns leaves V unchanged."""
    r, c = np.arange(V.shape[0]), np.arange(V.shape[1])
    for a, b in rows:
        r[[a, b]] = r[[b, a]]
    for a, b in cols:
        c[[a, b]] = c[[b, a]]
    return bool(np.array_equal(V[r][:, c], V))


def isotropy(W: np.ndarray, k: int, tol: float = ISOTROPY_TOL) -> str:
    """The isotropy group of W (n x d, teacher [I_k 0]) under (rows P, first k inputs Q), read
    off up to ``tol``: a product of symmetric groups, each acting on a cell of units and the
    matched cell of inputs at once ("Delta S_m", "Delta(S_2 x S_6)"), on units alone
    ("S_m on units") or on inputs alone ("S_m on inputs"); "trivial" when every cell is a single
    index, "unresolved (...)" when a cell's symmetric group does not fix W.

    Every factor is checked (its generating transpositions fix W to tol), so the group contains
    their product; their orbits are the cells of the coarsest equitable partition, which
    contains every orbit of the isotropy group, so the product has the isotropy group's orbits.
    """
    V = _clusters(np.asarray(W, dtype=float), tol)
    rows, cols = _refine(V, k)
    rcells = [np.flatnonzero(rows == c).tolist() for c in range(rows.max() + 1)]
    ccells = [np.flatnonzero(cols == c).tolist() for c in range(cols.max() + 1)]
    delta, other, used = [], [], set()
    for R in sorted(rcells, key=lambda R: (len(R), R)):
        m = len(R)
        if m == 1:
            continue
        if all(_fixed(V, [(R[0], R[i])], []) for i in range(1, m)):
            other.append(f"S_{m} on units")
            continue
        for ci, C in enumerate(ccells):
            if ci in used or len(C) != m:
                continue
            pi = next((p for p in _pairings(V, R, C)
                       if all(_fixed(V, [(R[0], R[i])], [(p[0], p[i])]) for i in range(1, m))),
                      None)
            if pi is not None:
                delta.append(m)
                used.add(ci)
                break
        else:
            return f"unresolved (units cell of {m} not matched)"
    for ci, C in enumerate(ccells):
        if ci in used or len(C) == 1:
            continue
        if all(_fixed(V, [], [(C[0], C[i])]) for i in range(1, len(C))):
            other.append(f"S_{len(C)} on inputs")
        else:
            return f"unresolved (inputs cell of {len(C)} not matched)"
    parts = []
    if delta:
        parts.append(f"Delta S_{delta[0]}" if len(delta) == 1 else
                     "Delta(" + " x ".join(f"S_{m}" for m in sorted(delta)) + ")")
    parts += other
    return " x ".join(parts) or "trivial"


def _pairings(V: np.ndarray, R: list[int], C: list[int]):
    """Candidate bijections R -> C (as lists: p[i] is the column of row R[i]): each row's one
    entry in C that differs from its other entries there, and for two rows both bijections."""
    if len(R) == 2:
        yield list(C)
        yield [C[1], C[0]]
        return
    p = []
    for a in R:
        vals = V[a, C]
        uniq, counts = np.unique(vals, return_counts=True)
        single = uniq[counts == 1]
        if len(uniq) != 2 or len(single) != 1:
            return
        p.append(C[int(np.flatnonzero(vals == single[0])[0])])
    if len(set(p)) == len(p):
        yield p
