"""Analytic Hessian of the population loss (the Jacobian of the population gradient of Eqn 8),
in numpy, through the second derivatives of the arc-cosine kernel (docs/math.md section 8).

One of three Hessians, each checking another: this one (analytic, batched);
``relucheck.descent._kernels.hessian``, its compiled twin (same formulas) for the census's
polishing and classification; :func:`relucheck.finite_differences.fd_hessian`, central
differences of an exact gradient. A batch of B runs holds 8 B (n d)^2 bytes: chunk larger ones.
"""

from __future__ import annotations

import numpy as np

from relucheck.theory.angles import cos_sin_units, row_norm, unit

_TWO_PI = 2.0 * np.pi


def _inputs(W, W_star, a, a_star):
    """Broadcast W, W*, a, a* to one batch shape; return them with the unit student rows."""
    W = np.asarray(W, dtype=float)
    W_star = np.asarray(W_star, dtype=float)
    if W.ndim < 2 or W_star.ndim < 2 or W.shape[-1] != W_star.shape[-1]:
        raise ValueError(f"W {W.shape} and W_star {W_star.shape}: expected (..., n, d) and "
                         "(..., k, d) with the same d")
    a = np.ones(W.shape[-2]) if a is None else np.asarray(a, dtype=float)
    a_star = np.ones(W_star.shape[-2]) if a_star is None else np.asarray(a_star, dtype=float)
    batch = np.broadcast_shapes(W.shape[:-2], W_star.shape[:-2], a.shape[:-1], a_star.shape[:-1])
    W = np.broadcast_to(W, batch + W.shape[-2:])
    W_star = np.broadcast_to(W_star, batch + W_star.shape[-2:])
    a = np.broadcast_to(a, batch + W.shape[-2:-1])
    a_star = np.broadcast_to(a_star, batch + W_star.shape[-2:-1])
    E = unit(W, name="W")  # raises on a zero or non-finite student row
    return W, W_star, a, a_star, E


def _unit_or_zero(x: np.ndarray) -> np.ndarray:
    """x / |x| along the last axis, and 0 where x = 0 (no division by zero, no warning)."""
    nx = row_norm(x)[..., None]
    return np.divide(x, nx, out=np.zeros_like(x), where=nx > 0)


def _geometry(W, W_star, a, a_star, E):
    """Angles and directions between every student row j and every row l of V = [W; W*].

    Returns V (..., m, d), its norms nv (..., m), signed weights b = [a; -a*] (..., m), the
    angle t, cos t and sin t (..., n, m), and the unit direction P (..., n, m, d) of
    p_jl = v^_l - cos t_jl u^_j (0 where p = 0).
    """
    V = np.concatenate([W, W_star], axis=-2)
    b = np.concatenate([a, -a_star], axis=-1)
    nv = row_norm(V)
    # a zero teacher row contributes nothing whatever its angle: give it any unit direction
    Vu = np.where((nv > 0)[..., None], V / np.where(nv > 0, nv, 1.0)[..., None], E[..., :1, :])
    Eu = E[..., :, None, :]
    Vl = Vu[..., None, :, :]
    t, cos_t, sin_t = cos_sin_units(Eu, Vl)
    # p = v^ - cos t u^ without cancellation: cos t = 1 - |v^ - u^|^2 / 2 = |v^ + u^|^2 / 2 - 1,
    # so p = (v^ - u^) + |v^ - u^|^2/2 u^ (accurate for t <= pi/2)
    #      = (v^ + u^) - |v^ + u^|^2/2 u^ (accurate for t >= pi/2).
    minus = Vl - Eu
    plus = Vl + Eu
    near = (cos_t >= 0)[..., None]
    p = np.where(near, minus, plus) + np.where(
        near, 0.5 * row_norm(minus)[..., None] ** 2, -0.5 * row_norm(plus)[..., None] ** 2) * Eu
    return V, nv, b, t, cos_t, sin_t, _unit_or_zero(p)


def _w_hessian(W, a, E, nv, b, t, sin_t, P):
    """The (..., n, d, n, d) Hessian in W from the geometry (docs/math.md section 8)."""
    n = W.shape[-2]
    ts, ss = t[..., :n], sin_t[..., :n]
    Ps = P[..., :n, :]  # p^_jl for student pairs
    Qs = np.swapaxes(Ps, -3, -2)  # q^_jl = p^_lj: q_jl = u^_j - cos t u^_l is p of the pair (l, j)
    aa = a[..., :, None] * a[..., None, :]  # a_j a_l
    # off-diagonal blocks: a_j a_l sin t (p^ q^T + u^_j u^_l^T) / (2 pi), every (j, l) at once
    # (at l = j, sin t = 0 exactly: the diagonal block keeps only a_j^2 pi I / (2 pi) from here)
    wgt = (aa * ss / _TWO_PI)[..., None]
    shape = Ps.shape
    X = np.stack([wgt * Ps, wgt * np.broadcast_to(E[..., :, None, :], shape)], axis=-2)
    Y = np.stack([Qs, np.broadcast_to(E[..., None, :, :], shape)], axis=-2)
    H = np.einsum("...jlra,...jlrb->...jalb", X, Y)
    # + a_j a_l (pi - t_jl) I / (2 pi): the alpha = beta diagonal of every block (a writable view)
    np.einsum("...jala->...jla", H)[...] += (aa * (np.pi - ts) / _TWO_PI)[..., None]
    # diagonal blocks: + a_j sum_l b_l |v_l| sin t_jl / (2 pi |w_j|) [p^ p^T + I - u^_j u^_j^T]
    # over every row l of [W; W*] (the l = j term is exactly 0: sin t = 0 and p = 0).
    coef = (a / nv[..., :n])[..., :, None] * b[..., None, :] * nv[..., None, :] * sin_t / _TWO_PI
    pp = np.swapaxes(coef[..., None] * P, -1, -2) @ P  # sum_l coef_jl p^_jl p^_jl^T
    d = W.shape[-1]
    proj = np.eye(d) - E[..., :, None] * E[..., None, :]
    np.einsum("...jajb->...jab", H)[...] += pp + coef.sum(axis=-1)[..., None, None] * proj
    return H


def _symmetrise(H: np.ndarray) -> np.ndarray:
    """(H + H^T) / 2 for H (..., N, c, N, c) seen as a (N c) x (N c) matrix."""
    S = np.add(H, np.moveaxis(H, (-4, -3), (-2, -1)))
    S *= 0.5
    return S


def population_hessian(
    W: np.ndarray,
    W_star: np.ndarray,
    a: np.ndarray | None = None,
    a_star: np.ndarray | None = None,
) -> np.ndarray:
    """Analytic Hessian of the population loss J in the student rows W, top weights fixed.

    The Jacobian of the population gradient of Eqn 8 (N = 1),
    grad_{w_j} J = a_j [sum_l a_l E[F(e_j, w_l)] - sum_l a*_l E[F(e_j, w*_l)]], with blocks

        H_jj = a_j^2 I/2 + a_j sum_{l != j} a_l d2k/du du^T(w_j, w_l)
                         - a_j sum_l a*_l d2k/du du^T(w_j, w*_l),
        H_jl = a_j a_l d2k/du dv^T(w_j, w_l)   (l != j),

    d2k/du du^T(u, v) = |v| / (2 pi |u|) [p p^T / sin t + sin t (I - u^ u^T)],
    d2k/du dv^T(u, v) = [(pi - t) I + p q^T / sin t + sin t u^ v^T] / (2 pi),
    p = v^ - cos t u^, q = u^ - cos t v^ (derivation in docs/math.md section 8). The 1/sin t terms
    are evaluated as sin t times products of unit vectors, so parallel (t = 0) and antiparallel
    (t = pi) pairs give the continuous limit. Angles come from :func:`cos_sin_units` (no arccos).

    Parameters
    ----------
    W : array (..., n, d)
        Student rows, with any leading batch axes. A zero or non-finite row raises ValueError
        (the gradient of Eqn 8 is undefined at w_j = 0).
    W_star : array (k, d) or (..., k, d)
        Teacher rows; a zero teacher row contributes nothing.
    a, a_star : arrays (..., n), (..., k) or None
        Fixed top weights of student and teacher; None means all ones (the paper's case).

    Returns
    -------
    array (..., n, d, n, d)
        H[..., j, alpha, l, beta] = d^2 J / dW[j, alpha] dW[l, beta]; exactly symmetric
        (symmetrised). Reshape to (..., n d, n d) for a matrix. It takes 8 B (n d)^2 bytes for
        B runs (128 MB for B = 100, n = d = 20) and a few times that transiently: chunk larger
        batches.
    """
    W, W_star, a, a_star, E = _inputs(W, W_star, a, a_star)
    _, nv, b, t, _, sin_t, P = _geometry(W, W_star, a, a_star, E)
    return _symmetrise(_w_hessian(W, a, E, nv, b, t, sin_t, P))


def population_hessian_packed(
    W: np.ndarray,
    W_star: np.ndarray,
    a: np.ndarray,
    a_star: np.ndarray | None = None,
) -> np.ndarray:
    """Analytic Hessian of J in the packed parameters theta = [W | a] (trained top layer).

    theta[..., j, :d] = w_j and theta[..., j, d] = a_j, the layout of
    :class:`relucheck.descent.network.Network` with ``a=None``. Blocks (G(u, v) = grad_u k =
    [(pi - t) v + |v| sin t u^] / (2 pi), Eqn 5 with N = 1; G(u, u) = u/2, Eqn 8 at t = 0):

    - W-W: :func:`population_hessian`;
    - W-a: d/da_l grad_{w_j} J = a_j G(w_j, w_l) + [l = j] S_j, where
      S_j = sum_l a_l G(w_j, w_l) - sum_l a*_l G(w_j, w*_l) = grad_{w_j} J / a_j (the gated sum
      of Eqn 8). At l = j this is S_j + a_j w_j / 2: the derivative of a_j S_j in its explicit
      a_j and in the a_j inside S_j's self term a_j G(w_j, w_j) = a_j w_j / 2;
    - a-a: d^2 J / da_j da_l = k(w_j, w_l) = |w_j| |w_l| h(t_jl) / (2 pi), k(w, w) = |w|^2 / 2.

    Parameters
    ----------
    W : array (..., n, d)
        Student rows (a zero or non-finite row raises ValueError).
    W_star : array (k, d) or (..., k, d)
        Teacher rows.
    a : array (..., n)
        Student top weights (the point at which the Hessian is taken).
    a_star : array (..., k) or None
        Teacher top weights; None means all ones.

    Returns
    -------
    array (..., n, d + 1, n, d + 1)
        Exactly symmetric. Memory as :func:`population_hessian`.
    """
    W, W_star, a, a_star, E = _inputs(W, W_star, a, a_star)
    V, nv, b, t, cos_t, sin_t, P = _geometry(W, W_star, a, a_star, E)
    n, d = W.shape[-2:]
    HW = _w_hessian(W, a, E, nv, b, t, sin_t, P)
    # G_jl = [(pi - t) v_l + |v_l| sin t u^_j] / (2 pi) for every row l of [W; W*]
    G = ((np.pi - t)[..., None] * V[..., None, :, :]
         + (nv[..., None, :] * sin_t)[..., None] * E[..., :, None, :]) / _TWO_PI
    S = np.einsum("...jla,...l->...ja", G, b)
    Wa = a[..., :, None, None] * G[..., :n, :]  # (..., j, l, alpha): a_j G(w_j, w_l)
    idx = np.arange(n)
    Wa[..., idx, idx, :] += S
    nw = nv[..., :n]
    Kaa = nw[..., :, None] * nw[..., None, :] * (
        (np.pi - t[..., :n]) * cos_t[..., :n] + sin_t[..., :n]) / _TWO_PI
    H = np.zeros(W.shape[:-2] + (n, d + 1, n, d + 1))
    H[..., :d, :, :d] = HW
    H[..., :d, :, d] = np.swapaxes(Wa, -1, -2)  # [j, alpha, l] = d2J / dw_j[alpha] da_l
    H[..., d, :, :d] = np.swapaxes(Wa, -3, -2)  # [l, j, alpha]: the transposed block
    H[..., d, :, d] = Kaa
    return _symmetrise(H)


def hessian_eigen_error(H: np.ndarray, k: int | None = None) -> np.ndarray:
    """Bound on the float64 error of the eigenvalues of a Hessian from this module.

    bound = 4 (n + k + P) eps ||H||_F, with P = n c parameters for H of shape (..., n, c, n, c).

    Derivation. (1) Entries: every entry of H is a sum of at most 2 (n + k) + 1 terms (per row
    l of [W; W*] one p^ p^T and one projector term, plus the (pi - t) I term), each a product of
    a handful of factors computed to a few ulps (norms, the half-angle t, cos t, sin t, the
    stable p^ and q^: c0 ~ 10 eps in all); recursive summation of N terms adds at most N eps
    relative to the sum of their magnitudes. Taking that sum to be of the order of |H_ab| (no
    catastrophic cancellation between the terms; this is the assumption that makes the bound
    "in spirit" only, and it can fail near a tiny student row, where the |v|/|u| factors grow),
    every entry has error <= (2 (n + k) + 1 + c0) eps |H_ab|, so the error matrix dH has
    ||dH||_2 <= ||dH||_F <= (2 (n + k) + 1 + c0) eps ||H||_F. (2) Eigensolver: a backward stable
    symmetric eigensolver (LAPACK syevd behind :func:`numpy.linalg.eigvalsh`) returns the exact
    eigenvalues of H + E with ||E||_2 <= p(P) eps ||H||_2, p(P) of order P, and
    ||H||_2 <= ||H||_F. (3) Weyl's inequality: |lambda_i(A + dA) - lambda_i(A)| <= ||dA||_2 for
    symmetric A, dA, so every computed eigenvalue is within ||dH||_2 + ||E||_2
    <= (2 (n + k) + 1 + c0 + P) eps ||H||_F of the exact eigenvalue of the exact Hessian, and
    4 (n + k + P) >= 2 (n + k) + 11 + P as soon as 2 (n + k) + 3 P >= 11 (every case but
    n = k = d = 1). The bound is what (1)-(3) give, not a proof (that needs interval
    arithmetic); with the p^ and the half angles computed stably it does not degrade at
    parallel or antiparallel units.

    Parameters
    ----------
    H : array (..., n, c, n, c)
        From :func:`population_hessian` (c = d) or :func:`population_hessian_packed` (c = d + 1).
    k : int, optional
        Number of teacher rows; None assumes k = n (the paper's setting).

    Returns
    -------
    array (...)
        Nonnegative bound, one per Hessian of the batch.
    """
    H = np.asarray(H, dtype=float)
    if H.ndim < 4 or H.shape[-4:-2] != H.shape[-2:]:
        raise ValueError(f"H {H.shape}: expected (..., n, c, n, c)")
    n, c = H.shape[-2:]
    k = n if k is None else int(k)
    fro = np.sqrt(np.einsum("...jalb,...jalb->...", H, H))
    return 4.0 * (n + k + n * c) * np.finfo(float).eps * fro
