"""What "reproduced" means for every column of every CSV that ``relucheck all`` writes: one rule
per column, each with the reason for its size, applied by :mod:`relucheck.output.compare`.

Why the rules are exact, relative 1e-9, a recorded bound, intersecting intervals or ignored, and
how the non-isolated minima of n > k are compared (:class:`FlatMinima`): docs/reproducibility.md,
"The tables: what reproduced means, column by column".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.output.compare import (
    Close,
    Exact,
    Floats,
    Ignore,
    Overlap,
    Pair,
    RowFn,
    Rule,
    SameSign,
    Where,
)
from relucheck.theory.gradient import population_loss

# -- shared reasons ---------------------------------------------------------------------------

PARAM = Exact("a parameter of the run or a coordinate of its design grid, not computed")
LABEL = Exact("a label or index of the row, chosen by the code, not computed")
COUNT = Exact("a count of decisions each made with margin (a flip needs a value within "
              "rounding of its threshold)")
CLASS = Exact("a class decided by the analytic Hessian's signs against thresholds with margin")
CERTIFIED = Exact("decided by a certified computation (interval arithmetic): rounding of the "
                  "float code cannot change it")
SHARE = Exact("a ratio of two exact counts: one correctly rounded division")
ITERS = Exact("an iteration count of a contracting descent: its stopping test flips only if "
              "the tested value lies within rounding of the threshold")
WALL = Ignore("a wall time: depends on the machine and its load")
SUMS = Close("a deterministic float reduction; a reordered sum of n <= 1e7 terms moves by "
             "<= n u ~ 1e-9 of its terms (measured 1e-14 under another BLAS)", rtol=1e-9)
LIBM = Close("a closed-form function of exact inputs; libm or scipy special functions of "
             "another build differ by a few ulp", rtol=1e-12)
#: O(1) coordinates after a descent of <= 10^4 steps: per-step rounding ~1e-16 summed over the
#: steps is <= 1e-12, with 100x room for amplification near the saddle.
PATH = Close("an O(1) coordinate after <= 10^4 descent steps: rounding ~1e-16 per step, summed "
             "<= 1e-12, 100x room for growth near a saddle", atol=1e-10)
#: The loss near a minimum is a sum of O((n + k)^2) kernel terms of size |W|^2 <= 20 that cancel
#: to the minimum value: its rounding is ~ 400 * 20 * u ~ 1e-12.
LOSS = Close("a loss that cancels to its minimum: rounding (n+k)^2 |W|^2 u <= 1e-12 absolute, "
             "1e-9 relative above", rtol=1e-9, atol=1e-12)
RESIDUAL = Close("a gradient norm at a critical point: rounding noise of the O(1) gradient's "
                 "terms (~1e-16..1e-10); compared to 1e-9 absolute", rtol=1e-9, atol=1e-9)


def _col(name: str) -> RowFn:
    """Per-row bound: the sum of the committed and the fresh values of column ``name`` (each run
    is within its own bound of the exact value, so the two are within the sum)."""
    def bound(pair: Pair) -> np.ndarray:
        c, f = pair.both(name)
        return np.abs(c) + np.abs(f)
    return bound


def within(name: str, why: str, rtol: float = 1e-9) -> Close:
    """Within the sum of the two runs' recorded bounds ``name`` (or ``rtol`` relative)."""
    return Close(why, rtol=rtol, bound=_col(name), bound_text=f"sum of both {name}")


def non_isolated(pair: Pair) -> np.ndarray:
    """Rows at a global minimum of an over-parameterised student (n > k): not isolated."""
    k, n = pair.num("k"), pair.num("n")
    cls = pair.committed["class"] if "class" in pair.committed else None
    at_teacher = np.ones(k.size, bool) if cls is None else cls == "teacher"
    return (n > k) & at_teacher


EIGEN = Close("an eigenvalue of the analytic Hessian at a polished minimum: its recorded error "
              "bound (census_families.csv lambda_err) is <= 2e-12", rtol=1e-9, atol=1e-11)
MANIFOLD = Ignore("not determined: descent to the non-isolated global minima (n > k) stops at a "
                  "point of a manifold that depends on every rounding of the path (measured: "
                  "0.03 in lambda_min, 25 % in iterations); the class and loss are compared")


def unless_manifold(rule: Rule) -> Where:
    return Where(non_isolated, "n > k at the teacher (non-isolated minima)", MANIFOLD, rule)


# -- the proofs' columns ---------------------------------------------------------------------

CERT_BOX = Exact("a box edge of the proof: bisection midpoints, IEEE arithmetic without "
                 "reductions or libm")


def enclosure(lo: str, hi: str) -> Rule:
    return SameSign(Overlap(lo, hi, "two valid enclosures of the same number intersect"),
                    why="an end of a certified (arb) enclosure: its sign is the proof, and the "
                        "two runs' enclosures of one number must intersect")


CERTIFICATE = {
    "piece": LABEL, "region": LABEL,
    "a_lo": Exact("a box edge of the proof: a bisection midpoint (IEEE arithmetic without "
                  "reductions or libm), or for the a -> pi piece pi - e rounded outward in arb"),
    "a_hi": Exact("a box edge of the proof: a bisection midpoint (IEEE arithmetic without "
                  "reductions or libm), or for the a -> pi piece pi - e rounded outward in arb"),
    "e_lo": CERT_BOX, "e_hi": CERT_BOX, "x_lo": CERT_BOX, "x_hi": CERT_BOX,
    "depth": CERTIFIED, "certified": CERTIFIED, "method": CERTIFIED,
    "F12_lo": enclosure("F12_lo", "F12_hi"), "F12_hi": enclosure("F12_lo", "F12_hi"),
    "F21_lo": enclosure("F21_lo", "F21_hi"), "F21_hi": enclosure("F21_lo", "F21_hi"),
}

L_VALUE = SameSign(Close("a float64 value of L12 or L21 from the certified grid kernel: its "
                         "derived error bound is a few u of O(1) terms, so 1e-13 absolute covers "
                         "another libm", rtol=1e-9, atol=1e-13),
                   why="the sign is the conjecture, settled with certainty for every cell")


def _boundary(pair: Pair) -> np.ndarray:
    return pair.committed["region"] == "boundary"


L_MAP = Where(_boundary, "region = boundary (L = 0 exactly, Prop. 1)",
              Close("L = 0 on the boundary; the float value is rounding of O(1) terms",
                    atol=1e-13),
              L_VALUE)

# -- the census's flat sets of global minima ---------------------------------------------------
#
# With n > k student units the global minima are not isolated: two student rows parallel to one
# teacher row share it in any proportion t, 1 - t. A run's end on that set depends on every
# rounding of its path (measured: a representative of k = 5, n = 6 moved 8e-6 along the set
# between two CPUs, t = 1 - 3e-10 against 1 - 8e-6), so its coordinates are not reproducible;
# what is, is what does not change along the set:
#
# - the loss J of the coordinates (the L2 distance of the student's function from the
#   teacher's, 0 on the whole set), recomputed here from the CSV;
# - the part of W off the set: W minus its nearest global minimum. For the census's teacher
#   W* = [I_k 0] (a = a* = 1) the set is {W: row i is c_i w*_{pi(i)}, c_i >= 0, and the c_i of
#   the rows sharing a teacher row sum to 1}; each row is taken to share the teacher row it
#   projects most onto, and the c_i of a group are the projection of its rows' projections onto
#   the simplex. That part is 0 on the set and any point of the set has it 0: the proportions
#   within a group are free, nothing else is.
#
# The Hessian's spectrum is not compared: it changes along the set (measured at k = 5, n = 6:
# the smallest nonzero eigenvalue is 1.38e-3 at t = 1 - 3e-10, 1.30e-3 at t = 1 - 8e-6; at
# k = 12, n = 13 1.47e-2 against 1.56e-2), which is why census_families.csv compares no
# eigenvalue of those families either.

FAMILIES = "census_families.csv"


def census_teacher(k: int, d: int) -> np.ndarray:
    """The census's teacher W* = [I_k 0] (relucheck.experiments.census.teacher; the test suite
    checks that they agree)."""
    return np.eye(k, d)


def _simplex(p: np.ndarray) -> np.ndarray:
    """The Euclidean projection of ``p`` onto {c >= 0, sum c = 1}."""
    u = np.sort(p)[::-1]
    excess = np.cumsum(u) - 1.0
    r = np.flatnonzero(u - excess / np.arange(1, p.size + 1) > 0)[-1]
    return np.maximum(p - excess[r] / (r + 1), 0.0)


def off_global_minima(W: np.ndarray, W_star: np.ndarray) -> np.ndarray | None:
    """W minus its nearest global minimum, for an orthonormal teacher ``W_star`` and top weights
    a = a* = 1 (see above); None when some teacher row has no student row projecting most onto
    it (W is then not near the set)."""
    proj = W @ W_star.T
    share = np.argmax(proj, axis=1)
    near = np.zeros_like(W)
    for j in range(W_star.shape[0]):
        group = np.flatnonzero(share == j)
        if group.size == 0:
            return None
        near[group] = _simplex(proj[group, j])[:, None] * W_star[j]
    return W - near


@dataclass(frozen=True)
class FlatMinima(Rule):
    """census_representatives.csv ``value``: a representative of a flat family (n > k, class
    teacher in census_families.csv, compared exactly there) by what is invariant on the set of
    global minima: its loss J by ``loss`` and its part off the set within ``off_atol`` per
    coordinate. Every other representative (strict minima, saddles, n = k) by ``strict``, as is
    every representative when census_families.csv cannot be read (its own comparison says so)."""

    strict: Rule
    loss: Close
    off_atol: float
    why: str

    def _groups(self, pair: Pair) -> dict[tuple[int, int, int], np.ndarray]:
        key = np.stack([pair.num(c) for c in ("k", "n", "family")], axis=1).astype(int)
        groups: dict[tuple[int, int, int], list[int]] = {}
        for i, kf in enumerate(map(tuple, key)):
            groups.setdefault(kf, []).append(i)
        return {kf: np.array(rows) for kf, rows in groups.items()}

    def _flat(self, pair: Pair) -> set[tuple[int, int, int]]:
        try:
            fam = pair.other(FAMILIES)
            k, n, f = (fam.num(c).astype(int) for c in ("k", "n", "family"))
        except (OSError, ValueError, KeyError):
            return set()
        teacher = fam.committed["class"] == "teacher"
        return {(a, b, c) for a, b, c, t in zip(k, n, f, teacher, strict=True) if t and b > a}

    def _matrices(self, pair: Pair, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, j = (pair.num(c)[rows].astype(int) for c in ("row", "col"))
        out = []
        for which in ("committed", "fresh"):
            W = np.zeros((i.max() + 1, j.max() + 1))
            W[i, j] = pair.num("value", which)[rows]
            out.append(W)
        return out[0], out[1]

    def verdict(self, pair: Pair, key: tuple[int, int, int], rows: np.ndarray
                ) -> tuple[bool, str]:
        """Whether the fresh representative ``key`` lies where the committed one does, up to
        the set's flat directions, and the invariants' values in words."""
        k, n, family = key
        Wc, Wf = self._matrices(pair, rows)
        W_star = census_teacher(k, Wc.shape[1])
        Jc, Jf = (float(population_loss(W, W_star)) for W in (Wc, Wf))
        tol = float(self.loss.tolerance(pair, np.array([Jc]), np.array([Jf]))[0])
        loss_ok = abs(Jc - Jf) <= tol
        Rc, Rf = off_global_minima(Wc, W_star), off_global_minima(Wf, W_star)
        where = f"flat family k={k} n={n} family {family}"
        text = (f"{where}: J {Jc:.6g} committed, {Jf:.6g} fresh (allowed {self.loss.text()}: "
                f"{tol:.3g})")
        if Rc is None or Rf is None:
            which = "committed" if Rc is None else "fresh"
            return False, (f"{text}; the {which} representative is not near the set of global "
                           "minima (a teacher row with no student row along it)")
        off = float(np.abs(Rc - Rf).max())
        text += (f"; its part off the set differs by {off:.3g} (allowed abs {self.off_atol:g}; "
                 f"distance to the set {np.linalg.norm(Rc):.3g} committed, "
                 f"{np.linalg.norm(Rf):.3g} fresh)")
        return loss_ok and off <= self.off_atol, text

    def ok(self, pair, col):
        out = np.asarray(self.strict.ok(pair, col), dtype=bool).copy()
        flat = self._flat(pair)
        for key, rows in self._groups(pair).items():
            if key in flat:
                out[rows] = self.verdict(pair, key, rows)[0]
        return out

    def text(self):
        return (f"where the family is flat (n > k, class teacher in {FAMILIES}): the loss J of "
                f"the coordinates {self.loss.text()}, and their part off the set of global "
                f"minima abs {self.off_atol:g} per coordinate (how parallel rows share a "
                f"teacher row is free); else {self.strict.text()}")

    def allowed(self, pair, col, row):
        for key, rows in self._groups(pair).items():
            if row in rows and key in self._flat(pair):
                return self.verdict(pair, key, rows)[1]
        return self.strict.allowed(pair, col, row)

    def reasons(self):
        return ([f"where flat: {self.why}", f"where flat, J: {self.loss.why}"]
                + [f"otherwise: {w}" for w in self.strict.reasons()])


#: The columns a proof of minima adds to a table of families (census --certify, conjecture2).
CERTIFY_RULES: dict[str, Rule] = {
    "certified": CERTIFIED,
    "radius": Ignore("the proof's box radius: the least power of two above 4 float Newton "
                     "steps, whose size is rounding noise (2^-48 in one run, 2^-47 in "
                     "another); the proof's outcome is `certified`, compared exactly"),
    "loss_lo": Overlap("loss_lo", "loss_hi", "arb enclosures of J over boxes that both hold "
                       "the minimum: they intersect"),
    "loss_hi": Overlap("loss_lo", "loss_hi", "arb enclosures of J over boxes that both hold "
                       "the minimum: they intersect"),
    "lambda_min_lo": SameSign(Close(
        "a lower bound of lambda_min over the proof's box: both runs' bounds lie below the "
        "exact lambda_min by at most their slack lambda_min - lambda_min_lo",
        rtol=1e-9, bound_text="sum of both slacks and lambda_err",
        bound=lambda p: (np.abs(p.num("lambda_min") - p.num("lambda_min_lo"))
                         + np.abs(p.num("lambda_min", "fresh") - p.num("lambda_min_lo",
                                                                       "fresh"))
                         + np.abs(p.num("lambda_err")) + np.abs(p.num("lambda_err",
                                                                      "fresh")))),
        why="its sign (> 0) is the proof of a strict minimum"),
    "in_box": COUNT,
    "certify_note": CERTIFIED,
}


#: A proved bound rounded outward to three significant digits: the rounding of a box centre
#: (44 bits) moves the exact bound by far less than a unit of the third digit, so the two runs'
#: bounds are within 1 % of each other, and the sign is the proof.
FAMILY_BOUND = SameSign(Close("a proved eigenvalue bound, rounded outward to three digits",
                              rtol=1e-2, atol=1e-12),
                        why="its sign proves the block's definiteness")
#: A float64 eigenvalue of a Hessian block (or of R_i = H_ii - I/2) at a box centre.
FAMILY_EIGEN = Close("a block eigenvalue at a proof box centre (float64): O(1) entries, rounding "
                     "~1e-14", rtol=1e-9, atol=1e-12)
FAMILY_LOSS = Overlap("loss_lo", "loss_hi", "arb enclosures of the family's J at k over boxes "
                      "that both hold the critical point: they intersect")


def _half_widths(pair: Pair) -> np.ndarray:
    """Half the sum of the two runs' enclosure widths loss_hi - loss_lo: two intersecting
    intervals have midpoints at most that far apart."""
    widths = [pair.num("loss_hi", w) - pair.num("loss_lo", w) for w in ("committed", "fresh")]
    return (widths[0] + widths[1]) / 2


FAMILY_MIDPOINT = Close("the midpoint of an arb enclosure of J: two runs' enclosures intersect, "
                        "so their midpoints are within half the sum of both widths",
                        rtol=1e-9, bound=_half_widths, bound_text="half the sum of both widths")
#: A box centre: the float Newton point rounded to 44 bits. Both runs' boxes hold the unique
#: critical point, so the centres differ by at most the sum of the radii, each <= 2^-28 (the
#: widest retry) times max(|c|, 1/k^2).
FAMILY_CENTRE = Close("a proof box's centre: two boxes holding the same critical point have "
                      "centres within the sum of their radii, each <= 2^-28 max(|c|, 1/k^2)",
                      rtol=1e-8, bound=lambda p: 1e-8 / p.num("k") ** 2,
                      bound_text="1e-8 / k^2")
#: Least-squares fits over float eigenvalues known to ~1e-14: smooth in their data.
FITS = Close("a least-squares fit of float64 eigenvalues known to ~1e-14", rtol=1e-6, atol=1e-9)


# -- the table --------------------------------------------------------------------------------

TOLERANCES: dict[str, dict[str, Rule]] = {
    "fig7_verify_formula.csv": {
        "panel": LABEL, "distribution": LABEL, "d": PARAM, "n_samples": PARAM, "n_pairs": PARAM,
        "angle_rad": LIBM,
        "rel_err": Close("|E[F] - F|/|F| >= 6e-3: the cancellation amplifies the Monte Carlo "
                         "sum's relative rounding (<= 1e-12, blocked sums of <= 1e7 terms) by "
                         "<= 1/6e-3 = 170 (measured 1e-14)", rtol=1e-9),
        "rel_err_paper": Close("as rel_err (the same sums, the paper's denominator)", rtol=1e-9),
        "scale_c": Close("least-squares ratio of two Monte Carlo sums", rtol=1e-9),
        "rel_bias_sq": Close("a U-statistic that cancels to ~0: its rounding is relative to its "
                             "terms, whose size is its standard error: 1e-9 SE",
                             rtol=1e-9, bound=lambda p: 1e-9 * np.abs(p.num("rel_bias_sq_se")),
                             bound_text="1e-9 rel_bias_sq_se"),
        "rel_bias_sq_se": Close("jackknife over 8 blocks: a root of a sum of squares, "
                                "well conditioned", rtol=1e-9),
    },
    "fig7_verify_formula_unbiased.csv": {
        "pair": LABEL, "angle_rad": LIBM, "d": PARAM, "blocks": PARAM, "block_size": PARAM,
        "hotelling_p": Close("F tail of Hotelling's T^2 from 100 block means (2x2 covariance): "
                             "smooth in the means, which move by 1e-14 (measured 2e-13)",
                             rtol=1e-9),
    },
    "fig8_ssb_2d.csv": {
        "kind": LABEL, "K": PARAM, "iteration": LABEL,
        "x": PATH, "y": PATH,
        "dx_dt": Close("Eqn 8's O(1), Lipschitz field at a point known to 1e-10", atol=1e-10),
        "dy_dt": Close("Eqn 8's O(1), Lipschitz field at a point known to 1e-10", atol=1e-10),
        "error": PATH,
        "loss": within("loss_rounding", "the loss cancels to ~1e-12 near the end: each run is "
                       "within its recorded rounding bound loss_rounding"),
        "loss_rounding": SUMS,
        "grad_norm_2d": within("fixed_point_bound_2d", "rounding residual at the fixed point: "
                               "each run below its bound"),
        "grad_norm_full": within("fixed_point_bound_full", "rounding residual at the fixed "
                                 "point: each run below its bound"),
        "fixed_point_bound_2d": SUMS, "fixed_point_bound_full": SUMS,
        "lambda_stable": LIBM, "lambda_unstable": LIBM,
        "iters_to_reach": ITERS, "reach": PARAM,
        "detour_max_y": PATH, "detour_x_at_max_y": PATH,
        "full_steps": ITERS,
        "full_max_dev": within("full_dev_bound", "rounding-level deviation from symmetry: each "
                               "run below its bound"),
        "full_dev_bound": SUMS, "lr": PARAM,
    },
    "fig8_ssb_2d_endpoints.csv": {
        "set": LABEL, "K": PARAM, "x0": PARAM, "y0": PARAM,
        "target_x": LIBM, "target_y": LIBM,
        "flow_x": Close("end of solve_ivp (DOP853, rtol 1e-10, atol 1e-12): each run is within "
                        "~100 tolerances of the exact flow", atol=1e-8),
        "flow_y": Close("end of solve_ivp (DOP853, rtol 1e-10, atol 1e-12): each run is within "
                        "~100 tolerances of the exact flow", atol=1e-8),
        "flow_sqdist_to_target": Close("a squared distance of ends known to 1e-8", atol=1e-16),
        "flow_reached": COUNT, "gd_x": PATH, "gd_y": PATH,
        "gd_sqdist_to_target": Close("squared distance |D|^2 with |D| <= 3e-7 and ends known to "
                                     "1e-10: moves by <= 2 |D| 1e-10", atol=1e-16),
        "gd_steps": ITERS, "gd_converged": COUNT,
        "gd_grad_norm": Close("O(1)-Lipschitz gradient at an end known to 1e-10", atol=1e-10),
        "gd_reached": COUNT,
    },
    "fig9_noise_sweep.csv": {
        "row": LABEL, "reading": LABEL, "setting": LABEL, "K": PARAM, "d": PARAM,
        "noise": PARAM, "run": LABEL, "train_top": PARAM,
        "a": Floats("top-layer weights printed to 6 significant digits: a last-digit flip is "
                    "<= 1e-5 relative", rtol=1e-5),
        "a_star": PARAM,
        "iterations": ITERS, "iterations_to_tol": ITERS,
        "final_loss": LOSS,
        "rel_err": Close("|W - W*|/|W*| after descent: O(1) coordinates known to 1e-10 "
                         "(see PATH)", rtol=1e-9, atol=1e-10),
        "rel_fn_err": Close("square root of a relative loss: a loss of rounding size (1e-16, or "
                            "0) has a root ~1e-8; sqrt(1e-12) = 1e-6 absolute", rtol=1e-9,
                            atol=1e-6),
        "grad_norm": RESIDUAL,
        "hessian_min_eig": within("hessian_err", "eigenvalue of the analytic Hessian: each "
                                  "within its recorded error bound"),
        "hessian_err": SUMS,
        "status": CLASS, "class": CLASS,
    },
    "fig9_noise_sweep_curves.csv": {
        "row": LABEL, "reading": LABEL, "setting": LABEL, "K": PARAM, "noise": PARAM,
        "run": LABEL, "iteration": LABEL,
        "rel_err": Close("as in fig9_noise_sweep.csv, along the path", rtol=1e-9, atol=1e-10),
        "rel_fn_err": Close("as in fig9_noise_sweep.csv, along the path", rtol=1e-9, atol=1e-6),
        "loss": LOSS,
    },
    "fig9_noise_sweep_minima.csv": {
        "row": LABEL, "setting": LABEL, "K": PARAM, "noise": PARAM, "run": LABEL,
        "loss": LOSS, "hessian_err": SUMS,
        "hessian_eigenvalues": Floats("eigenvalues of the analytic Hessian: each within the "
                                      "sum of both runs' hessian_err", rtol=1e-9,
                                      bound=_col("hessian_err"),
                                      bound_text="sum of both hessian_err"),
    },
    "fig10_conjecture1_grid.csv": {
        "kind": LABEL, "a_rad": PARAM, "phi_rad": PARAM, "region": LABEL,
        "L12": L_MAP, "L21": L_MAP,
        "n_boundary": CERTIFIED, "cells_checked": CERTIFIED,
        "min_L12_inside": L_VALUE, "min_L21_inside": L_VALUE,
        "max_L12_outside": L_VALUE, "max_L21_outside": L_VALUE,
        "sign_changes_L12": CERTIFIED, "sign_changes_L21": CERTIFIED,
        "escalated": COUNT, "counterexamples": CERTIFIED, "unsettled": CERTIFIED,
    },
    "fig10_conjecture1_grid_counterexamples.csv": {
        "a_index": CERTIFIED, "phi_index": CERTIFIED, "a_rad": PARAM, "phi_rad": PARAM,
        "region": LABEL, "function": LABEL,
        "L_float64": SUMS, "bound": SUMS,
        "certified_lo": enclosure("certified_lo", "certified_hi"),
        "certified_hi": enclosure("certified_lo", "certified_hi"),
        "certified_bits": CERTIFIED,
    },
    "fig10_conjecture1_certificate.csv": CERTIFICATE,
    "fig10_conjecture1_certificate_uncertified.csv": CERTIFICATE,
    "thm6_init_prob.csv": {
        "kind": LABEL, "d": PARAM, "eps": LIBM, "r_over_wstar": LIBM,
        "p_omega_exact": within("p_omega_quad_err", "a quadrature: each run within its "
                                "recorded error estimate", rtol=1e-12),
        "p_omega_quad_err": Close("QUADPACK's error estimate, a difference of two rules: a few "
                                  "correct digits (measured 5e-6 relative)", rtol=1e-2,
                                  atol=1e-16),
        "bound": LIBM,
        "margin": SameSign(within("p_omega_quad_err", "P - (1 - eps)/2: within the "
                                  "quadrature's error estimates", rtol=1e-12),
                           why="its sign is Theorem 6"),
        "samples": PARAM, "in_omega": COUNT, "p_omega_mc": SHARE,
        "p_omega_mc_low": LIBM, "p_omega_mc_high": LIBM,
        "wilson_miss": COUNT, "converged": COUNT, "conv_rate": SHARE,
        "conv_low": LIBM, "conv_high": LIBM, "omega_not_converged": COUNT,
        "t_conv_max": Close("first accepted step inside the trap of an adaptive integrator "
                            "(rtol 1e-6): a step's accept test flips only within rounding, so "
                            "the steps are the same and the stable flow keeps rounding small "
                            "(measured 2e-9)", rtol=1e-6),
    },
    "census.csv": {
        "k": PARAM, "n": PARAM, "extra": PARAM, "d": PARAM, "runs": PARAM,
        "teacher": COUNT, "spurious_minimum": COUNT, "saddle": COUNT, "degenerate": COUNT,
        "singular": COUNT, "diverged": COUNT, "not_converged": COUNT,
        "spurious_share": SHARE, "spurious_low": LIBM, "spurious_high": LIBM,
        "ss_spurious": COUNT, "ss_share": SHARE, "spurious_families": COUNT,
        "not_converged_share": SHARE,
        "median_iterations": Where(lambda p: p.num("n") > p.num("k"), "n > k",
                                   MANIFOLD, ITERS),
        "polished": COUNT,
    },
    "census_families.csv": {
        "k": PARAM, "n": PARAM, "family": LABEL,
        "loss": LOSS,
        "lambda_min": unless_manifold(within("lambda_err", "Hessian eigenvalue: each run "
                                             "within its recorded error bound")),
        "lambda_max": unless_manifold(within("lambda_err", "Hessian eigenvalue: each run "
                                             "within its recorded error bound")),
        "lambda_err": unless_manifold(Close("an error bound: u times sums of magnitudes",
                                            rtol=1e-6)),
        "lambda_min_spread": unless_manifold(within("lambda_err", "a difference of two "
                                                    "eigenvalues of one family")),
        "count": COUNT, "representative": LABEL,
        "grad_norm": unless_manifold(RESIDUAL),
        "isotropy": Exact("the isotropy group read off the representative with entries equal "
                          "to 1e-6 (descent.symmetry.isotropy); distinct entries differ by "
                          "more than 1e-3"),
        "class": CLASS,
        **CERTIFY_RULES,
    },
    "census_runs.csv": {
        "k": PARAM, "n": PARAM, "run": LABEL, "status": CLASS,
        "loss": LOSS,
        "grad_norm": unless_manifold(RESIDUAL),
        "lambda_min": unless_manifold(EIGEN), "lambda_max": unless_manifold(EIGEN),
        "iterations": unless_manifold(ITERS), "polish_steps": unless_manifold(ITERS),
        "family": LABEL, "class": CLASS,
    },
    "census_representatives.csv": {
        "k": PARAM, "n": PARAM, "family": LABEL, "row": LABEL, "col": LABEL,
        "value": FlatMinima(
            strict=Close("a weight of a polished isolated critical point (strict minimum, "
                         "saddle, or n = k): O(1), known to 1e-10 (see PATH)", atol=1e-10),
            loss=Close("the loss of a run's end on the set, recomputed from its coordinates: "
                       "as census_families.csv loss, rounding (n+k)^2 |W|^2 u <= 1e-12 "
                       "absolute, and the same path's end within 1e-9 relative",
                       rtol=1e-9, atol=1e-12),
            off_atol=1e-6,
            why="a weight of a representative on a flat set of global minima (n > k), where no "
                "contraction pins a run's end along the set: compared by the loss and the part "
                "off the set, which are invariant on it. Off the set, a polished end is at "
                "rounding (measured 9e-16) or where Newton left a tiny row of a pair (a row of "
                "8e-6 at 6e-3 rad: 9e-8); an end of the loss rule (J <= 1e-8 J(0), 5e-3 to 9e-3 "
                "off the set) is the same path's, bit for bit on two CPUs; 1e-6 leaves 10x room"),
    },
    "conjecture2.csv": {
        "K": PARAM, "d": PARAM, "x0": PARAM, "y0": PARAM, "sigma": PARAM,
        "runs": COUNT, "reached": COUNT, "share": SHARE, "share_lo": LIBM, "share_hi": LIBM,
        "spurious_minimum": COUNT, "saddle": COUNT, "degenerate": COUNT, "singular": COUNT,
        "diverged": COUNT, "not_converged": COUNT, "families": COUNT,
        "step_checked": COUNT, "step_agree": COUNT, "median_iterations": ITERS,
        "verdict": CLASS,
    },
    "conjecture2_reached.csv": {
        "K": PARAM, "x0": PARAM, "y0": PARAM, "sigma": PARAM, "family": LABEL, "count": COUNT,
    },
    "conjecture2_families.csv": {
        "K": PARAM, "d": PARAM, "family": LABEL, "loss": LOSS,
        "lambda_min": within("lambda_err", "Hessian eigenvalue: each run within its recorded "
                             "error bound"),
        "lambda_err": Close("an error bound: u times sums of magnitudes", rtol=1e-6),
        "count": COUNT, "cells": COUNT, "failing_cells": COUNT,
        **CERTIFY_RULES,
    },
    "conjecture2_runs.csv": {
        "K": PARAM, "x0": PARAM, "y0": PARAM, "sigma": PARAM, "run": LABEL, "class": CLASS,
        "family": LABEL, "loss": LOSS, "iterations": ITERS,
    },
    "families.csv": {
        "family": LABEL, "k": PARAM,
        "loss": FAMILY_MIDPOINT,
        "loss_lo": FAMILY_LOSS, "loss_hi": FAMILY_LOSS,
        "loss_times_k": Close("k times the midpoint of an enclosure (about 1e-12 wide): within k "
                              "times half the sum of both widths", rtol=1e-9,
                              bound=lambda p: p.num("k") * _half_widths(p),
                              bound_text="k (half the sum of both widths)"),
        "lambda_min": FAMILY_EIGEN,
        "lambda_min_block": Exact("the block holding the smallest float eigenvalue, every block "
                                  "within 1e-9 relative of it named (W = I: standard and "
                                  "(m-2,1,1), equal exactly); otherwise the two smallest block "
                                  "minima are >= 1e-4 relative apart at every k <= 10^4 (the "
                                  "closest: type II at k = 16, sign and standard), so rounding "
                                  "(~1e-14) cannot change the name"),
        "lambda_bound": FAMILY_BOUND,
        "certified": CERTIFIED, "verdict": CERTIFIED, "reason": CERTIFIED, "attempts": COUNT,
        **dict.fromkeys(("a", "g", "b", "c", "e", "f", "x", "y"), FAMILY_CENTRE),
    },
    "families_birth.csv": {
        "family": LABEL,
        "k_star_lo": Overlap("k_star_lo", "k_star_hi", "proved brackets of one birth k*: they "
                             "intersect"),
        "k_star_hi": Overlap("k_star_lo", "k_star_hi", "proved brackets of one birth k*: they "
                             "intersect"),
        "block": LABEL,
        "width": Close("the bracket's width, a difference of two floats near 6", atol=1e-12),
        "multiplicity": LABEL,
        "lambda_lo_upper": FAMILY_BOUND, "lower_hi": FAMILY_BOUND,
        "proved_lo": CERTIFIED, "proved_hi": CERTIFIED,
        "k_star_float": Close("the float bisection's estimate, inside its 8e-9 bracket",
                              atol=1e-8),
    },
    "families_split.csv": {
        "family": LABEL, "k": PARAM, "unit": LABEL,
        "block": Exact("the block of R_i with the smallest float eigenvalue at the box centre, "
                       "where the proved direction lies; the blocks' smallest eigenvalues are "
                       "far apart next to the rounding (~1e-14)"),
        "multiplicity": LABEL,
        "rho_upper": FAMILY_BOUND, "curvature_upper": FAMILY_BOUND,
        "lambda_min": FAMILY_EIGEN,
        "certified": CERTIFIED,
    },
    "families_fits.csv": {
        "family": LABEL, "quantity": LABEL, "block": LABEL, "index": LABEL, "model": LABEL,
        "C": FITS, "p": FITS, "limit": FITS, "value_at_k_to": FITS,
        "k_from": PARAM, "k_to": PARAM, "points": PARAM,
        "behaviour": Exact("bounded or linear, decided by the fitted power with a wide margin "
                           "(p near 0 or 1)"),
    },
    "families_near_birth.csv": {
        "family": LABEL, "k": PARAM, "block": LABEL, "lambda_min": FAMILY_EIGEN,
    },
    "families_spectrum.csv": {
        "family": LABEL, "k": PARAM, "block": LABEL, "index": LABEL, "multiplicity": LABEL,
        "eigenvalue": FAMILY_EIGEN, "lower": FAMILY_BOUND, "certified": CERTIFIED,
    },
    "summary.csv": {
        "command": LABEL, "claim": LABEL, "level": LABEL,
        "verdict": Exact("PASS, FAIL, UNDECIDED or REPORTED: the outcome of each claim, the "
                         "point of the run"),
        "measured": Exact("claim texts print no wall time and no rounding-level digit "
                          "(relucheck.result.below prints those against fixed levels), only "
                          "counts and statistics to digits that another CPU does not move"),
        "threshold": Ignore("prose; some thresholds are computed bounds printed to one digit "
                            "('6e-13 (K=5)'); the verdict is compared exactly"),
    },
}
