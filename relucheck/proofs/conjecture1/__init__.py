"""Conjecture 1 (K = 2, in the plane): the signs of L12 and L21, certified on a grid and proved.

On a grid (float64 with a derived error bound, no python-flint)
    grid -- the certified sweep of an (a, phi) grid (Figure 10): evaluate_points, PhiGrid,
    certify (mpmath intervals for the cells the bound does not settle)

On every box (arb balls; docs/proof-conjecture1.md)
    interval -- enclosures of G and dG/dphi on (a, x) boxes away from a = 0, and the corner
    a = pi (Lemma P): enclose, corner_enclose, PairEnclosure
    small_a -- enclosures on boxes containing a = 0 (rescaled F = G / a^k, Lemmas Z1, Z2, T)
    subdivision -- the property each box needs, adaptive bisection and the parallel proof:
    Box, Leaf, classify, subdivide, prove, iter_roots

The certificate (``relucheck check-certificate``)
    certificate -- its columns, the a range it proves (coverage, covers) and the checker
    (check_certificate, check_tiling)
    A_ZERO_MAX -- the widest a -> 0 end piece the prover and the checker accept
"""

#: The widest a -> 0 end piece accepted: its Taylor models in a are expanded at a = 0, and
#: measured they certify quickly up to a = 0.3 (at 0.6 the bisection stalls). Defined here,
#: not in small_a, so that the command line reads it without loading python-flint.
A_ZERO_MAX = 0.3
