"""Number kits: one closed form, three arithmetics (float64, mpmath, python-flint ``arb``).

Every closed form in this package is written once against a kit ``K`` providing ``K.num``
(convert an exact Python int/float), ``K.pi``, ``K.sqrt``, ``K.acos``, ``K.sin``, ``K.cos`` and
``K.div_s``; arithmetic is the numbers' own ``+ - * /``.

Guards (docs/math.md section 8):
- ``sqrt`` is the square root of max(x, 0) (rounding may push 1 - c^2 below 0);
- ``acos`` takes its argument clipped to [-1, 1] (in arb: the ball intersected with [-1, 1]);
- ``div_s(num, s, bound)`` is num / s for the Hessian's p p^T / sin t terms. Where sin t = 0
  (parallel or antiparallel rows) their limit is 0; in arb, when s is not provably positive the
  result is the ball [-bound, bound], valid because |num| <= bound (|p| = |q| = sin t, so
  |(d.p)(d'.p)| / s <= |d| |d'| s). ``bound`` is a callable, evaluated only then.
"""

from __future__ import annotations

import math

import mpmath

from relucheck.proofs._arb import arb


class FloatKit:
    """IEEE double arithmetic through the math module (scalars)."""

    name = "float"
    pi = math.pi

    @staticmethod
    def num(x):
        return float(x)

    @staticmethod
    def sqrt(x):
        return math.sqrt(x) if x > 0.0 else 0.0

    @staticmethod
    def acos(x):
        return math.acos(min(1.0, max(-1.0, x)))

    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)

    @staticmethod
    def div_s(num, s, bound):
        return num / s if s != 0.0 else 0.0


class MpKit:
    """mpmath at the working precision of ``mpmath.mp`` (set ``mp.dps`` around the call)."""

    name = "mpmath"

    @property
    def pi(self):
        return +mpmath.pi

    @staticmethod
    def num(x):
        return mpmath.mpf(x)

    @staticmethod
    def sqrt(x):
        return mpmath.sqrt(x) if x > 0 else mpmath.mpf(0)

    @staticmethod
    def acos(x):
        return mpmath.acos(min(mpmath.mpf(1), max(mpmath.mpf(-1), x)))

    sin = staticmethod(mpmath.sin)
    cos = staticmethod(mpmath.cos)

    @staticmethod
    def div_s(num, s, bound):
        return num / s if s != 0 else mpmath.mpf(0)


def _clip_unit(c):
    """The ball c intersected with [-1, 1] (an enclosure of clip(x, -1, 1) for x in c)."""
    lo, hi = c.lower(), c.upper()
    if lo >= -1 and hi <= 1:
        return c
    lo = arb(-1) if lo < -1 else lo
    hi = arb(1) if hi > 1 else hi
    if lo > 1 or hi < -1:
        return arb("nan")
    return lo.union(hi)


class ArbKit:
    """python-flint ``arb`` balls at the context precision (``ctx.prec``)."""

    name = "arb"

    @property
    def pi(self):
        return arb.pi()

    @staticmethod
    def num(x):
        # ints and floats convert exactly (a float is a dyadic rational)
        return arb(x)

    @staticmethod
    def sqrt(x):
        if x > 0:
            return x.sqrt()
        hi = x.upper()
        if hi < 0:
            return arb(0)
        return arb(0).union(hi.sqrt())

    @staticmethod
    def acos(x):
        return _clip_unit(x).acos()

    @staticmethod
    def sin(x):
        return x.sin()

    @staticmethod
    def cos(x):
        return x.cos()

    @staticmethod
    def div_s(num, s, bound):
        if s > 0:
            return num / s
        return arb(0, bound().abs_upper())


FLOAT = FloatKit()
MP = MpKit()
ARB = ArbKit()
