"""Interval proofs (python-flint's arb ball arithmetic; imported only under this package).

    conjecture1 -- Conjecture 1 (K = 2): the certified grid, the enclosures on boxes, the a -> 0
    and a -> pi pieces, the subdivision, and the certificate's format and checker
    minimum -- a descent endpoint is a strict local minimum: interval gradient and Hessian,
    Krawczyk and the eigenvalue bound, and the certificate's format and checker
"""
