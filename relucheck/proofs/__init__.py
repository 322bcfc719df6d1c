"""Interval proofs in python-flint's arb ball arithmetic (flint is imported only under this
package, and only when a proof or a check runs).

Is python-flint there?
    flint_available, require_flint, FLINT_HINT -- whether the proofs can run, and the install
    hint when they cannot

Working precision and parallel maps
    set_precision, precision -- arb's working precision (bits), globally or for a block
    pool_map -- [fn(item) for item in items] at a precision, in processes or on a dask cluster

The proofs
    conjecture1 -- Conjecture 1 (K = 2): the certified grid, the enclosures on boxes, the a -> 0
    and a -> pi pieces, the subdivision, and the certificate's format and checker
    minimum -- a descent endpoint is a strict local minimum: interval gradient and Hessian,
    Krawczyk and the eigenvalue bound, and the certificate's format and checker
    families -- the symmetric families of spurious minima (types A and II) for every k: closed
    forms on the fixed-point space, isotypic Hessian blocks, continuation in k, proofs, births
"""

from relucheck._lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "flint_available": "_arb", "require_flint": "_arb", "FLINT_HINT": "_arb",
    "set_precision": "_arb", "precision": "_arb", "pool_map": "_arb",
})
