"""Review of the computer-assisted proof of Conjecture 1 (docs/proof-conjecture1.md): the facts
the code assumes from hand lemmas, checked at high precision with the code's own formulas; the
exactness of the numbers that enter the arithmetic; crafted certificates the checker must
reject; and mpmath sign checks at points near the ends, looked up in the committed certificate.

Kept fast (a few seconds): small certificates, re-verified through the API.
"""

from __future__ import annotations

import copy
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from conftest import G_mp

from relucheck.experiments import conjecture1_certify as cert
from relucheck.proofs import _arb
from relucheck.proofs.conjecture1 import certificate
from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import small_a as sa

ROOT = Path(__file__).resolve().parents[1]
FIGURE_CSV = ROOT / "figures" / f"{cert.STEM}.csv"


@pytest.fixture
def prec():
    saved = _arb.ctx.prec
    yield lambda bits: setattr(_arb.ctx, "prec", bits)
    _arb.ctx.prec = saved


# --- the hand lemmas, checked with the code's own formulas at high precision ---------------


def test_lemma_z1_the_dropped_coefficients_vanish_at_600_bits(prec):
    """small_a drops the Taylor coefficients of N, N_s (and D) below the vanishing order
    (Lemma Z1, a hand proof) and only checks that their balls contain 0. At exact points x and
    600 bits they are below 1e-150, while the first kept coefficient of D is pi^2."""
    prec(600)
    for patch in sa.PATCHES:
        k = sa.RESCALE[patch]
        for num in (0, 1, 3, 4, 6, 7):
            x = iv.arb(num) / 7
            coeffs = sa.numerators(patch, iv.arb(0), x, k + 2 + sa.J)
            for c, v in zip(coeffs, (k + 2, k + 2, 3, 3, 2), strict=True):
                assert all(c[j].abs_upper() < 1e-150 for j in range(v)), (patch, num, v)
            assert (coeffs[4][2] - iv.arb.pi() ** 2).abs_upper() < 1e-150


def test_lemma_z2_the_gradient_anchors_vanish_at_a_0(prec):
    """The gradient boxes with a_lo = 0 rely on F_B(0, 1) = F_D(0, 0) = 0 (Lemma Z2) without
    enclosing it: the code's point enclosures there are balls of radius < 1e-60 around 0, and
    the slopes at the anchor are the documented -1/3, -2/3 (swapped on D) and +-pi."""
    prec(256)
    third = iv.arb(1) / 3
    for patch, edge, da, dx in (("B", 1.0, (-third, -2 * third), 1),
                                ("D", 0.0, (-2 * third, -third), -1)):
        j = sa.evaluate(patch, 0.0, 0.0, edge, edge, deriv=True)
        for i in (0, 1):
            assert j.f[i].abs_upper() < 1e-60
            assert (j.da[i] - da[i]).abs_upper() < 1e-60
            assert (j.dx[i] - dx * iv.arb.pi()).abs_upper() < 1e-60


@pytest.mark.parametrize("region, x_line", [("in", 0.0), ("in", 1.0), ("out", 0.0),
                                            ("out", 1.0)])
def test_lemma_p_the_corner_facts_hold_for_the_code_formulas(prec, region, x_line):
    """Lemma P's exact facts, with interval's own piece formulas at a = pi (256 bits): on
    the line piece G(a, x_L) = 0 and dG/dx(pi, x_L) = 0 for the degenerate function; on C
    (outside) G_C, dG_C/da and dG_C/dx all vanish at the corner."""
    prec(256)
    k = iv.degenerate_index(region, x_line)
    A = iv.Jet.variable(iv.arb.pi(), "a")
    X = iv.Jet.variable(iv.arb(x_line), "x")
    line = iv.value_forms(region, iv.LINE_PIECE[(region, x_line)], A, X)
    assert line[0].v.abs_upper() < 1e-60 and line[1].v.abs_upper() < 1e-60
    assert line[k].dx.abs_upper() < 1e-60
    a_mid = iv.Jet.variable(iv.arb(2.9), "a")  # G = 0 on the line for every a (Prop. 1)
    on = iv.value_forms(region, iv.LINE_PIECE[(region, x_line)], a_mid, X)
    assert on[0].v.abs_upper() < 1e-60 and on[1].v.abs_upper() < 1e-60
    if region == "out":
        c = iv.value_forms(region, "C", A, X)[k]
        assert max(c.v.abs_upper(), c.da.abs_upper(), c.dx.abs_upper()) < 1e-60


# --- exact numbers -------------------------------------------------------------------------


def test_pi_minus_e_is_formed_from_arb_pi_not_from_a_rounded_float(prec):
    """a = pi - e for the a -> pi piece: the ball holds the exact real and excludes the float
    np.pi - e (np.pi is 1.2e-16 below pi)."""
    prec(64)
    lo, hi = iv.a_bounds(0.5, 0.5, True)
    exact = iv.arb.pi() - iv.arb(0.5)
    assert lo.overlaps(exact) and hi.overlaps(exact)
    assert not lo.contains(iv.arb(np.pi - 0.5))


# --- crafted certificates -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_tables():
    """Two small certificates as `check-certificate` reads them (floats): the a -> 0 end piece
    with a bisection to 0.3, and the bisection from 2.5 with the a -> pi end piece."""
    out = {}
    for name, p in (("zero", cert.Params(a_zero=0.25, a_max=0.3, workers=1)),
                    ("pi", cert.Params(a_min=2.5, workers=1))):
        r = cert.run(p)
        assert r.exit_code == 0
        out[name] = {k: (v.astype(float) if v.dtype.kind in "iub" else v)
                     for k, v in r.tables["main"].items()}
    return out


def test_check_certificate_accepts_the_table_run_returns(small_tables):
    """The in-memory table of cert.run (integer depth and certified columns) is a certificate:
    check_certificate used to crash on it with StopIteration."""
    r = cert.run(cert.Params(a_min=1.0, a_max=1.1, workers=1))
    assert r.tables["main"]["depth"].dtype.kind == "i"
    covered, problems = certificate.check_certificate(r.tables["main"], prec=64, workers=1)
    assert not problems and covered["spans"][0]["text"] == "a in [1.0, 1.1]"


def test_check_certificate_names_a_text_column_that_holds_numbers():
    table = {c: np.array(["1"]) for c in certificate.COLUMNS}
    with pytest.raises(ValueError, match="must be numeric"):
        certificate.read_certificate(table)


def _row(t, piece, method=None, region=None):
    m = t["piece"] == piece
    if method is not None:
        m &= t["method"] == method
    if region is not None:
        m &= t["region"] == region
    return int(np.flatnonzero(m)[0])


def _edit(t, i, **cols):
    t = copy.deepcopy(t)
    for c, v in cols.items():
        t[c][i] = v
    return t


def _drop(t, i):
    return {k: np.delete(v, i) for k, v in t.items()}


def _dup(t, i):
    return {k: np.insert(v, i, v[i]) for k, v in t.items()}


def _short(t):
    """Box ends written with 12 significant digits (not repr): no longer the exact floats."""
    t = copy.deepcopy(t)
    for c in ("a_lo", "a_hi", "e_lo", "e_hi", "x_lo", "x_hi"):
        t[c] = np.array([float(f"{x:.12g}") for x in t[c]])
    return t


CRAFTED = {
    "zero: a row removed": ("zero", lambda t: _drop(t, _row(t, "zero", "gradient"))),
    "zero: a row duplicated": ("zero", lambda t: _dup(t, _row(t, "zero", "gradient"))),
    "zero: a gradient row relabelled value": (
        "zero", lambda t: _edit(t, _row(t, "zero", "gradient"), method="value")),
    "zero: a_lo below 0": ("zero", lambda t: _edit(t, _row(t, "zero", region="C"), a_lo=-0.01)),
    "zero: an x range reversed": (
        "zero", lambda t: _edit(t, (i := _row(t, "zero", "value", "C")),
                                x_lo=t["x_hi"][i], x_hi=t["x_lo"][i])),
    "zero: short floats": ("zero", _short),
    "pi: a corner row relabelled slope": (
        "pi", lambda t: _edit(t, _row(t, "pi", "corner"), method="slope")),
    "pi: a corner row moved off a = pi": (
        "pi", lambda t: _edit(t, _row(t, "pi", "corner"), e_lo=1e-300)),
    "pi: e beyond pi": ("pi", lambda t: _edit(t, _row(t, "pi", "value"), e_hi=4.0)),
    "pi: NaN in e": ("pi", lambda t: _edit(t, _row(t, "pi", "value"), e_lo=np.nan)),
    "pi: short floats": ("pi", _short),
    "pi: certified flag cleared": ("pi", lambda t: _edit(t, _row(t, "pi", "corner"),
                                                        certified=0.0)),
    "bulk: one region missing": ("pi", lambda t: {k: v[~((t["piece"] == "bulk")
                                                       & (t["region"] == "out"))]
                                                  for k, v in t.items()}),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_certificates_are_rejected(small_tables, name):
    which, edit = CRAFTED[name]
    original = small_tables[which]
    table = edit(original)
    if all(np.array_equal(table[k], original[k], equal_nan=original[k].dtype.kind == "f")
           for k in original):  # e.g. short floats of dyadic box ends: the same numbers
        assert name.endswith("short floats")
        return
    try:
        _, problems = certificate.check_certificate(table, prec=64, workers=1)
    except ValueError:  # not a certificate at all (exit 2)
        return
    assert problems, name


def test_huge_depth_and_reordered_columns_change_nothing(small_tables):
    """depth is not trusted (not read); columns are read by name."""
    t = _edit(small_tables["pi"], 0, depth=1e300)
    t = {k: t[k] for k in reversed(list(t))}
    covered, problems = certificate.check_certificate(t, prec=64, workers=1)
    assert not problems and covered["spans"][0]["text"] == "a in [2.5, pi)"


# --- mpmath at points near the ends, in the committed certificate ---------------------------


def _coordinates(a, phi):
    """(piece, region, a-coordinate, x) candidates holding the point (a, phi)."""
    pi = mp.pi
    out = []
    if a <= mp.mpf(0.25):
        for patch, lo, hi, x in (("in", 0, a, phi / a), ("B", a, pi, (phi - a) / (pi - a)),
                                 ("C", pi, pi + a, (phi - pi) / a),
                                 ("D", pi + a, 2 * pi, (phi - pi - a) / (pi - a))):
            if lo <= phi <= hi:
                out.append(("zero", patch, a, x))
    region, x = ("in", phi / a) if phi <= a else ("out", (phi - a) / (2 * pi - a))
    out += [("bulk", region, a, x), ("pi", region, pi - a, x)]
    return out


@pytest.mark.parametrize("a, phi", [
    ("1e-6", "pi - 1e-8"), ("1e-6", "pi + 1e-8"), ("1e-6", "pi + 1e-6 + 1e-9"),
    ("1e-6", "5e-7"), ("1e-6", "2 * pi - 1e-9"), ("0.25", "pi"),
    ("pi - 1e-7", "pi - 1e-7 - 1e-9"), ("pi - 1e-7", "pi - 1e-7 + 1e-9"),
    ("pi - 1e-7", "1e-9"), ("pi - 1e-7", "2 * pi - 1e-9"), ("pi - 1e-3", "pi"),
    ("2.6415926535897936", "1.0"),
])
def test_points_near_the_ends_lie_in_certified_boxes_with_the_mpmath_sign(a, phi):
    """Each point lies in a certified box of the committed certificate, and mpmath at 60 digits
    gives the sign the box claims (> 0 inside the cone, < 0 outside)."""
    from relucheck.output.writers import read_csv

    t = read_csv(FIGURE_CSV)
    with mp.workdps(60):
        a, phi = (mp.mpf(eval(s, {"pi": mp.pi})) for s in (a, phi))
        g = G_mp(a, phi)
        want = 1 if phi < a else -1
        assert g[0] * want > 0 and g[1] * want > 0
        found = 0
        for piece, region, coord, x in _coordinates(a, phi):
            lo, hi = ("e_lo", "e_hi") if piece == "pi" else ("a_lo", "a_hi")
            rows = np.flatnonzero((t["piece"] == piece) & (t["region"] == region))
            coord, x = float(coord), float(x)  # rounded: only to find a box holding it
            m = rows[(t[lo][rows] <= coord) & (coord <= t[hi][rows])
                     & (t["x_lo"][rows] <= x) & (x <= t["x_hi"][rows])]
            for i in m:
                assert t["certified"][i] == 1
                found += 1
        assert found, (a, phi)
