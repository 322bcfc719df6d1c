"""Conjecture 1 (K = 2, in the plane): the signs of L12 and L21, certified and proved.

    grid -- the certified float64 sweep of an (a, phi) grid (Figure 10)
    interval -- arb enclosures of the functions on (a, x) boxes, away from a = 0
    small_a -- enclosures on boxes containing a = 0 (rescaled functions)
    subdivision -- adaptive subdivision proving every box's sign, and the tiling check
"""
