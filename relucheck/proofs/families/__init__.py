"""Symmetric families of critical points of the census setting (teacher I_k, n = k students,
a = a* = 1): closed forms in (unknowns, k) over number kits, continuation in k, and interval
(arb) proofs that they are strict local minima. See docs/families.md."""

from relucheck.proofs._arb import require_flint

# every module of this package needs arb: without python-flint, the one install hint
require_flint()
