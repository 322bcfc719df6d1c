"""Proofs that a descent endpoint is near a strict local minimum of J (docs/math.md section 9).

    interval -- arb enclosures of J, its gradient (Eqn 8) and its Hessian on a box of W
    proof -- Krawczyk's test and the eigenvalue lower bound: prove_minimum, prove_on_box
    certificate -- the certificate file: its format, its labels and its checker
"""
