"""Small exact/interval helpers on python-flint ``arb``: LDL^T positivity, exact decimal
rounding of ball endpoints, Krawczyk's operator. Nothing here uses floating-point linear
algebra: every verdict is decided by arb balls (and exact rationals)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

from relucheck.proofs._arb import arb, arb_mat


def exact_fraction(x) -> Fraction:
    """The exact value of an exact arb (radius 0, e.g. x.mid() or x.rad()) as a Fraction."""
    if not x.is_exact():
        raise ValueError("exact_fraction needs an exact arb (radius 0)")
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2**e) if e >= 0 else Fraction(m, 2**(-e))


def endpoints(ball) -> tuple[Fraction, Fraction]:
    """The exact rational endpoints mid - rad, mid + rad of a ball (ball.lower() and
    ball.upper() are themselves rounded to the working precision: not used)."""
    mid = exact_fraction(ball.mid())
    rad = exact_fraction(ball.rad())
    return mid - rad, mid + rad


def _round(fr: Fraction, digits: int, rounding) -> str:
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = rounding
        num = Decimal(fr.numerator)
        den = Decimal(fr.denominator)
        ctx.prec = digits
        return str(+(num / den))


def outward_decimals(ball, digits: int = 12) -> tuple[str, str]:
    """Short decimals lo <= every point of the ball <= hi (outward rounding)."""
    # division in Decimal rounds with the context's rounding, so floor/ceiling are honest
    lo, hi = endpoints(ball)
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = ROUND_FLOOR
        s_lo = str(Decimal(lo.numerator) / Decimal(lo.denominator))
        ctx.rounding = ROUND_CEILING
        s_hi = str(Decimal(hi.numerator) / Decimal(hi.denominator))
    return s_lo, s_hi


def round_down_decimal(x: float, digits: int = 3) -> str:
    """A short decimal <= x (x a float, exactly converted)."""
    return _round(Fraction(x), digits, ROUND_FLOOR)


def ldl_positive(M) -> tuple[bool, list]:
    """LDL^T of a symmetric arb matrix (list of lists; only the lower triangle is read).
    True when every pivot is provably > 0: then every symmetric matrix in the ball matrix is
    positive definite (the interval elimination encloses each member's pivots)."""
    n = len(M)
    L = [[None] * n for _ in range(n)]
    d = []
    for i in range(n):
        s = M[i][i]
        for m in range(i):
            s = s - L[i][m] * L[i][m] * d[m]
        if not s > 0:
            return False, [*d, s]
        d.append(s)
        for j in range(i + 1, n):
            t = M[j][i]
            for m in range(i):
                t = t - L[j][m] * L[i][m] * d[m]
            L[j][i] = t / s
    return True, d


def normalised(B, Gamma):
    """D^{-1/2} B D^{-1/2} with D = diag(Gamma) (Gamma diagonal: checked)."""
    n = len(B)
    for p in range(n):
        for q in range(n):
            if p != q and not (Gamma[p][q] == 0):
                raise ValueError("Gram matrix not diagonal")
    r = [1 / Gamma[p][p].sqrt() for p in range(n)]
    return [[B[p][q] * r[p] * r[q] for q in range(n)] for p in range(n)]


def krawczyk(center, radius, g_center, jac_box):
    """Krawczyk's test on the box X = center +- radius (exact floats).

    K(X) = x - Y g(x) + (I - Y J(X)) (X - x), Y = the midpoint inverse of mid J(X) (any
    matrix is sound). If K(X) lies in the interior of X, X holds exactly one zero of g.
    Returns (ok, K as a list of balls, the slack min_p (radius_p - |K_p - x_p|)/radius_p).
    """
    n = len(center)
    Jm = arb_mat(n, n, [jac_box[p][q].mid() for p in range(n) for q in range(n)])
    Y = Jm.inv()
    Y = arb_mat(n, n, [Y[p, q].mid() for p in range(n) for q in range(n)])
    J = arb_mat(n, n, [jac_box[p][q] for p in range(n) for q in range(n)])
    g = arb_mat(n, 1, list(g_center))
    D = arb_mat(n, 1, [arb(0, r) for r in radius])
    eye = arb_mat(n, n, [1 if p == q else 0 for p in range(n) for q in range(n)])
    Kd = -(Y * g) + (eye - Y * J) * D  # K(X) - x
    ok = True
    slack = 1.0
    for p in range(n):
        dev = Kd[p, 0].abs_upper()
        if not dev < radius[p]:
            ok = False
        slack = min(slack, 1.0 - float(dev.mid()) / radius[p])
    return ok, [arb(center[p]) + Kd[p, 0] for p in range(n)], slack
