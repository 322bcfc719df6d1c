"""Symmetric families of critical points of the census setting (teacher I_k, n = k students,
a = a* = 1): closed forms in (unknowns, k) over number kits, continuation in k, and interval
(arb) proofs that they are strict local minima. See docs/families.md."""
