"""Certified signs of L12 and L21 (K = 2, in the plane) on an (a, phi) grid, at memory speed:
L on each piece of a row as sum_k d_k(a) E_k(phi) with coefficients in longdouble carrying running
error bounds, an a-priori float64 bound per cell, and mpmath intervals for the cells the bound
does not settle. The representation and the derived bound are docs/proof-conjecture1.md,
section 12 (steps 1 to 3 below refer to it).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import numpy as np

LD = np.longdouble
U = 2.0**-53
U_LD = float(np.finfo(LD).eps) / 2
GAMMA4 = 4 * U / (1 - 4 * U)
_LIBM = 4 * U_LD  # 2 ulp of longdouble sinl/cosl, relative
_SAFETY = 1 + 2.0**-20
EPS_ABS = 1e-29
PI_LD = LD("3.14159265358979323846264338327950288419716939937510")
_PI_ERR = LD(U_LD) * PI_LD
SERIES_CUTOFF = 0.5
_SERIES_TERMS = 14

#: Pieces A, B, C, D: (k1/pi, s1, k/pi, sg, origin/pi, expected sign of L).
PIECES = ("A", "B", "C", "D")
_PIECE = ((1, 1, 1, -1, 0, 1), (1, 1, 1, 1, 0, -1), (-1, -1, 1, 1, 1, -1), (-1, -1, -1, -1, 1, -1))
#: Expected sign of L on each piece (Conjecture 1): + inside (A), - outside (B, C, D).
PIECE_SIGN = np.array([p[5] for p in _PIECE], dtype=float)
_MP_LOCK = threading.Lock()


class _RE:
    """A longdouble value with an absolute error bound (running error analysis).

    ``v`` is the longdouble value, ``e`` a float64 bound on its distance to the exact value and
    ``m`` = |v| rounded to float64. The bound's own arithmetic is float64: each term is within a
    relative 2^-40 of its exact value, which the final factor 1 + 2^-20 covers.
    """

    __slots__ = ("e", "m", "v")

    def __init__(self, v, e=None):
        self.v = np.asarray(v, dtype=LD)
        self.m = np.abs(self.v.astype(np.float64))
        self.e = np.zeros(self.v.shape) if e is None else np.asarray(e, dtype=np.float64)

    def __neg__(self) -> _RE:
        return _RE(-self.v, self.e)

    def __add__(self, o) -> _RE:
        o = _lift(o)
        out = _RE(self.v + o.v)
        out.e = self.e + o.e + U_LD * out.m
        return out

    __radd__ = __add__

    def __sub__(self, o) -> _RE:
        return self + (-_lift(o))

    def __rsub__(self, o) -> _RE:
        return _lift(o) + (-self)

    def __mul__(self, o) -> _RE:
        o = _lift(o)
        out = _RE(self.v * o.v)
        out.e = self.m * o.e + o.m * self.e + self.e * o.e + U_LD * out.m
        return out

    __rmul__ = __mul__

    def __truediv__(self, o) -> _RE:
        o = _lift(o)
        if np.any(o.e > 0.5 * o.m):
            raise ZeroDivisionError("divisor not bounded away from 0 by its error bound")
        out = _RE(self.v / o.v)
        out.e = (self.m * o.e + o.m * self.e) / (o.m * (o.m - o.e)) + U_LD * out.m
        return out

    def exact_scale(self, k) -> _RE:
        """Multiply by k in {-1, 0, 1} (arrays broadcast): exact."""
        k = np.asarray(k)
        return _RE(self.v * k.astype(LD), self.e * np.abs(k))

    def select(self, mask, other: _RE) -> _RE:
        return _RE(np.where(mask, self.v, other.v), np.where(mask, self.e, other.e))


def _lift(x) -> _RE:
    return x if isinstance(x, _RE) else _RE(x)


_PI = _RE(PI_LD, float(_PI_ERR))


def _sin(x: _RE) -> _RE:
    out = _RE(np.sin(x.v))
    out.e = x.e + _LIBM * out.m
    return out


def _cos(x: _RE) -> _RE:
    out = _RE(np.cos(x.v))
    out.e = x.e + _LIBM * out.m
    return out


def _series_coefficients(n: int) -> list:
    """2k / (2k+1)! for k = 1..n, correctly rounded to longdouble (decimal text via strtold)."""
    from mpmath import factorial, mp, mpf, nstr

    with mp.workdps(40):
        return [LD(nstr(mpf(2 * k) / factorial(2 * k + 1), 36)) for k in range(1, n + 1)]


_W_COEF = _series_coefficients(_SERIES_TERMS + 1)


def _w(x: _RE) -> _RE:
    """w(x) = sin x - x cos x with a bound: series below SERIES_CUTOFF, direct above.

    Series: w = sum_{k>=1} (-1)^(k+1) 2k x^(2k+1)/(2k+1)!, terms decreasing for |x| < 1/2, so the
    truncation error is below the first omitted term. Term k carries at most 2k + 3 roundings
    (x^(2k+1): 2k + 1, the constant: 1, the product: 1), counted as 2k + 4 to cover second
    order; the recursive sum adds at most N u_L sum |terms|. An input error e_x propagates through
    |w'(y)| = |y sin y| <= (|x| + e_x)^2.
    """
    small = x.m < SERIES_CUTOFF
    xs = np.where(small, x.v, LD(0))
    x2 = xs * xs
    power = xs * x2
    total = np.zeros_like(xs)
    abs_terms = np.zeros(xs.shape)
    rounding = np.zeros(xs.shape)
    for k in range(1, _SERIES_TERMS + 1):
        term = power * _W_COEF[k - 1]
        total = total + term if k % 2 else total - term
        t = np.abs(term.astype(np.float64))
        abs_terms += t
        rounding += (2 * k + 4) * U_LD * t
        power = power * x2
    tail = np.abs((power * _W_COEF[_SERIES_TERMS]).astype(np.float64)) * (1 + 2.0**-40)
    lip = (np.where(small, x.m, 0.0) + x.e) ** 2
    series = _RE(total, rounding + _SERIES_TERMS * U_LD * abs_terms + tail + lip * x.e)
    direct = _sin(x) - x * _cos(x)
    return series.select(small, direct)


# --------------------------------------------------------------------------- coefficients


@dataclass(frozen=True)
class RowCoefficients:
    """Per-row coefficients of S = sign * L in the E basis.

    coef[r, f, p, k]: d^_k as float64 for function f (0: L12, 1: L21) on piece p (A..D), already
    multiplied by the piece's expected sign; delta[r, f, p, k] bounds |d^_k - d_k| (step 1 of the
    derivation).
    """

    a: np.ndarray
    coef: np.ndarray
    delta: np.ndarray


def _to_float(x: _RE) -> tuple[np.ndarray, np.ndarray]:
    """Round a bounded longdouble to float64: value and bound on |float - exact|."""
    v = x.v.astype(np.float64)
    return v, x.e + U * np.abs(v)


def row_coefficients(a: np.ndarray) -> RowCoefficients:
    """The d_k(a) of every piece for both functions, with their error bounds (vectorised in a).

    a must lie in (0, pi) (then D > 0 and every piece is well defined).
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    if a.size and not (np.all(a > 0) and np.all(a < np.pi)):
        raise ValueError("a: expected values in (0, pi)")
    A = _RE(a[:, None])
    s, c = _sin(A), _cos(A)
    sh = _sin(_RE(a[:, None].astype(LD) / 2))  # a/2 is exact
    pmh = (_PI * 2) * (sh * sh) - _w(A)  # pi - H, no cancellation
    H = _PI - pmh
    q = ((_PI - A) * (s * s)) / (pmh * (_PI + H))
    qH, qpi, s2 = q * H, q * _PI, s * s
    ac, as_ = A * c, A * s
    # Piece parameters as (4,) arrays: pi - t1 = k1 - s1 phi with k1 = pi s1, and
    # pi - t2 = k - sg (phi - a); the expansions below use them as exact +-1 factors.
    _, S1, KS, SG, ORIGIN, SIGN = np.array(_PIECE, dtype=float).T
    K1, KA = _PI.exact_scale(S1), _PI.exact_scale(KS)
    kac, kas = KA * c, KA * s
    # Basis (cos phi, sin phi, phi cos phi, phi sin phi), (R, 4 pieces) each.
    c12 = (qH * K1 - qpi * (kac + (ac - s).exact_scale(SG)),
           s * K1 + qH.exact_scale(S1) - qpi * (kas + (as_ + c).exact_scale(SG)),
           -qH.exact_scale(S1) + (qpi * c).exact_scale(SG),
           -s.exact_scale(S1) + (qpi * s).exact_scale(SG))
    c21 = (s2 * (KA + A.exact_scale(SG)) - qpi * K1 + qH * (kac + (ac - s).exact_scale(SG)),
           -(s * (kac + ac.exact_scale(SG))) - qpi.exact_scale(S1)
           + qH * (kas + (as_ + c).exact_scale(SG)),
           -s2.exact_scale(SG) + qpi.exact_scale(S1) - (qH * c).exact_scale(SG),
           (s * c).exact_scale(SG) - (qH * s).exact_scale(SG))
    out = np.empty((a.size, 2, 4, 4))
    err = np.empty_like(out)
    for f, cc in enumerate((c12, c21)):
        # To the E basis with origin o: phi cos = (sin - E3) + o cos, phi sin = E2 + o sin.
        d = (cc[0] + (_PI * cc[2]).exact_scale(ORIGIN),
             cc[1] + cc[2] + (_PI * cc[3]).exact_scale(ORIGIN), cc[3], -cc[2])
        for kk, dk in enumerate(d):
            out[:, f, :, kk], err[:, f, :, kk] = _to_float(dk.exact_scale(SIGN))
    # Piece A, k = 0: identically zero (both L vanish at phi = 0, where only E0 is nonzero).
    out[:, :, 0, 0], err[:, :, 0, 0] = 0.0, 0.0
    return RowCoefficients(a, out, err)


# --------------------------------------------------------------------------- phi basis


def _basis_ld(phi: np.ndarray) -> tuple[list[_RE], np.ndarray]:
    """E_0..E_3 at phi in [0, 2 pi) with bounds, and the mask phi > pi (origin pi)."""
    phi = np.asarray(phi, dtype=np.float64)
    upper = phi > np.pi  # exact: fl(pi) is the largest double below pi
    P = _RE(phi)
    sp, cp = _sin(P), _cos(P)
    x = P.select(~upper, P - _PI)
    E2 = x * sp
    wx = _w(x)
    E3 = wx.select(~upper, -wx)  # origin pi: sin phi - x cos phi = -(sin x - x cos x)
    return [cp, sp, E2, E3], upper


def basis_values(phi: np.ndarray, chunk: int = 1 << 15) -> tuple[np.ndarray, np.ndarray]:
    """(E^, beta): float64 basis values (4, n) and their error bounds (step 2 of the bound),
    computed ``chunk`` points at a time (the longdouble temporaries stay small)."""
    phi = np.asarray(phi, dtype=np.float64)
    E = np.empty((4, phi.size))
    beta = np.empty((4, phi.size))
    for lo in range(0, phi.size, chunk):
        Es, _ = _basis_ld(phi[lo:lo + chunk])
        for k, Ek in enumerate(Es):
            E[k, lo:lo + chunk], beta[k, lo:lo + chunk] = _to_float(Ek)
    return E, beta


@dataclass(frozen=True)
class RowLayout:
    """Column boundaries of the pieces in each row: A = [0, jA), B = [jA, j_pi),
    C = [j_pi, jD), D = [jD, n); eqA marks rows where phi[jA] == a exactly (a boundary cell)."""

    jA: np.ndarray
    eqA: np.ndarray
    jD: np.ndarray


def _blas_is_shape_independent() -> bool:
    """Whether BLAS's (M x 4) @ (4 x N) gives every element the same bits whatever the shape and
    the position of the block (M >= 2, N >= 2), probed on fixed data.

    OpenBLAS forms each element as one fixed FMA chain over k = 0..3 for every such shape (N = 1
    takes the GEMV path and is avoided); if a BLAS does not, the elementwise path is used, whose
    order of operations is fixed by construction.
    """
    i = np.arange(9)[:, None]
    A = np.sin(7.0 * i + 3.0 * np.arange(4)) * 10.0 ** (i % 5 - 2.0)
    j = np.arange(67)[None, :]
    B = np.cos(5.0 * np.arange(4)[:, None] + 0.37 * j) * np.array([[1.0], [1.0], [6.0], [3.0]])
    ref = A @ B
    for M in (2, 3, 5, 9):
        for N in (2, 3, 17, 64, 67):
            for i0, j0 in ((0, 0), (9 - M, 67 - N), ((9 - M) // 2, (67 - N) // 3)):
                out = np.empty((M, N + 5))
                np.matmul(A[i0:i0 + M], B[:, j0:j0 + N], out=out[:, 2:N + 2])
                if not np.array_equal(out[:, 2:N + 2], ref[i0:i0 + M, j0:j0 + N]):
                    return False
    return True


_BLAS_OK: list[bool] = []


def blas_is_shape_independent() -> bool:
    """Cached :func:`_blas_is_shape_independent`."""
    if not _BLAS_OK:
        _BLAS_OK.append(_blas_is_shape_independent())
    return _BLAS_OK[0]


class PhiGrid:
    """The phi grid with everything that depends on phi only: basis values, their bounds, and
    the prefix/suffix maxima that give per-row, per-piece bounds in O(1).

    ``use_blas``: combine the basis by matrix products (about 3 times faster) when BLAS is
    shape independent (:func:`blas_is_shape_independent`), else by fixed-order elementwise
    operations. Either way a cell's value does not depend on the block it is computed in, and the
    bound holds (gamma_4 covers any order of the four products, with or without FMA).
    """

    def __init__(self, phi: np.ndarray, use_blas: bool | None = None) -> None:
        phi = np.asarray(phi, dtype=np.float64)
        if phi.ndim != 1 or phi.size < 2 or phi[0] != 0.0 or np.any(np.diff(phi) <= 0) \
                or phi[-1] >= 2 * np.pi:
            raise ValueError("phi: expected an increasing grid starting at 0, below 2 pi")
        self.phi = phi
        self.n = phi.size
        self.E, self.beta = basis_values(phi)
        self.j_pi = int(np.searchsorted(phi, np.pi, side="right"))
        self._pre = np.empty((2, 4, self.n))
        self._suf = np.empty((2, 4, self.n))
        for i, arr in enumerate((np.abs(self.E), self.beta)):
            for lo, hi in ((0, self.j_pi), (self.j_pi, self.n)):
                seg = arr[:, lo:hi]
                self._pre[i, :, lo:hi] = np.maximum.accumulate(seg, axis=1)
                self._suf[i, :, lo:hi] = np.maximum.accumulate(seg[:, ::-1], axis=1)[:, ::-1]
        self._local = threading.local()
        self.use_blas = blas_is_shape_independent() if use_blas is None else bool(use_blas)

    def __getstate__(self) -> dict:
        """Pickled without the per-thread buffers (a cluster worker makes its own)."""
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def layout(self, a: np.ndarray) -> RowLayout:
        a = np.asarray(a, dtype=np.float64)
        jA = np.searchsorted(self.phi, a, side="left")
        eqA = (jA < self.n) & (self.phi[np.minimum(jA, self.n - 1)] == a)
        jD = np.maximum(np.searchsorted(self.phi, a + np.pi, side="right"), self.j_pi)
        return RowLayout(jA, eqA, jD)

    def piece_maxima(self, lay: RowLayout) -> np.ndarray:
        """(R, 4 pieces, 2 [|E|, beta], 4 k) maxima over each piece's columns (0 if empty)."""
        R = lay.jA.size
        out = np.zeros((R, 4, 2, 4))
        n, jp = self.n, self.j_pi
        ranges = ((np.zeros(R, int), lay.jA), (lay.jA, np.full(R, jp)),
                  (np.full(R, jp), lay.jD), (lay.jD, np.full(R, n)))
        for p, (lo, hi) in enumerate(ranges):
            ok = hi > lo
            # A and C end a section's prefix; B and D start a section's suffix.
            if p in (0, 2):
                idx = np.where(ok, hi - 1, 0)
                vals = self._pre[:, :, idx]
            else:
                idx = np.where(ok, lo, 0)
                vals = self._suf[:, :, idx]
            out[:, p] = np.where(ok[:, None, None], np.moveaxis(vals, -1, 0), 0.0)
        return out

    def bounds(self, rc: RowCoefficients, lay: RowLayout) -> np.ndarray:
        """Per-row, per-function, per-piece bound on |S~ - S| (R, 2, 4) (step 3 of the bound)."""
        mx = self.piece_maxima(lay)[:, None]  # (R, 1, 4, 2, 4)
        M, B = mx[..., 0, :], mx[..., 1, :]
        d, dl = np.abs(rc.coef), rc.delta
        b = np.sum(d * (GAMMA4 * M + B) + dl * (M + B), axis=-1)
        return b * _SAFETY + EPS_ABS

    def _buffer(self, name: str, size: int) -> np.ndarray:
        """A per-thread scratch array of at least ``size`` doubles, reused across calls."""
        buf = getattr(self._local, name, None)
        if buf is None or buf.size < size:
            buf = np.empty(size)
            setattr(self._local, name, buf)
        return buf

    def evaluate(self, rc: RowCoefficients, lay: RowLayout, c0: int, c1: int) -> np.ndarray:
        """S~ of L12 and L21 for the rows of ``rc`` and columns [c0, c1): an (R, 2, c1 - c0) view
        of a per-thread buffer, valid until the same thread calls again.

        Both functions of a row share the basis, so they are evaluated as 2R rows at once. Columns
        where every row of the block is on the same piece are one broadcast combination; the
        narrow strips where rows differ (phi near a and a + pi) are evaluated with both pieces
        and merged by a mask.
        """
        R, w = rc.a.size, c1 - c0
        out = self._buffer("out", 2 * R * w)[:2 * R * w].reshape(R, 2, w)
        flat = out.reshape(2 * R, w)
        tmp = None if self.use_blas else self._buffer("tmp", 2 * R * w)[:2 * R * w].reshape(
            2 * R, w)
        coef = rc.coef.reshape(2 * R, 4, 4)  # rows (r, f) r-major
        jA, jD, jp = lay.jA, lay.jD, self.j_pi
        a_lo, a_hi, d_lo, d_hi = int(jA.min()), int(jA.max()), int(jD.min()), int(jD.max())
        for lo, hi, p in ((0, a_lo, 0), (a_hi, jp, 1), (jp, d_lo, 2), (d_hi, self.n, 3)):
            lo, hi = max(lo, c0), min(hi, c1)
            if hi > lo:
                self._region(flat[:, lo - c0:hi - c0], coef[:, p], lo, hi,
                             None if tmp is None else tmp[:, :hi - lo])
        for lo, hi, edge, p_left, p_right in ((a_lo, a_hi, jA, 0, 1), (d_lo, d_hi, jD, 2, 3)):
            lo, hi = max(lo, c0), min(hi, c1)
            if hi <= lo:
                continue
            m = hi - lo
            dst = out[:, :, lo - c0:hi - c0]
            t = None if tmp is None else tmp[:, :m]
            self._region(flat[:, lo - c0:hi - c0], coef[:, p_left], lo, hi, t)
            other = self._buffer("alt", 2 * R * m)[:2 * R * m].reshape(2 * R, m)  # views
            self._region(other, coef[:, p_right], lo, hi, t)
            right = (np.arange(lo, hi)[None, :] >= edge[:, None])[:, None, :]
            np.copyto(dst, other.reshape(R, 2, m), where=right)
        return out

    def _region(self, dst, coef, lo, hi, tmp) -> None:
        """dst = sum_k coef[:, k] E_k on columns [lo, hi) (2R >= 2 rows)."""
        if not self.use_blas:
            self._combine(dst, coef, lo, hi, tmp)
        elif hi - lo >= 2:
            # Column tiles small enough (M N K < 2^18) that OpenBLAS stays single-threaded: the
            # sweep's own threads use the cores, and a tile stays in cache. A last tile of one
            # column is merged into the previous one (one column takes the GEMV path).
            tile = max(2, (1 << 16) // coef.shape[0])
            edges = list(range(lo, hi, tile)) + [hi]
            if edges[-1] - edges[-2] == 1 and len(edges) > 2:
                del edges[-2]
            for t0, t1 in itertools.pairwise(edges):
                np.matmul(coef, self.E[:, t0:t1], out=dst[:, t0 - lo:t1 - lo])
        else:  # one column would take BLAS's GEMV path: compute two, keep one
            j0 = lo if lo + 2 <= self.n else lo - 1
            pair = coef @ self.E[:, j0:j0 + 2]
            dst[:, 0] = pair[:, lo - j0]

    def _combine(self, dst, coef, lo, hi, tmp) -> None:
        """dst = ((c0 E0 + c1 E1) + c2 E2) + c3 E3 on columns [lo, hi), in this fixed order."""
        E = self.E
        np.multiply(coef[:, 0:1], E[0, lo:hi], out=dst)
        for k in (1, 2, 3):
            np.multiply(coef[:, k:k + 1], E[k, lo:hi], out=tmp)
            np.add(dst, tmp, out=dst)


# --------------------------------------------------------------------------- point evaluation


def evaluate_points(a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray, np.ndarray]:
    """L12, L21 and their bounds at arbitrary points (broadcast), with the grid kernel's
    arithmetic: the same coefficients, basis values and order of operations (so a grid cell gets
    the same float64 value bit for bit), with the bound of step 3 taken at the
    point itself (M_k = |E^_k(phi)|).

    a in (0, pi); phi in [0, 2 pi). Returns (L12, L21, bound12, bound21).
    """
    a, phi = np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                                 np.asarray(phi, dtype=np.float64))
    shape = a.shape
    out = evaluate_at(row_coefficients(a.ravel()), phi.ravel())
    return tuple(x.reshape(shape) for x in out)


def evaluate_at(rc: RowCoefficients, phi: np.ndarray,
                rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                          np.ndarray]:
    """:func:`evaluate_points` from precomputed coefficients: point i is (rc.a[rows[i]], phi[i])
    (rows defaults to every row once, phi then has one value per row)."""
    if rows is not None:
        rc = RowCoefficients(rc.a[rows], rc.coef[rows], rc.delta[rows])
    a = rc.a
    phi = np.asarray(phi, dtype=np.float64)
    if phi.size and (phi.min() < 0 or phi.max() > 2 * np.pi):  # fl(2 pi) < 2 pi is allowed
        raise ValueError("phi: expected values in [0, 2 pi)")
    E, beta = basis_values(phi)
    piece = np.where(phi < a, 0, np.where(phi <= np.pi, 1, np.where(phi <= a + np.pi, 2, 3)))
    idx = np.arange(a.size)
    coef = rc.coef[idx, :, piece]  # (n, 2, 4)
    delta = rc.delta[idx, :, piece]
    M, B = np.abs(E).T[:, None, :], beta.T[:, None, :]
    terms = coef * E.T[:, None, :]
    S = ((terms[..., 0] + terms[..., 1]) + terms[..., 2]) + terms[..., 3]
    bound = np.sum(np.abs(coef) * (GAMMA4 * M + B) + delta * (M + B), axis=-1) * _SAFETY + EPS_ABS
    L = S * PIECE_SIGN[piece][:, None]
    return L[:, 0], L[:, 1], bound[:, 0], bound[:, 1]


def lipschitz_phi(a: np.ndarray) -> np.ndarray:
    """An upper bound on |dL/dphi| over all phi for L12 and L21 at each a: (n, 2).

    |E0'|, |E1'| <= 1, |E2'| = |sin phi + x cos phi| <= 1 + pi, |E3'| = |x sin phi| <= pi
    (x in [0, pi]); L is continuous across pieces, so the largest piece constant bounds it.
    """
    rc = row_coefficients(np.atleast_1d(a))
    d = np.abs(rc.coef) + rc.delta
    lk = np.array([1.0, 1.0, 1.0 + np.pi, np.pi])
    return (np.sum(d * lk, axis=-1).max(axis=-1)) * (1 + 1e-12)


# --------------------------------------------------------------------------- certification


@dataclass(frozen=True)
class Certified:
    """Rigorous enclosures of L12 and L21 at one point (mpmath interval arithmetic).

    ``signs[f]`` is +1 or -1 when the enclosure of function f excludes 0, else 0 (unsettled);
    ``L12``, ``L21`` are decimal texts (lo, hi) that still enclose the value (rounded outward).
    """

    a: float
    phi: float
    L12: tuple[str, str]
    L21: tuple[str, str]
    signs: tuple[int, int]
    prec: int

    def midpoint(self, f: int) -> float:
        lo, hi = self.L12 if f == 0 else self.L21
        return 0.5 * (float(lo) + float(hi))


def certify(a: float, phi: float, *, which: tuple[int, ...] = (0, 1), prec: int = 80,
            max_prec: int = 8192) -> Certified:
    """Enclose L12(a, phi) and L21(a, phi) rigorously, doubling the precision until every
    function in ``which`` has a sign (or ``max_prec`` bits are exceeded).

    The inputs are the exact float64 values; the formula is the reduced Eqn 14 of
    relucheck.theory.critical with the folded angles t = pi - |pi - (angle mod 2 pi)|, so no
    piece test is needed beyond phi < a (an exact float comparison). Not for boundary cells
    (phi = 0 or phi = a), where L = 0 and no enclosure excludes 0.
    """
    a, phi = float(a), float(phi)
    while True:
        with _MP_LOCK:  # mpmath's working precision is global state
            cert = _enclose(a, phi, prec)
        if all(cert.signs[f] != 0 for f in which) or prec >= max_prec:
            return cert
        prec *= 2


def _enclose(a: float, phi: float, prec: int) -> Certified:
    from mpmath import iv, mp, nstr

    saved = iv.prec
    iv.prec = prec
    try:
        A, P, pi = iv.mpf(a), iv.mpf(phi), iv.pi

        def h(t):
            return (pi - t) * iv.cos(t) + iv.sin(t)

        t1 = pi - abs(pi - P)  # phi in [0, 2 pi)
        d = P - A
        t2 = (A - P) if phi < a else pi - abs(pi - d)  # else phi - a in [0, 2 pi)
        s = iv.sin(A)
        H = h(A)
        K = (pi - A) * s / (pi * pi - H * H)
        h1, h2 = h(t1), h(t2)
        L12 = s * ((pi - t1) * iv.sin(P) - K * (pi * h2 - H * h1))
        L21 = s * (-(pi - t2) * iv.sin(d) - K * (pi * h1 - H * h2))
        # Endpoints are exact binary numbers: compare them, then print them for the report,
        # widened by more than the decimal rounding so the text still encloses L.
        signs = tuple(1 if x.a > 0 else (-1 if x.b < 0 else 0) for x in (L12, L21))
        digits = int(prec * 0.30103) + 3
        with mp.workprec(prec + 40):
            widen = mp.mpf(10) ** (2 - digits)
            text = []
            for x in (L12, L21):
                lo, hi = mp.mpf(x.a), mp.mpf(x.b)
                text.append((nstr(lo - abs(lo) * widen, digits),
                             nstr(hi + abs(hi) * widen, digits)))
    finally:
        iv.prec = saved
    return Certified(a, phi, text[0], text[1], signs, prec)
