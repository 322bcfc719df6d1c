"""Proofs that a descent endpoint is near a strict local minimum of J (docs/math.md section 10).

Enclosing J on a box of W
    interval -- arb enclosures of J, its gradient (Eqn 8) and its Hessian: box, enclose,
    LossEnclosure, NotEnclosable

Proving a minimum
    proof -- Krawczyk's test and the eigenvalue lower bound: prove_minimum (search a radius),
    prove_on_box (the arb part a re-check repeats), Proof, Preconditioner

The certificate file (``relucheck check-minimum``)
    certificate -- its format, building it (certificate, document) and the checker
    (check_shape, check_document, folder_problems, NotACertificate)
"""
