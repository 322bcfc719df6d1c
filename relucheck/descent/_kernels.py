"""Compiled kernels (numba) of the population loss and gradient of Eqn 8 and of plain gradient
descent on it: :func:`gradient`, :func:`descend` (one run), :func:`descend_lanes` (up to L runs in
the lanes of one vector loop, the same bits run by run), :func:`loss` and :func:`hessian`.

Every angle is an asin of an argument in [-1/2, 1/2] (a half-angle chord where |cos t| > 1/2), by
one fixed polynomial (:data:`ASIN_Q`) rather than libm: full accuracy near t = 0 and pi, the same
bits on every machine (docs/math.md section 9). :func:`hessian` is the compiled twin of the
analytic :mod:`relucheck.theory.hessian`; :func:`relucheck.finite_differences.fd_hessian` checks
both (docs/math.md section 8). The kernels release the GIL (``nogil``), so runs go on at once in
Python threads with the bits of one at a time, and are cached on disk (``cache=True``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Status codes a run of :func:`descend` stops with.
RUNNING, CONVERGED, POLISH, MAX_ITERS, DIVERGED, ZERO_ROW = 0, 1, 2, 3, 4, 5

#: A row norm beyond this is a divergence (the loss grows like |w|^2; this is far past any
#: critical point of a teacher with unit rows, and well before float64 overflows).
BLOWUP = 1e100

_TWO_PI = 2.0 * math.pi


@numba.njit(cache=True, nogil=True, inline="always")
def _chord(e, f, d, sign):
    """|e - f| (sign = -1) or |e + f| (sign = +1) for rows e, f."""
    s = 0.0
    for i in range(d):
        x = e[i] + sign * f[i]
        s += x * x
    return math.sqrt(s)


#: asin(x) = x + x z q(z) with z = x^2, for |x| <= 1/2: the coefficients of q, highest degree
#: first, are the degree-12 Chebyshev interpolant of (asin(sqrt z) / sqrt z - 1) / z on [0, 1/4]
#: (mpmath at 40 digits; tests/test_train.py recomputes them). Its error, 1.5e-17, makes the
#: relative error of x + x z q below 4e-18 before the last roundings.
ASIN_Q = (0.028757851367421566, -0.014851887071247204, 0.01740087944269402,
          0.005457506718640358, 0.01032281435018578, 0.011479177415184906,
          0.013971212973552933, 0.017352392720869973, 0.02237217294214989,
          0.030381944138531247, 0.04464285714635543, 0.07499999999998433, 0.16666666666666669)
_Q12, _Q11, _Q10, _Q9, _Q8, _Q7, _Q6, _Q5, _Q4, _Q3, _Q2, _Q1, _Q0 = ASIN_Q


@numba.njit(cache=True, nogil=True, inline="always")
def asin_half(x):
    """asin(x) for |x| <= 1/2 (the polynomial :data:`ASIN_Q`, by Estrin's scheme: the powers
    z, z^2, z^4, z^8 and independent pairs of terms, about half the latency of Horner's rule)."""
    z = x * x
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    q01 = _Q0 + _Q1 * z
    q23 = _Q2 + _Q3 * z
    q45 = _Q4 + _Q5 * z
    q67 = _Q6 + _Q7 * z
    q89 = _Q8 + _Q9 * z
    qab = _Q10 + _Q11 * z
    q = (q01 + q23 * z2) + (q45 + q67 * z2) * z4 + ((q89 + qab * z2) + _Q12 * z4) * z8
    return x + x * (z * q)


@numba.njit(cache=True, nogil=True, inline="always")
def _angle_of(c, e, f, d):
    """(pi - t, sin t) from the cosine c of unit rows e, f, refined by the half-angle chord
    where |c| > 1/2 (acos of c would lose half the digits there). Each branch takes one
    :func:`asin_half` of an argument in [-1/2, 1/2]: c itself (pi - t = pi/2 + asin c), or
    sin(t/2) <= 1/2 for c > 1/2, or cos(t/2) <= 1/2 for c < -1/2 (the chords, at most 1/2 up to
    rounding, are held to it)."""
    if c > 0.5:
        h = min(0.5 * _chord(e, f, d, -1.0), 0.5)  # sin(t/2)
        return math.pi - 2.0 * asin_half(h), 2.0 * h * math.sqrt(1.0 - h * h)
    if c < -0.5:
        h = min(0.5 * _chord(e, f, d, 1.0), 0.5)  # cos(t/2)
        return 2.0 * asin_half(h), 2.0 * h * math.sqrt(1.0 - h * h)
    return 0.5 * math.pi + asin_half(c), math.sqrt(1.0 - c * c)


@numba.njit(cache=True, nogil=True, inline="always")
def _angle_lane(c, s):
    """:func:`_angle_of` without branches on data, for the lane kernel: (pi - t, sin t) from the
    cosine c and the squared chord s = |e - f|^2 (c >= 0) or |e + f|^2 (c < 0). Every branch
    of :func:`_angle_of` is computed and the result selected, so a loop over lanes vectorises;
    the selected values are the same numbers :func:`_angle_of` gives for the same chord."""
    mid = abs(c) <= 0.5
    h = min(0.5 * math.sqrt(s), 0.5)  # sin(t/2) (c > 0) or cos(t/2) (c < 0)
    A = asin_half(c if mid else h)
    pt = 0.5 * math.pi + A if mid else (math.pi - 2.0 * A if c > 0.0 else 2.0 * A)
    r = math.sqrt(1.0 - c * c if mid else 1.0 - h * h)
    return pt, (r if mid else 2.0 * h * r)


@numba.njit(cache=True, nogil=True, inline="always")
def _eye_chord2(e, m, d, c):
    """|e - u_m|^2 (c >= 0) or |e + u_m|^2 (c < 0) for a unit row e and the m-th unit vector,
    c = e_m: (sum_{i < m} e_i^2 + (e_m -+ 1)^2) + sum_{i > m} e_i^2, the lower sum taken
    upwards and the upper one downwards, exactly as the lane kernel forms it from its running
    sums (the two kernels then give the same bits)."""
    lo = 0.0
    for i in range(m):
        lo += e[i] * e[i]
    hi = 0.0
    for i in range(d - 1, m, -1):
        hi += e[i] * e[i]
    x = c - 1.0 if c >= 0.0 else c + 1.0
    return (lo + x * x) + hi


@numba.njit(cache=True, nogil=True)
def gradient(W, a, Ws, a_star, E_star, ns, eye, G, ga, work, train_a):
    """Gradient of J at one state into G (n, d) and, when ``train_a``, dJ/da into ga (n,).

    ``E_star``/``ns`` are the teacher's unit rows and norms (a zero row: norm 0, skipped);
    ``eye`` says that W* = [I_k 0] (then e_j . e*_l = e_jl and sum_l c_l w*_l is a copy), which
    saves a third of the work. ``work`` is a :func:`workspace`. Returns max_j |grad_{w_j} J| (and
    |dJ/da_j| when a is trained), inf for a non-finite or blown-up state, -1 for a zero row.
    """
    n, d = W.shape
    k = Ws.shape[0]
    E, C, P, nw, asym = work
    for j in range(n):
        s = 0.0
        for i in range(d):
            s += W[j, i] * W[j, i]
        r = math.sqrt(s)
        if not (r < BLOWUP):  # also catches NaN
            return math.inf
        if r == 0.0:
            return -1.0
        nw[j] = r
        for i in range(d):
            E[j, i] = W[j, i] / r
    # cosines of the student pairs (upper triangle) and of student-teacher pairs
    for j in range(n):
        asym[j] = 0.0
        for m in range(j + 1, n):
            c = 0.0
            for i in range(d):
                c += E[j, i] * E[m, i]
            C[j, m] = c
        if not eye:
            for m in range(k):
                c = 0.0
                for i in range(d):
                    c += E[j, i] * E_star[m, i]
                C[j, n + m] = c
        else:
            for m in range(k):
                C[j, n + m] = E[j, m]
    if train_a:
        for j in range(n):
            ga[j] = 0.5 * a[j] * nw[j] * nw[j]  # k(w_j, w_j) = |w_j|^2 / 2
    # P[j, l] = b_l (pi - t_jl): the weights of sum_l b_l (pi - t_jl) v_l
    for j in range(n):
        P[j, j] = a[j] * math.pi  # l = j: t = 0
        for m in range(j + 1, n):
            pt, st = _angle_of(C[j, m], E[j], E[m], d)
            P[j, m] = a[m] * pt
            P[m, j] = a[j] * pt
            asym[j] += a[m] * nw[m] * st
            asym[m] += a[j] * nw[j] * st
            if train_a:
                kk = nw[j] * nw[m] * (pt * C[j, m] + st) / _TWO_PI
                ga[j] += a[m] * kk
                ga[m] += a[j] * kk
        for m in range(k):
            if ns[m] == 0.0:
                P[j, n + m] = 0.0
                continue
            c = C[j, n + m]
            if eye:  # the chord only where it is used (|c| > 1/2), as the lane kernel selects
                pt, st = _angle_lane(c, _eye_chord2(E[j], m, d, c) if abs(c) > 0.5 else 0.0)
            else:
                pt, st = _angle_of(c, E[j], E_star[m], d)
            P[j, n + m] = -a_star[m] * pt
            asym[j] -= a_star[m] * ns[m] * st
            if train_a:
                ga[j] -= a_star[m] * nw[j] * ns[m] * (pt * c + st) / _TWO_PI
    # G = P[:, :n] W + P[:, n:] W* + asym e, row by row (inner loops contiguous in i)
    gmax = 0.0
    for j in range(n):
        g = G[j]
        for i in range(d):
            g[i] = asym[j] * E[j, i]
        for m in range(n):
            pm = P[j, m]
            for i in range(d):
                g[i] += pm * W[m, i]
        if eye:
            for m in range(k):
                g[m] += P[j, n + m]
        else:
            for m in range(k):
                pm = P[j, n + m]
                for i in range(d):
                    g[i] += pm * Ws[m, i]
        f = a[j] / _TWO_PI
        s = 0.0
        for i in range(d):
            g[i] *= f
            s += g[i] * g[i]
        gmax = max(gmax, math.sqrt(s))
        if train_a:
            gmax = max(gmax, abs(ga[j]))
    if not (gmax < math.inf):
        return math.inf
    return gmax


@numba.njit(cache=True, nogil=True)
def workspace(n, d, k):
    """Work arrays of :func:`gradient` for one run: E (n, d), C and P (n, n + k), nw, asym."""
    return (np.zeros((n, d)), np.zeros((n, n + k)), np.zeros((n, n + k)), np.zeros(n),
            np.zeros(n))


@numba.njit(cache=True, nogil=True)
def teacher_units(Ws):
    """Unit rows, norms of the teacher, and whether W* = [I_k 0] exactly."""
    k, d = Ws.shape
    ns = np.zeros(k)
    E_star = np.zeros((k, d))
    eye = k <= d
    for m in range(k):
        s = 0.0
        for i in range(d):
            s += Ws[m, i] * Ws[m, i]
            if eye and Ws[m, i] != (1.0 if i == m else 0.0):
                eye = False
        ns[m] = math.sqrt(s)
        if ns[m] > 0.0:
            for i in range(d):
                E_star[m, i] = Ws[m, i] / ns[m]
    return E_star, ns, eye


@numba.njit(cache=True, nogil=True)
def gradient_batch(W, a, Ws, a_star, train_a):
    """Gradients of a batch W (B, n, d) with top weights a (B, n): (G (B, n, d), ga (B, n),
    gmax (B,)). A run with a zero row gets NaN (its gradient is undefined), a non-finite one too."""
    B, n, d = W.shape
    k = Ws.shape[0]
    E_star, ns, eye = teacher_units(Ws)
    G = np.zeros((B, n, d))
    ga = np.zeros((B, n))
    gmax = np.zeros(B)
    work = workspace(n, d, k)
    for b in range(B):
        g = gradient(W[b], a[b], Ws, a_star, E_star, ns, eye, G[b], ga[b], work, train_a)
        if g < 0.0 or g == math.inf:
            G[b, :, :] = math.nan
            ga[b, :] = math.nan
            g = math.nan
        gmax[b] = g
    return G, ga, gmax


@numba.njit(cache=True, nogil=True)
def descend(W, a, Ws, a_star, *, lr, gtol, polish_tol, polish_after, it, max_iters, g_limit,
            train_a, rec_it, rec_W, rec_a, rec_ptr):
    """Plain gradient descent w <- w - lr grad J on one run, in place, from iteration ``it``.

    Stops before updating at the first iterate with max_j |grad_{w_j} J| <= gtol (CONVERGED), or
    with it below ``polish_tol`` at an iteration >= ``polish_after`` (POLISH: the caller may take
    second-order steps), or at ``max_iters`` updates (MAX_ITERS), or when the state or gradient
    stops being finite, a row blows up or the gradient exceeds ``g_limit`` (DIVERGED), or on an
    exact zero row (ZERO_ROW).
    States at the iterations ``rec_it[rec_ptr:]`` are copied into ``rec_W``/``rec_a``.

    Returns (status, iteration, gmax, rec_ptr).
    """
    n, d = W.shape
    k = Ws.shape[0]
    E_star, ns, eye = teacher_units(Ws)
    G = np.zeros((n, d))
    ga = np.zeros(n)
    work = workspace(n, d, k)
    nrec = rec_it.shape[0]
    while True:
        while rec_ptr < nrec and rec_it[rec_ptr] == it:
            rec_W[rec_ptr, :, :] = W
            rec_a[rec_ptr, :] = a
            rec_ptr += 1
        g = gradient(W, a, Ws, a_star, E_star, ns, eye, G, ga, work, train_a)
        if g < 0.0:
            return ZERO_ROW, it, g, rec_ptr
        if g == math.inf or g > g_limit:
            return DIVERGED, it, g, rec_ptr
        if g <= gtol:
            return CONVERGED, it, g, rec_ptr
        if g <= polish_tol and it >= polish_after:
            return POLISH, it, g, rec_ptr
        if it >= max_iters:
            return MAX_ITERS, it, g, rec_ptr
        for j in range(n):
            for i in range(d):
                W[j, i] -= lr * G[j, i]
        if train_a:
            for j in range(n):
                a[j] -= lr * ga[j]
        it += 1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def lane_workspace(n, d, k, L):
    """Work arrays of :func:`gradient_lanes` for L lanes: G, E (n, d, L), P (n, n + k, L), nw,
    asym (n, L), running sums lo, hi (d, L), per-lane scratch c, h, s (L,)."""
    return (np.zeros((n, d, L)), np.zeros((n, d, L)), np.zeros((n, n + k, L)), np.zeros((n, L)),
            np.zeros((n, L)), np.zeros((d, L)), np.zeros((d, L)), np.zeros(L), np.zeros(L),
            np.zeros(L))


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lane_dot(X, j, Y, m, d, L, out):
    """out[q] = sum_i X[j, i, q] Y[m, i, q] for the first L lanes, summed in the order of i
    (the order :func:`gradient` sums its norms and cosines in): a vector loop over lanes."""
    for q in range(L):
        out[q] = 0.0
    for i in range(d):
        for q in range(L):
            out[q] += X[j, i, q] * Y[m, i, q]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def gradient_lanes(W, a, a_star, nl, work, gmax, bad):
    """Eqn 8 for the first ``nl`` lanes of W (n, d, L) with top weights a (n, L), teacher
    W* = [I_k 0] with weights a_star (k,): the lane form of :func:`gradient` (``eye``, a not
    trained), one run per lane, the lane index innermost so that every loop over lanes is a
    vector loop (no data-dependent branch: :func:`_angle_lane`). Each lane's numbers are the
    ones :func:`gradient` computes for that run alone, operation for operation; the test suite
    checks the bits.

    Fills the work arrays (G: the gradient), gmax (max_j |grad_{w_j} J| per lane) and bad: 0,
    or DIVERGED for a lane whose first non-finite/blown-up row comes before any zero row,
    ZERO_ROW for the other way round (the lane's other numbers are then meaningless).
    """
    n, d, _ = W.shape
    k = a_star.shape[0]
    G, E, P, nw, asym, lo, hi, c, h, s = work
    L = nl
    for q in range(L):
        bad[q] = 0
    for j in range(n):
        _lane_dot(W, j, W, j, d, L, s)
        for q in range(L):
            nw[j, q] = math.sqrt(s[q])
        for q in range(L):  # the first bad row decides, as in gradient()
            if bad[q] == 0 and not (nw[j, q] < BLOWUP):
                bad[q] = DIVERGED
            elif bad[q] == 0 and nw[j, q] == 0.0:
                bad[q] = ZERO_ROW
        for i in range(d):
            for q in range(L):
                E[j, i, q] = W[j, i, q] / nw[j, q]
    for j in range(n):
        for q in range(L):
            asym[j, q] = 0.0
            P[j, j, q] = a[j, q] * math.pi
    for j in range(n):
        for m in range(j + 1, n):  # student pairs: cosine, then the chord on the side of c
            _lane_dot(E, j, E, m, d, L, c)
            for q in range(L):
                h[q] = 0.0
            for i in range(d):
                for q in range(L):
                    x = E[j, i, q] - E[m, i, q] if c[q] >= 0.0 else E[j, i, q] + E[m, i, q]
                    h[q] += x * x
            for q in range(L):
                pt, st = _angle_lane(c[q], h[q])
                P[j, m, q] = a[m, q] * pt
                P[m, j, q] = a[j, q] * pt
                asym[j, q] += a[m, q] * nw[m, q] * st
                asym[m, q] += a[j, q] * nw[j, q] * st
        # teacher pairs: cos t = e_jm, chord from running sums of e_ji^2 (see _eye_chord2)
        for q in range(L):
            s[q] = 0.0
        for i in range(d):
            for q in range(L):
                lo[i, q] = s[q]
                s[q] += E[j, i, q] * E[j, i, q]
        for q in range(L):
            s[q] = 0.0
        for i in range(d - 1, -1, -1):
            for q in range(L):
                hi[i, q] = s[q]
                s[q] += E[j, i, q] * E[j, i, q]
        for m in range(k):
            for q in range(L):
                cm = E[j, m, q]
                x = cm - 1.0 if cm >= 0.0 else cm + 1.0
                pt, st = _angle_lane(cm, (lo[m, q] + x * x) + hi[m, q])
                P[j, n + m, q] = -a_star[m] * pt
                asym[j, q] -= a_star[m] * st  # |w*_m| = 1
    for q in range(L):
        gmax[q] = 0.0
    for j in range(n):
        for i in range(d):
            for q in range(L):
                G[j, i, q] = asym[j, q] * E[j, i, q]
        for m in range(n):
            for i in range(d):
                for q in range(L):
                    G[j, i, q] += P[j, m, q] * W[m, i, q]
        for m in range(k):
            for q in range(L):
                G[j, m, q] += P[j, n + m, q]
        for q in range(L):
            s[q] = 0.0
        for i in range(d):
            for q in range(L):
                G[j, i, q] *= a[j, q] / _TWO_PI
                s[q] += G[j, i, q] * G[j, i, q]
        for q in range(L):
            r = math.sqrt(s[q])
            gmax[q] = r if r > gmax[q] else gmax[q]
            if not (r < math.inf):  # NaN or inf: the lane diverged
                gmax[q] = math.inf


@numba.njit(cache=True, nogil=True, error_model="numpy")
def descend_lanes(W, a, a_star, nl, *, lr, gtol, polish_tol, polish_after, it, max_iters,
                  g_limit, work, code, gout):
    """:func:`descend` for the first ``nl`` lanes of W (n, d, L) at once (teacher [I_k 0], a not
    trained, nothing recorded), each lane with its own step lr[q], iteration it[q] and polishing
    threshold iteration polish_after[q]. Steps until some lane meets its stopping rule (the rules
    and their order are :func:`descend`'s), which is then left at that iterate with code[q] and
    gout[q] set, while every other lane takes its step as usual (code 0); returns the number of
    lanes that stopped. A lane's numbers never depend on the other lanes."""
    L = nl
    G = work[0]
    n, d, _ = W.shape
    gmax = np.zeros(L)
    bad = np.zeros(L, dtype=np.int64)
    while True:
        gradient_lanes(W, a, a_star, nl, work, gmax, bad)
        stopped = 0
        for q in range(L):
            g = gmax[q]
            if bad[q] != 0:
                code[q] = bad[q]
                g = math.inf if bad[q] == DIVERGED else -1.0
            elif g == math.inf or g > g_limit:
                code[q] = DIVERGED
            elif g <= gtol:
                code[q] = CONVERGED
            elif g <= polish_tol and it[q] >= polish_after[q]:
                code[q] = POLISH
            elif it[q] >= max_iters:
                code[q] = MAX_ITERS
            else:
                code[q] = RUNNING
            gout[q] = g
            stopped += code[q] != RUNNING
        for j in range(n):
            for i in range(d):
                for q in range(L):
                    if code[q] == RUNNING:
                        W[j, i, q] -= lr[q] * G[j, i, q]
        for q in range(L):
            if code[q] == RUNNING:
                it[q] += 1
        if stopped:
            return stopped


@numba.njit(cache=True, nogil=True, inline="always")
def _kernel(nu, nv, pt, st, c):
    """E[relu(u . x) relu(v . x)] = |u| |v| (sin t + (pi - t) cos t) / (2 pi) (Eqn 2, N = 1)."""
    return nu * nv * (st + pt * c) / _TWO_PI


@numba.njit(cache=True, nogil=True)
def _stacked_rows(W, a, Ws, a_star):
    """Rows V = [W; W*] as unit vectors (a zero or non-finite row left as it is), their norms
    nv and the signed weights b = [a; -a*]: the shared set-up of :func:`loss` and
    :func:`hessian`, which then decide what a zero or non-finite norm means for them."""
    n, d = W.shape
    k = Ws.shape[0]
    m = n + k
    V = np.zeros((m, d))
    b = np.zeros(m)
    nv = np.zeros(m)
    for p in range(m):
        s = 0.0
        for i in range(d):
            x = W[p, i] if p < n else Ws[p - n, i]
            V[p, i] = x
            s += x * x
        b[p] = a[p] if p < n else -a_star[p - n]
        nv[p] = math.sqrt(s)
        if 0.0 < nv[p] < BLOWUP:
            for i in range(d):
                V[p, i] /= nv[p]
    return V, b, nv


@numba.njit(cache=True, nogil=True)
def loss(W, a, Ws, a_star):
    """The population loss J (Eqn 2, N = 1) of one state, from the same angles as
    :func:`gradient`: 1/2 sum_{p, q} b_p b_q k(v_p, v_q) over V = [W; W*], b = [a; -a*].
    A zero row contributes nothing; a non-finite state gives inf."""
    d = W.shape[1]
    V, b, nv = _stacked_rows(W, a, Ws, a_star)
    m = nv.shape[0]
    for p in range(m):
        if not (nv[p] < BLOWUP):
            return math.inf
    J = 0.0
    for p in range(m):
        J += 0.5 * b[p] * b[p] * nv[p] * nv[p] * 0.5  # k(v, v) = |v|^2 / 2
        if nv[p] == 0.0:
            continue
        for q in range(p + 1, m):
            if nv[q] == 0.0:
                continue
            c = 0.0
            for i in range(d):
                c += V[p, i] * V[q, i]
            pt, st = _angle_of(c, V[p], V[q], d)
            J += b[p] * b[q] * _kernel(nv[p], nv[q], pt, st, c)
    return max(J, 0.0)


@numba.njit(cache=True, nogil=True, inline="always")
def _perp_unit(e, f, c, d, out):
    """The unit direction of p = f - c e (c = e . f, e and f unit rows) into ``out``, 0 when
    p = 0. p is formed without cancellation: p = (f - e) + |f - e|^2 / 2 e for c >= 0 and
    p = (f + e) - |f + e|^2 / 2 e for c < 0 (as in :mod:`relucheck.theory.hessian`)."""
    sign = -1.0 if c >= 0.0 else 1.0
    h = _chord(f, e, d, sign)
    s = 0.0
    for i in range(d):
        x = (f[i] + sign * e[i]) - sign * 0.5 * h * h * e[i]
        out[i] = x
        s += x * x
    r = math.sqrt(s)
    for i in range(d):
        out[i] = out[i] / r if r > 0.0 else 0.0


@numba.njit(cache=True, nogil=True)
def hessian(W, a, Ws, a_star, H):
    """The Hessian of J in W (top weights fixed) of one state into H (n d, n d), the compiled
    twin of :func:`relucheck.theory.hessian.population_hessian` (same formulas, docs/math.md
    section 8; the test suite checks one against the other):

        H_jl = a_j a_l / (2 pi) [(pi - t) I + sin t (p^ q^T + u^_j u^_l^T)]        (l != j),
        H_jj = a_j^2 I / 2 + sum_{l != j} a_j b_l |v_l| sin t_jl / (2 pi |w_j|)
                                           (p^ p^T + I - u^_j u^_j^T)

    over the rows v_l of [W; W*] with b = [a; -a*], p = v^_l - cos t u^_j, q = u^_j - cos t v^_l,
    then symmetrised. Returns False (H filled with NaN) for a zero or non-finite row.
    """
    n, d = W.shape
    V, b, nv = _stacked_rows(W, a, Ws, a_star)
    m = nv.shape[0]
    for p in range(n):
        if not (0.0 < nv[p] < BLOWUP):
            H[:, :] = math.nan
            return False
    H[:, :] = 0.0
    pu = np.zeros(d)
    qu = np.zeros(d)
    for j in range(n):
        u = V[j]
        jd = j * d
        for ell in range(m):
            if ell == j or nv[ell] == 0.0:
                continue
            v = V[ell]
            c = 0.0
            for i in range(d):
                c += u[i] * v[i]
            pt, st = _angle_of(c, u, v, d)
            _perp_unit(u, v, c, d, pu)
            coef = a[j] * b[ell] * nv[ell] * st / (_TWO_PI * nv[j])
            for x in range(d):
                H[jd + x, jd + x] += coef
                for y in range(d):
                    H[jd + x, jd + y] += coef * (pu[x] * pu[y] - u[x] * u[y])
            if ell < n:
                _perp_unit(v, u, c, d, qu)
                w = a[j] * a[ell] / _TWO_PI
                ld = ell * d
                for x in range(d):
                    H[jd + x, ld + x] += w * pt
                    for y in range(d):
                        H[jd + x, ld + y] += w * st * (pu[x] * qu[y] + u[x] * v[y])
        for x in range(d):
            H[jd + x, jd + x] += 0.5 * a[j] * a[j]
    N = n * d
    for x in range(N):
        for y in range(x + 1, N):
            h = 0.5 * (H[x, y] + H[y, x])
            H[x, y] = h
            H[y, x] = h
    return True


@numba.njit(cache=True, nogil=True)
def hessian_batch(W, a, Ws, a_star):
    """Hessians (B, n d, n d) of a batch W (B, n, d), a (B, n); NaN for a run with a zero or
    non-finite row."""
    B, n, d = W.shape
    H = np.empty((B, n * d, n * d))
    for r in range(B):
        hessian(W[r], a[r], Ws, a_star, H[r])
    return H
