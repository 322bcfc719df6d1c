"""The interval proof of Conjecture 1 (``conjecture1-grid --certify``) and its checker.

Enclosures are tested against independent computations: docs/math.md's textbook formula evaluated
in mpmath at 40 digits (and its phi-derivative by mpmath's numerical differentiation), and the
float64 reduced form of relucheck.theory.critical. A deliberately wrong function must not be
certified, and a certificate with one box removed, duplicated or moved must be rejected.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import G_mp, assert_rejected

from relucheck import proofs
from relucheck.cli import main
from relucheck.experiments import conjecture1_certify as cert
from relucheck.proofs import _arb
from relucheck.proofs.conjecture1 import certificate as checker
from relucheck.proofs.conjecture1 import interval as iv
from relucheck.proofs.conjecture1 import subdivision as cf
from relucheck.theory.critical import L_plane

# --- an independent reference: docs/math.md section 4 as printed, in mpmath ---------------


def _phi(region, a, x):
    return x * a if region == iv.IN else a + x * (2 * mp.pi - a)


def _contains(ball, value) -> bool:
    return bool(ball.contains(iv.arb(mp.nstr(value, 40))))


def _random_boxes(rng, n):
    for k in range(n):
        region = iv.REGIONS[k % 2]
        a_lo = float(np.exp(rng.uniform(np.log(0.01), np.log(3.1))))
        a_hi = min(a_lo * (1 + rng.choice([0.3, 1e-2, 1e-5]) * rng.uniform()), np.pi - 1e-3)
        x_lo = float(rng.uniform(0, 1))
        x_hi = min(1.0, x_lo + rng.choice([0.2, 1e-2, 1e-6]) * rng.uniform())
        if rng.uniform() < 0.2:  # boxes on the lines, where slope boxes live
            x_lo, x_hi = (0.0, x_hi - x_lo) if rng.uniform() < 0.5 else (1 - (x_hi - x_lo), 1.0)
        yield region, a_lo, a_hi, x_lo, x_hi


def _points(rng, a_lo, a_hi, x_lo, x_hi, n=3):
    """Random points and the four corners (the extremes of the centred form's error terms)."""
    corners = [(a_lo, x_lo), (a_lo, x_hi), (a_hi, x_lo), (a_hi, x_hi)]
    return corners + [(rng.uniform(a_lo, a_hi), rng.uniform(x_lo, x_hi)) for _ in range(n)]


def test_value_enclosures_contain_mpmath_and_float64_values(rng):
    mp.mp.dps = 40
    n = 0
    for region, a_lo, a_hi, x_lo, x_hi in _random_boxes(rng, 150):
        proofs.set_precision(64)
        e = iv.enclose("value", region, a_lo, a_hi, x_lo, x_hi)
        for a, x in _points(rng, a_lo, a_hi, x_lo, x_hi):
            ref = G_mp(a, _phi(region, mp.mpf(a), mp.mpf(x)))
            assert _contains(e.f12, ref[0]) and _contains(e.f21, ref[1]), (region, a, x, e, ref)
            # float64 (the reduced form) agrees to its rounding, well inside the enclosure
            L12, L21 = L_plane(a, float(_phi(region, a, x)))
            for ball, val in ((e.f12, L12 / np.sin(a)), (e.f21, L21 / np.sin(a))):
                assert float(ball.lower()) - 1e-12 <= val <= float(ball.upper()) + 1e-12
            n += 1
    assert n == 150 * 7


def test_slope_enclosures_contain_mpmath_derivatives(rng):
    mp.mp.dps = 40
    for region, a_lo, a_hi, x_lo, x_hi in _random_boxes(rng, 60):
        proofs.set_precision(64)
        e = iv.enclose("slope", region, a_lo, a_hi, x_lo, x_hi)
        for a, x in _points(rng, a_lo, a_hi, x_lo, x_hi, n=1):
            phi = _phi(region, mp.mpf(a), mp.mpf(x))
            # one-sided inside the box's piece: step toward the box's interior in phi
            side = 1 if x < 0.5 * (x_lo + x_hi) or x == x_lo else -1
            d = [mp.diff(lambda p, k=k, a=a: G_mp(a, p)[k], phi, direction=side)
                 for k in (0, 1)]
            assert _contains(e.f12, d[0]) and _contains(e.f21, d[1]), (region, a, x, e, d)


def _piece_at(region, a, phi):
    if region == iv.IN:
        return "A"
    return "B" if phi < np.pi else ("C" if phi < a + np.pi else "D")


@pytest.mark.parametrize("form", ["value", "slope"])
def test_jet_gradient_and_hessian_match_mpmath_derivatives(rng, form):
    """The second-order jets behind the Taylor form, at points, against mpmath's numerical
    partial derivatives of docs/math.md's formula in the box coordinates (a, x)."""
    mp.mp.dps = 40
    proofs.set_precision(128)
    n = 0
    while n < (24 if form == "value" else 10):
        region = iv.REGIONS[n % 2]
        a, x = float(rng.uniform(0.05, 3.0)), float(rng.uniform(0.02, 0.98))
        phi = float(_phi(region, a, x))
        if region == iv.OUT and min(abs(phi - np.pi), abs(phi - a - np.pi)) < 0.05:
            continue  # keep clear of the kinks between pieces
        jets = iv.FORMS[form](region, _piece_at(region, a, phi),
                              iv.Jet.variable(iv.arb(a), "a"), iv.Jet.variable(iv.arb(x), "x"))
        for k in (0, 1):
            def G(aa, xx, k=k, region=region):
                p = _phi(region, aa, xx)
                if form == "value":
                    return G_mp(aa, p)[k]
                return mp.diff(lambda q: G_mp(aa, q)[k], p)

            j = jets[k]
            for orders, comp in (((0, 0), j.v), ((1, 0), j.da), ((0, 1), j.dx),
                                 ((2, 0), j.aa), ((1, 1), j.ax), ((0, 2), j.xx)):
                ref = mp.diff(G, (mp.mpf(a), mp.mpf(x)), orders)
                got = float(iv.arb(comp).mid())
                assert abs(got - float(ref)) <= 1e-9 * (1 + abs(float(ref))), (
                    form, region, a, x, k, orders, got, ref)
        n += 1
    proofs.set_precision(64)


def test_proposition_1_the_lines_are_zeros_of_the_enclosures():
    proofs.set_precision(64)
    for a in (0.01, 0.7, 2.5, 3.14):
        for region, x in ((iv.IN, 0.0), (iv.IN, 1.0), (iv.OUT, 0.0), (iv.OUT, 1.0)):
            e = iv.enclose("value", region, a, a, x, x)
            assert e.f12.contains(0) and e.f21.contains(0)
            assert float(e.f12.rad()) < 1e-15


def test_reference_values_of_math_md():
    """The reference (a, phi, L12, L21) of docs/math.md section 4 lie in the enclosures at
    point boxes."""
    proofs.set_precision(64)
    for a, phi, L12, L21 in [(3 * np.pi / 8, np.pi / 8, 0.364462883427043, 0.304190189760724),
                             (7 * np.pi / 8, np.pi, -0.0534978054711314, -0.402227663772468)]:
        region = iv.IN if phi < a else iv.OUT
        x = phi / a if region == iv.IN else (phi - a) / (2 * np.pi - a)
        e = iv.enclose("value", region, a, a, x, x)
        s = np.sin(a)
        assert abs(float(e.f12.mid()) * s - L12) < 1e-13
        assert abs(float(e.f21.mid()) * s - L21) < 1e-13


# --- the subdivision -------------------------------------------------------------------------


SMALL = cert.Params(a_min=0.6, a_max=1.2, max_depth=20, workers=1)


@pytest.fixture(scope="module")
def small_result():
    return cert.run(SMALL)


def test_small_region_is_certified_and_tiled(small_result):
    r = small_result
    t = r.tables["main"]
    assert r.exit_code == 0 and all(c.verdict in ("PASS", "REPORTED") for c in r.claims)
    assert np.all(t["certified"] == 1) and len(t["a_lo"]) > 50
    assert set(t["method"].tolist()) == {"value", "slope"}
    # slope boxes are exactly the boxes on a line; value boxes touch none
    on_line = (t["x_lo"] == 0) | (t["x_hi"] == 1)
    assert np.array_equal(on_line, t["method"] == "slope")
    # the recorded enclosures have the claimed signs
    sign = np.where(t["region"] == "in", 1, -1)
    sign = np.where(t["method"] == "slope", np.where(t["x_lo"] == 0, sign, -sign), sign)
    for lo, hi in (("F12_lo", "F12_hi"), ("F21_lo", "F21_hi")):
        assert np.all(np.where(sign > 0, t[lo] > 0, t[hi] < 0))
    assert r.summary["boxes"] == len(t["a_lo"]) and r.summary["uncertified"] == 0


def test_certified_signs_agree_with_float64_at_box_centres(small_result):
    t = small_result.tables["main"]
    a = 0.5 * (t["a_lo"] + t["a_hi"])
    x = 0.5 * (t["x_lo"] + t["x_hi"])
    phi = np.where(t["region"] == "in", x * a, a + x * (2 * np.pi - a))
    L12, L21 = L_plane(a, phi)
    want = np.where(t["region"] == "in", 1, -1)
    assert np.all(np.sign(L12) == want) and np.all(np.sign(L21) == want)


def test_worker_count_does_not_change_the_certificate(small_result):
    two = cert.run(SMALL.__class__(**{**SMALL.__dict__, "workers": 2}))
    for k, v in small_result.tables["main"].items():
        assert np.array_equal(v, two.tables["main"][k], equal_nan=v.dtype.kind == "f"), k


@pytest.mark.parametrize("centre", [(0.9, 0.45), (0.9, 3.0)])  # inside, outside the cone
def test_a_function_flipped_in_a_disc_is_not_certified_there(centre):
    wrong = cf.FlippedInDisc(centre=centre, radius=0.02)
    r = cert.run(cert.Params(a_min=0.6, a_max=1.2, max_depth=16, workers=1), evaluate=wrong)
    t = r.tables["main"]
    bad = np.flatnonzero(t["certified"] == 0)
    assert r.exit_code == 1 and len(bad) > 0
    assert len(r.tables["uncertified"]["a_lo"]) == len(bad)
    boxes = [cf.Box(t["region"][i], t["a_lo"][i], t["a_hi"][i], t["x_lo"][i], t["x_hi"][i])
             for i in range(len(t["a_lo"]))]
    assert all(wrong.meets(boxes[i]) for i in bad)  # failures only where the function is wrong
    # and the disc is not covered by certified boxes: its centre lies in an uncertified one
    a0, p0 = centre
    assert any(b.a_lo <= a0 <= b.a_hi and cf.phi_range(b)[0] <= p0 <= cf.phi_range(b)[1]
               for b in (boxes[i] for i in bad))
    claim = r.claims[0]
    assert claim.verdict == "FAIL" and f"{len(bad)} uncertified" in claim.measured


# --- the tiling check ------------------------------------------------------------------------


def _grid_boxes():
    # root [1, 2] x [0, 1]: left half split in x, right half whole
    return np.array([[1.0, 1.5, 0.0, 0.5], [1.0, 1.5, 0.5, 1.0], [1.5, 2.0, 0.0, 1.0]])


def _tiling(b):
    return checker.check_tiling(b[:, 0], b[:, 1], b[:, 2], b[:, 3], (1.0, 2.0, 0.0, 1.0))


def test_tiling_check_accepts_a_bisection_tiling():
    assert _tiling(_grid_boxes()) == []


@pytest.mark.parametrize("edit, word", [
    (lambda b: b[1:], "gap"),
    (lambda b: np.vstack([b, b[:1]]), "overlap"),
    (lambda b: np.vstack([b[:2], [[1.5, 2.0, 0.0, 0.9]]]), "gap"),
    (lambda b: np.vstack([b[:2], [[1.5, 2.1, 0.0, 1.0]]]), "misfit"),
    (lambda b: np.vstack([b, [[2.0, 3.0, 0.0, 1.0]]]), ""),
])
def test_tiling_check_rejects_gaps_overlaps_and_strays(edit, word):
    problems = _tiling(edit(_grid_boxes()))
    assert problems and all(word in p for p in problems[:1])


# --- relucheck check-certificate ---------------------------------------------------------------


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory, small_result):
    """The small region's certificate as `conjecture1-grid --certify` writes it (the command
    itself, with its figure, is exercised by `relucheck all` in test_all.py)."""
    from relucheck.output.writers import write_tables

    out = tmp_path_factory.mktemp("cert")
    paths = write_tables(small_result, out)
    assert paths[0].name == f"{cert.STEM}.csv"
    return paths[0]


def test_check_certificate_accepts_the_certificate(certificate):
    r = invoke("check-certificate", certificate, "--workers", 1, "--quiet")
    assert r.exit_code == 0, r.output
    assert "VALID" in r.output and "[0.6, 1.2]" in r.output


def _edited(certificate, tmp_path, edit):
    lines = certificate.read_text().splitlines()
    path = tmp_path / "edited.csv"
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


def _move(line):
    cells = line.split(",")
    k = checker.COLUMNS.index("x_hi")
    cells[k] = repr(float(cells[k]) * (1 - 1e-9))  # x_hi a hair short: a sliver of a gap
    return ",".join(cells)


@pytest.mark.parametrize("edit, message", [
    (lambda ls: ls[:7] + ls[8:], "gap"),  # one box removed
    (lambda ls: ls + [ls[7]], "overlap"),  # one box twice
    (lambda ls: ls[:7] + [_move(ls[7])] + ls[8:], ""),  # one box moved
    (lambda ls: [ls[0]] + [ln.replace(",slope,", ",value,") for ln in ls[1:]], "method"),
    (lambda ls: [ls[0]] + [ln.replace(",in,", ",out,", 1) for ln in ls[1:]],
     ""),  # claims moved to the other region
    (lambda ls: ls[:7] + [ls[7].replace(",1,value,", ",0,value,")] + ls[8:], "uncertified"),
])
def test_check_certificate_rejects_an_edited_certificate(certificate, tmp_path, edit, message):
    path = _edited(certificate, tmp_path, edit)
    r = invoke("check-certificate", path, "--workers", 1, "--quiet")
    assert r.exit_code == 1, r.output
    assert "INVALID" in r.output and message in r.output


def test_check_certificate_rejects_a_file_that_is_not_a_certificate(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    r = invoke("check-certificate", path)
    assert r.exit_code == 2 and "missing columns" in r.output and "Traceback" not in r.output


# --- the command line ------------------------------------------------------------------------


def test_cli_certify_writes_the_certificate_and_its_summary(tmp_path):
    import json

    r = invoke("conjecture1-grid", "--certify", "--a-min", 0.6, "--a-max", 1.2, "--workers", 1,
               "--quiet", "--out", tmp_path)
    assert r.exit_code == 0 and "PASS" in r.output and "FAIL" not in r.output, r.output
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == sorted([f"{cert.STEM}.{e}" for e in ("csv", "json", "png", "pdf")]
                           + [f"{cert.STEM}_uncertified.csv", f"{cert.STEM}.run.json"])
    prov = json.loads((tmp_path / f"{cert.STEM}.json").read_text())
    summary = prov["summary"]
    assert summary["region"]["a_bottom"] == 0.6 and summary["region"]["a_top"] == 1.2
    assert summary["covered"][0]["hi"] == 1.2 and "pi_end_piece" not in summary["region"]
    assert summary["uncertified"] == 0 and summary["boxes"] == summary["certified"] > 0
    assert summary["precision_bits"] == 64 and "prove_seconds" not in summary
    assert prov["exit_code"] == 0 and prov["parameters"]["workers"] == 1
    run = json.loads((tmp_path / f"{cert.STEM}.run.json").read_text())["run"]
    assert run["prove_seconds"] >= 0 and run["workers_used"] == 1


def test_grid_options_are_rejected_with_certify(tmp_path):
    out = tmp_path / "o"
    assert_rejected(invoke("conjecture1-grid", "--certify", "--n-a", 10, "--out", out),
                    "--n-a", out)
    assert_rejected(invoke("conjecture1-grid", "--a-margin", 0.1, "--out", out),
                    "--a-margin", out)
    assert_rejected(invoke("conjecture1-grid", "--certify", "--a-min", 2.0, "--a-max", 1.0,
                           "--out", out), "--a-max", out)


def test_missing_python_flint_gives_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(_arb, "arb", None)
    out = tmp_path / "o"
    r = invoke("conjecture1-grid", "--certify", "--quick", "--out", out)
    assert r.exit_code == 2 and "pip install '.[certify]' from a clone" in r.output
    assert not out.exists()
    with pytest.raises(ImportError, match=r"python-flint>=0\.6"):
        proofs.require_flint()
