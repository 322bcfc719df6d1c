"""The two end pieces of the proof of Conjecture 1 (a -> 0 and a -> pi) and the whole-domain
certificate (docs/proof-conjecture1.md).

The references are independent of relucheck's formulas: docs/math.md section 4 as printed (the
explicit 2 x 2 inverse of M_r), evaluated in mpmath at 50 digits; the a = 0 limits of the
rescaled functions by Richardson extrapolation of that formula at a = 1e-12 and 2e-12 (and the
closed forms of Lemma Z1 inside the cone). Each check is shown to have power by a deliberately
wrong function (the sign flipped in a small disc at each end) or an edited certificate.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import G_mp

from relucheck import proofs
from relucheck.cli import main
from relucheck.experiments import conjecture1_certify as cert
from relucheck.proofs.conjecture1 import certificate
from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import small_a as sa
from relucheck.proofs.conjecture1 import subdivision as cf

DPS = 50


def _phi_zero(patch, a, x):
    a, x, pi = mp.mpf(a), mp.mpf(x), mp.pi
    return {"in": x * a, "B": a + x * (pi - a), "C": pi + x * a,
            "D": pi + a + x * (pi - a)}[patch]


def _F(patch, a, x):
    """G / a^k in the patch, from the printed formula (a > 0)."""
    k = sa.RESCALE[patch]
    return [g / mp.mpf(a) ** k for g in G_mp(a, _phi_zero(patch, a, x))]


def _F_limit(patch, x):
    """F at a = 0 by Richardson extrapolation (F = F0 + F1 a + O(a^2)) at 150 digits: the
    printed formula loses about 60 digits to cancellation at a = 1e-12 (L ~ a^3 from O(1)
    terms, amplified by 1 / det ~ a^-2)."""
    with mp.workdps(150):
        f1, f2 = _F(patch, mp.mpf("1e-12"), x), _F(patch, mp.mpf("2e-12"), x)
        return [+(2 * u - v) for u, v in zip(f1, f2, strict=True)]


def _contains(ball, value) -> bool:
    return bool(ball.contains(iv.arb(mp.nstr(value, 40))))


# --- the a -> 0 end piece: enclosures against mpmath --------------------------------------


def test_zero_piece_enclosures_contain_mpmath_values(rng):
    """F = G / a^k over random boxes of each patch (some containing a = 0) contains the
    printed formula's values at random points and corners, and the a = 0 limit."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    n = 0
    for k in range(40):
        patch = sa.PATCHES[k % 4]
        a_hi = float(rng.choice([0.25, 0.05, 1e-3]) * rng.uniform(0.2, 1))
        a_lo = 0.0 if k % 3 == 0 else a_hi * float(rng.uniform(0.3, 0.99))
        x_lo = float(rng.uniform(0, 0.9))
        x_hi = min(1.0, x_lo + float(rng.choice([0.1, 1e-3])))
        e = sa.enclose("value", patch, a_lo, a_hi, x_lo, x_hi)
        d = sa.evaluate(patch, a_lo, a_hi, x_lo, x_hi)
        pts = [(a_hi, x_lo), (a_hi, x_hi), (float(rng.uniform(max(a_lo, 1e-9), a_hi)),
                                            float(rng.uniform(x_lo, x_hi)))]
        for a, x in pts:
            ref = _F(patch, a, x)
            assert _contains(e.f12, ref[0]) and _contains(e.f21, ref[1]), (patch, a, x, e, ref)
            # the x derivative, by mpmath's numerical differentiation of the printed formula
            for i in (0, 1):
                dref = mp.diff(lambda xx, i=i, patch=patch, a=a: _F(patch, a, xx)[i],
                               mp.mpf(x))
                assert _contains(d.dx[i], dref), (patch, a, x, i, d.dx[i], dref)
            n += 1
        if a_lo == 0.0:
            x = float(rng.uniform(x_lo, x_hi))
            ref = _F_limit(patch, x)
            assert _contains(e.f12, ref[0]) and _contains(e.f21, ref[1]), (patch, x, e, ref)
    assert n == 120


@pytest.mark.parametrize("patch", sa.PATCHES)
def test_zero_piece_point_enclosures_are_tight_and_contain_mpmath(patch):
    """At points up to a = a_zero the Taylor model's remainder matters (a^4 times a Taylor
    coefficient): the point enclosures contain the printed formula's value and are narrow."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    for a in (0.1, 0.2, 0.25):
        for x in (0.05, 0.5, 0.95):
            e = sa.value_at(patch, a, x)
            ref = _F(patch, a, x)
            for i in (0, 1):
                assert _contains(e[i], ref[i]), (patch, a, x, i, e[i], ref[i])
                assert float(e[i].rad()) < 1e-2


@pytest.mark.parametrize("x", [0.1, 0.5, 0.83])
def test_zero_piece_limits_in_the_cone_are_the_closed_forms_of_lemma_z1(x):
    """F12 -> (2/3) u (1 - u)(2 - u), F21 -> (2/3) u (1 - u)(1 + u) inside the cone: the
    Richardson limit of the printed formula and the point enclosure at a = 0 agree with them."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    u = mp.mpf(x)
    closed = [mp.mpf(2) / 3 * u * (1 - u) * (2 - u), mp.mpf(2) / 3 * u * (1 - u) * (1 + u)]
    lim = _F_limit("in", x)
    at0 = sa.value_at("in", 0.0, x)
    for i in (0, 1):
        assert abs(lim[i] - closed[i]) < 1e-20
        assert _contains(at0[i], closed[i])
        assert float(at0[i].rad()) < 1e-15


def test_zero_piece_gradient_enclosures_contain_mpmath_derivatives():
    """dF/da at points of B and D, against mpmath's derivative of the printed formula."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    for patch, a, x in (("B", 0.01, 0.97), ("D", 0.003, 0.05), ("B", 0.2, 0.5)):
        d = sa.evaluate(patch, a, a, x, x, deriv=True)
        for i in (0, 1):
            ref = mp.diff(lambda aa, i=i, patch=patch, x=x: _F(patch, aa, x)[i], mp.mpf(a))
            assert _contains(d.da[i], ref), (patch, a, x, i, d.da[i], ref)


def test_lemma_z2_the_rescaled_function_vanishes_at_phi_pi_as_a_goes_to_0():
    """G(a, pi) = O(a^2) (so F_B(0, 1) = 0 and F_D(0, 0) = 0, the anchors of the gradient
    boxes), with G12(a, pi) / a^2 -> -1/3 and G21(a, pi) / a^2 -> -2/3."""
    mp.mp.dps = DPS
    for a in (mp.mpf("1e-8"), mp.mpf("1e-10")):
        g12, g21 = G_mp(a, mp.pi)
        assert abs(g12 / a ** 2 + mp.mpf(1) / 3) < 10 * a
        assert abs(g21 / a ** 2 + mp.mpf(2) / 3) < 10 * a
        assert abs(_F("D", a, 0)[0]) < 10 * a and abs(_F("B", a, 1)[1]) < 10 * a


# --- the a -> pi end piece -----------------------------------------------------------------


def test_corner_facts_at_a_equals_pi():
    """The exact facts the corner lemma uses, checked numerically at 50 digits: at a = pi the
    slope of G12 on phi = a and of G21 on phi = 0 vanishes (double zero), the slopes near pi
    are -2 (pi - a) and 2 (pi - a), and L = sin a G is identically 0 at a = pi."""
    mp.mp.dps = DPS
    for e in (mp.mpf("1e-3"), mp.mpf("1e-5")):
        a = mp.pi - e
        s12 = mp.diff(lambda p, a=a: G_mp(a, p)[0], a, direction=-1)
        s21 = mp.diff(lambda p, a=a: G_mp(a, p)[1], mp.mpf(0), direction=1)
        assert abs(s12 / e + 2) < e and abs(s21 / e - 2) < e
    # at a = pi, L = 0 for every phi (the conjecture is about a < pi)
    for phi in (0.3, 2.0, 4.0):
        a = mp.pi
        L = [g * mp.sin(a) for g in G_mp(a - mp.mpf("1e-30"), phi)]
        assert all(abs(v) < 1e-25 for v in L)


def test_corner_enclosures_hold_the_second_derivatives_of_mpmath():
    """At a point box on the corner (a = pi - e, the line), the corner quantity of the
    degenerate function contains -M (M = d2G/(da dx) on the line) as mpmath computes it, and
    the box's claim holds: G has the claimed sign at points near the corner."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    e_hi = 0.05
    for region, x_lo, x_hi in (("in", 0.9, 1.0), ("in", 0.0, 0.1), ("out", 0.0, 0.01),
                               ("out", 0.99, 1.0)):
        box = cf.Box(region, 0.0, e_hi, x_lo, x_hi, 0, cf.PI_END)
        leaf = cf.classify(box)
        assert leaf.method == cf.CORNER and leaf.certified, leaf
        sign = cf.CLAIMED_SIGN[region]
        for ee in (1e-4, 0.01, 0.049):
            a = mp.pi - ee
            for x in (x_lo + 0.3 * (x_hi - x_lo), x_lo + 0.7 * (x_hi - x_lo)):
                phi = x * a if region == "in" else a + x * (2 * mp.pi - a)
                g = G_mp(a, phi)
                assert g[0] * sign > 0 and g[1] * sign > 0


def test_pi_piece_enclosures_contain_mpmath_values(rng):
    """Boxes given in e = pi - a (the a -> pi piece, a formed in arb from pi): the value and
    slope enclosures contain the printed formula's values and phi-derivatives at a = pi - e."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    pi = mp.pi
    for k in range(30):
        region = ("in", "out")[k % 2]
        e_hi = float(rng.choice([0.5, 0.05, 1e-3]) * rng.uniform(0.2, 1))
        e_lo = 0.0 if k % 3 == 0 else e_hi * float(rng.uniform(0.1, 0.99))
        x_lo = float(rng.uniform(0.01, 0.9))
        x_hi = min(0.99, x_lo + float(rng.choice([0.05, 1e-3])))
        val = iv.enclose("value", region, e_lo, e_hi, x_lo, x_hi, from_pi=True)
        slo = iv.enclose("slope", region, e_lo, e_hi, x_lo, x_hi, from_pi=True)
        for ee, x in ((e_lo, x_lo), (e_hi, x_hi), (float(rng.uniform(e_lo, e_hi)),
                                                   float(rng.uniform(x_lo, x_hi)))):
            a = pi - max(mp.mpf(ee), mp.mpf("1e-20"))  # the printed formula is 0/0 at pi
            phi = mp.mpf(x) * a if region == "in" else a + mp.mpf(x) * (2 * pi - a)
            ref = G_mp(a, phi)
            assert _contains(val.f12, ref[0]) and _contains(val.f21, ref[1]), (region, ee, x)
            if abs(phi - pi) > 1e-6:  # phi-derivative across the kink at phi = pi is one-sided
                d = [mp.diff(lambda q, i=i, a=a: G_mp(a, q)[i], phi) for i in (0, 1)]
                assert _contains(slo.f12, d[0]) and _contains(slo.f21, d[1]), (region, ee, x)


def _d2(f, a, x, orders):
    return mp.diff(f, (mp.mpf(a), mp.mpf(x)), orders)


@pytest.mark.parametrize("region", ["in", "out"])
def test_corner_quantity_contains_its_terms_from_mpmath(region):
    """The corner quantity of G12 on phi = a (x_L = 1 inside, 0 outside) contains the terms of
    Lemma P computed by mpmath from the printed formula at points of the box: -M (M the mixed
    second derivative on the line) and sigma H_xx inside; -M + sigma H_xx / (2 pi) outside
    (the wedge B of width <= eps / pi) and sigma H_aa, sigma H_xx on the piece C."""
    mp.mp.dps = DPS
    proofs.set_precision(64)
    e_hi = 0.05
    pi = mp.pi
    if region == "in":
        x_lo, x_hi, sigma = 0.9, 1.0, -1

        def G12(a, x):
            return G_mp(a, x * a)[0]
    else:
        x_lo, x_hi, sigma = 0.0, 0.03, 1

        def G12(a, x):
            return G_mp(a, a + x * (2 * pi - a))[0]
    q = iv.corner_enclose(region, e_hi, x_lo, x_hi).f12
    assert q < 0  # certified: the sign sigma S = -1 for G12 on phi = a
    for ee in (0.01, 0.04):
        a = pi - ee
        line = 1 - mp.mpf("1e-8") if region == "in" else mp.mpf("1e-8")
        M = _d2(G12, a, line, (1, 1))
        if region == "in":
            Hxx = _d2(G12, a, 0.95, (0, 2))
            terms = [-M, sigma * Hxx]
        else:
            s_b = ee / (2 * (pi + ee))  # inside the wedge B: s <= eps / (pi + eps)
            Hxx_b = _d2(G12, a, s_b, (0, 2))
            s_c = mp.mpf("0.02")  # inside C
            terms = [-M + sigma * Hxx_b / (2 * pi), sigma * _d2(G12, a, s_c, (2, 0)),
                     sigma * _d2(G12, a, s_c, (0, 2))]
        for t in terms:
            assert _contains(q, t), (region, ee, q, t)


@pytest.mark.parametrize("centre, radius, roots", [
    ((0.004, 0.002), 5e-4, "zero"),  # inside the collapsing cone
    ((0.004, np.pi + 0.002), 5e-4, "zero"),  # the antipodal cone
    ((0.004, np.pi - 0.002), 5e-4, "zero"),  # B, where it meets the antipodal cone
    ((np.pi - 0.01, np.pi - 0.014), 0.002, "pi"),  # inside, at the corner a = phi = pi
    ((np.pi - 0.01, np.pi + 0.002), 0.002, "pi"),  # outside, at the corner
    ((np.pi - 0.01, 2 * np.pi - 0.003), 0.002, "pi"),  # outside, at the corner phi = 2 pi
])
def test_a_function_flipped_near_each_end_is_not_certified(centre, radius, roots):
    """The function with its sign flipped on a small disc near the end is not certified: the
    box holding the disc's centre stays uncertified, and no box far from the disc fails."""
    wrong = cf.FlippedInDisc(centre=centre, radius=radius)
    p = cert.Params(a_zero=0.01, a_margin=0.05, workers=1)
    depth = 8 if roots == "zero" else 14
    boxes = [b for b in cf.iter_roots(p.a_bottom, p.a_top, p.a_margin, zero=True)
             if b.piece == roots]
    leaves = [lf for b in boxes for lf in cf.subdivide(b, depth, wrong)]
    bad = [lf for lf in leaves if not lf.certified]
    far = cf.FlippedInDisc(centre=centre, radius=20 * radius)
    assert bad and all(far.meets(lf.box) for lf in bad)
    a0, p0 = centre
    assert any(lf.box.a_floats()[0] <= a0 <= lf.box.a_floats()[1]
               and cf.phi_range(lf.box)[0] <= p0 <= cf.phi_range(lf.box)[1] for lf in bad)
    # the true function is certified on the same roots
    assert all(lf.certified for b in boxes for lf in cf.subdivide(b, depth))


# --- the whole-domain certificate and check-certificate --region ---------------------------


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _certificate(out, params):
    """The certificate CSV as `conjecture1-grid --certify` writes it, without the figure (the
    command itself is run by test_exact_range_texts and by `relucheck all`)."""
    from relucheck.output.writers import write_tables

    r = cert.run(params)
    assert r.exit_code == 0
    return r, write_tables(r, out)[0]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The default whole-domain certificate (every a in (0, pi)), one worker."""
    return _certificate(tmp_path_factory.mktemp("whole"), cert.Params(workers=1))


@pytest.fixture(scope="module")
def near_pi(tmp_path_factory):
    """A small certificate with the a -> pi piece: a in [2.5, pi)."""
    return _certificate(tmp_path_factory.mktemp("near_pi"),
                        cert.Params(a_min=2.5, a_margin=0.5, workers=1))[1]


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_whole_domain_certificate_proves_0_pi(whole):
    r, path = whole
    assert r.summary["covered"][0]["text"] == "a in (0, pi)"
    assert {k.split("/")[0] for k in r.summary["by_piece_region_and_method"]} == {
        "zero", "bulk", "pi"}
    out = invoke("check-certificate", path, "--workers", 1, "--quiet", "--region", 0, "pi")
    assert out.exit_code == 0, out.output
    assert "Conjecture 1 holds for a in (0, pi)" in out.output
    assert "--region: proven for a in (0, pi)" in out.output


@pytest.mark.parametrize("piece, still", [("zero", (0.25, "pi")), ("pi", (0.0, 2.6))])
def test_an_end_piece_removed_fails_0_pi_and_passes_what_it_covers(whole, tmp_path, piece,
                                                                   still):
    from relucheck.output.writers import read_csv

    lines = whole[1].read_text().splitlines()
    path = _write(tmp_path / "cut.csv",
                  [lines[0]] + [ln for ln in lines[1:] if not ln.startswith(piece + ",")])
    r = invoke("check-certificate", path, "--workers", 1, "--quiet", "--region", 0, "pi")
    assert r.exit_code == 1 and "NOT PROVEN" in r.output, r.output
    assert "Conjecture 1 holds for a in (0, 2.64" in r.output or piece == "zero"
    covered, problems = certificate.check_certificate(read_csv(path), prec=64, workers=1)
    assert not problems and certificate.covers(covered["spans"], *still)
    assert not certificate.covers(covered["spans"], 0.0, "pi")


def test_a_certificate_for_half_to_two(tmp_path):
    _, path = _certificate(tmp_path, cert.Params(a_min=0.5, a_max=2.0, workers=1))
    r = invoke("check-certificate", path, "--quiet", "--workers", 1, "--region", 0.5, 2)
    assert r.exit_code == 0 and "a in [0.5, 2.0]" in r.output, r.output
    r = invoke("check-certificate", path, "--quiet", "--workers", 1, "--region", 0, "pi")
    assert r.exit_code == 1 and "no a -> 0 end piece" in r.output


def test_exact_range_texts():
    """Nothing rounded outward: the proven upper end is the float itself, and its distance to
    pi is rounded up (the old text said pi - 0.0414 for a_max = 3.10015, and the JSON's
    a_max_from_pi was 1.1e-16 too small)."""
    r = cert.run(cert.Params(a_min=2.0000004, a_max=3.10015, workers=1))
    assert r.exit_code == 0
    assert r.claims[0].measured.endswith("a in [2.0000004, 3.10015]")
    gap = r.summary["region"]["a_top_from_pi"]
    mp.mp.dps = DPS
    assert mp.mpf(gap) >= mp.pi - mp.mpf(3.10015) > mp.mpf(np.nextafter(gap, 0))


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.__setitem__("F12_lo", "nan"), "not a finite interval"),
    (lambda c: c.__setitem__("F12_hi", repr(-float(c["F12_hi"]) if float(c["F12_hi"]) > 0
                                            else 1.0)), ""),
    (lambda c: c.__setitem__("a_lo", repr(float(c["a_lo"]) + 1e-3)),
     "do not contain"),  # a pi-piece row's a range, not an outward rounding of pi - e
])
def test_stored_columns_are_rechecked(near_pi, tmp_path, edit, message):
    lines = near_pi.read_text().splitlines()
    header = lines[0].split(",")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("pi,") and ",corner," in ln)
    cells = dict(zip(header, lines[k].split(","), strict=True))
    edit(cells)
    lines[k] = ",".join(cells[h] for h in header)
    r = invoke("check-certificate", _write(tmp_path / "e.csv", lines), "--workers", 1,
               "--quiet")
    assert r.exit_code == 1 and f"line {k + 1}:" in r.output and message in r.output, r.output


@pytest.mark.parametrize("text, message", [
    ("cut", "fields"),  # a cut file: the last line short
    ("word", "must be numeric"),  # a word in a numeric column
])
def test_malformed_files_exit_2_with_one_line(near_pi, tmp_path, text, message):
    lines = near_pi.read_text().splitlines()
    if text == "cut":
        lines[-1] = lines[-1][: len(lines[-1]) // 2]
    else:
        cells = lines[5].split(",")
        cells[certificate.COLUMNS.index("x_hi")] = "abc"
        lines[5] = ",".join(cells)
    r = invoke("check-certificate", _write(tmp_path / "m.csv", lines), "--quiet")
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error")]
    assert r.exit_code == 2 and len(errors) == 1 and message in errors[0], r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("region", [("2", "1"), ("x", "1"), ("0.5", "4"), ("pi", "pi")])
def test_bad_region_exits_2(near_pi, region):
    r = invoke("check-certificate", near_pi, "--region", *region)
    assert r.exit_code == 2 and "--region" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args, option", [
    (("--a-min", 0.5, "--a-zero", 0.1), "--a-zero"),  # the a -> 0 piece replaced and sized
    (("--a-max", 2.0, "--a-margin", 0.3), "--a-margin"),
    (("--a-zero", 0.5), "--a-zero"),  # beyond the Taylor models' tested range
])
def test_end_piece_options_are_decided_before_any_work(tmp_path, args, option):
    from conftest import assert_rejected

    out = tmp_path / "o"
    assert_rejected(invoke("conjecture1-grid", "--certify", *args, "--out", out), option, out)
