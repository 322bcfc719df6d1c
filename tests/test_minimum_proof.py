"""Interval proofs of strict local minima (docs/math.md section 10): what they certify, what they
refuse (saddles, moved representatives, edited certificates), `census --certify` and
`check-minimum`.

The enclosures themselves are tested against mpmath and float64 in test_minimum_interval.py.
"""

from __future__ import annotations

import copy
import json
import math
from decimal import Decimal

import numpy as np
import pytest
from click.testing import CliRunner

from relucheck.cli import main
from relucheck.experiments import census
from relucheck.experiments import minimum_certificates as mc
from relucheck.numerics import fastgrad
from relucheck.numerics import minimum_proof as mp
from relucheck.numerics.minimum_interval import box, enclose
from relucheck.numerics.train import train
from relucheck.output.writers import read_csv
from relucheck.theory.gradient import population_loss

EPS = np.finfo(float).eps


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _float_hessian(W, W_star):
    n, d = W.shape
    H = np.empty((n * d, n * d))
    assert fastgrad.hessian(W, np.ones(n), W_star, np.ones(W_star.shape[0]), H)
    return H


def _saddle(K: int = 5) -> np.ndarray:
    """Theorem 7's symmetric critical point w_j = x 1 (a saddle), for the teacher I_K."""
    x = (math.sqrt(K - 1) - math.acos(1 / math.sqrt(K)) + math.pi) / (math.pi * K)
    return x * np.ones((K, K))


@pytest.fixture(scope="module")
def spurious_k8():
    """A spurious minimum of k = n = 8 reached by descent from a seeded census start."""
    p = census.Params(K=(8,), extra=(0,), runs=40)
    W0 = census.starts(p, 8, 8, 8, np.random.default_rng(np.random.SeedSequence(0)))
    out = train(W0, np.eye(8))
    loss = population_loss(out.W, np.eye(8))
    spur = np.flatnonzero((loss > 1e-3) & (out.status == "converged"))
    assert spur.size >= 1
    return out.W[spur[0]]


@pytest.fixture(scope="module")
def proofs(spurious_k8):
    return {"teacher": mp.prove_minimum(np.eye(3), np.eye(3)),
            "spurious": mp.prove_minimum(spurious_k8, np.eye(8))}


# ---------------------------------------------------------------- what is certified
@pytest.mark.parametrize("k", [1, 3, 6])
def test_teacher_is_certified_with_a_loss_interval_containing_zero(k):
    pr = mp.prove_minimum(np.eye(k), np.eye(k))
    assert pr.ok, pr.reason
    assert pr.loss_lo <= 0.0 <= pr.loss_hi and pr.loss_hi - pr.loss_lo < 1e-14
    lam = np.linalg.eigvalsh(_float_hessian(np.eye(k), np.eye(k)))[0]
    # a lower bound on the eigenvalues over the box, and a tight one (the box is ~1e-14 wide)
    assert 0 < pr.lambda_min_lo <= lam + 1e-12 and pr.lambda_min_lo >= lam - 1e-9
    assert pr.radius > 0 and math.frexp(pr.radius)[0] == 0.5  # a power of two


def test_spurious_minimum_is_certified_and_its_numbers_agree_with_float64(spurious_k8, proofs):
    pr = proofs["spurious"]
    assert pr.ok, pr.reason
    # the float64 loss at the representative is within its rounding (m^2 eps J scale, m = n + k
    # rows) of the certified interval, and the interval is narrow
    J = float(population_loss(spurious_k8, np.eye(8)))
    slack = 16**2 * EPS * max(1.0, J)
    assert pr.loss_lo - slack <= J <= pr.loss_hi + slack and pr.loss_lo > 1e-3
    assert pr.loss_hi - pr.loss_lo < 1e-12
    lam = np.linalg.eigvalsh(_float_hessian(spurious_k8, np.eye(8)))[0]
    assert 0 < pr.lambda_min_lo <= lam + 1e-12 and pr.lambda_min_lo >= lam - 1e-8


# ---------------------------------------------------------------- what is refused
def test_theorem7_saddle_is_refused_and_the_interval_step_alone_refuses_it():
    W = _saddle(5)
    pr = mp.prove_minimum(W, np.eye(5))
    assert not pr.ok and pr.step == mp.POSITIVE
    # without the float pre-check: the Gershgorin bound over a box around the saddle is < 0
    E = enclose(box(W, 2.0**-40), np.eye(5), np.ones(5), np.ones(5), hessian=True)
    _, Q = np.linalg.eigh(_float_hessian(W, np.eye(5)))
    bound = mp.lambda_lower_bound(E.hess, Q)
    assert bound < 0


def test_a_representative_moved_beyond_its_radius_is_refused(spurious_k8, proofs):
    r = proofs["spurious"].radius
    moved = spurious_k8.copy()
    moved[2, 3] += 64 * r  # the critical point is now ~64 r from the centre
    pr = mp.prove_minimum(moved, np.eye(8), radius=r)
    assert not pr.ok and pr.step == mp.KRAWCZYK
    # with the radius left to the search the same point is certified, at a radius >= the move
    again = mp.prove_minimum(moved, np.eye(8))
    assert again.ok and again.radius >= 64 * r


def test_a_point_far_from_any_critical_point_is_refused(spurious_k8):
    moved = spurious_k8 + 1e-2
    pr = mp.prove_minimum(moved, np.eye(8))
    assert not pr.ok and pr.step in (mp.KRAWCZYK, mp.POSITIVE)


def test_zero_row_and_degenerate_points_are_refused():
    W = np.eye(3)
    W[1] = 0.0
    assert mp.prove_minimum(W, np.eye(3)).step == mp.FLOAT
    # n > k global minimum: two units share the teacher unit e1 (2/3 e1 + 1/3 e1), J = 0 along
    # a whole segment of such splits, so the Hessian is singular: not a strict minimum
    W = np.array([[2 / 3, 0.0], [1 / 3, 0.0], [0.0, 1.0]])
    assert population_loss(W, np.eye(2)) < 1e-15
    pr = mp.prove_minimum(W, np.eye(2))
    assert not pr.ok and pr.step in (mp.FLOAT, mp.POSITIVE, mp.KRAWCZYK)


# ---------------------------------------------------------------- certificates
@pytest.fixture(scope="module")
def doc(spurious_k8, proofs):
    certs = [mc.certificate(3, 3, 3, 0, mc.GLOBAL, np.eye(3), np.eye(3), np.ones(3), np.ones(3),
                            proofs["teacher"]),
             mc.certificate(8, 8, 8, 1, mc.SPURIOUS, spurious_k8, np.eye(8), np.ones(8),
                            np.ones(8), proofs["spurious"])]
    return json.loads(json.dumps(mc.document(certs)))  # as read back from the file


def test_exact_decimals_round_trip_and_refuse_inexact_ones(rng):
    for x in [0.1, -1e-300, 5e-324, 1.0, 2.0**60 + 1024, *rng.standard_normal(20)]:
        assert mc.read_exact(mc.exact_decimal(x)) == x
    for bad in ["0.1", "1e400", "nan", "abc", 0.5, None]:
        with pytest.raises(ValueError):
            mc.read_exact(bad)


def test_a_certificate_file_is_re_verified(doc):
    assert mc.check_document(doc) == (2, [])


def _edit(doc, i, field, value, redigest=True):
    d = copy.deepcopy(doc)
    c = d["certificates"][i]
    if callable(value):
        value(c)
    else:
        c[field] = value
    if redigest:
        c["digest"] = mc.digest(c)
    return d


def _problem(d) -> str:
    _, problems = mc.check_document(d)
    assert len(problems) == 1, problems
    return problems[0]


def test_edited_certificates_are_refused(doc, proofs):
    r = proofs["spurious"].radius

    def move(c):
        c["representative"][0][0] = mc.exact_decimal(float(Decimal(c["representative"][0][0]))
                                                      + 64 * r)

    def saddle(c):
        W = _saddle(5)
        c.update(k=5, n=5, d=5, W_star=mc._matrix(np.eye(5)),
                 a_star=[mc.exact_decimal(1.0)] * 5, a=[mc.exact_decimal(1.0)] * 5,
                 representative=mc._matrix(W))

    lo = proofs["spurious"].loss_lo
    cases = [
        (_edit(doc, 1, "loss_lo", mc.exact_decimal(lo + 1e-6)), "loss claim"),
        (_edit(doc, 1, "loss_hi", mc.exact_decimal(lo)), "loss claim"),
        (_edit(doc, 1, "lambda_min_lo", mc.exact_decimal(1.0)), "eigenvalue claim"),
        (_edit(doc, 1, "lambda_min_lo", mc.exact_decimal(-1.0)), "eigenvalue claim"),
        (_edit(doc, 1, None, move), "Krawczyk inclusion"),
        (_edit(doc, 1, "radius", mc.exact_decimal(r / 2**20)), "Krawczyk inclusion"),
        (_edit(doc, 1, "radius", mc.exact_decimal(3 * r)), "not a positive power of two"),
        (_edit(doc, 1, None, saddle), "positive definite"),
        (_edit(doc, 0, "class", mc.SPURIOUS), "class claim"),
        (_edit(doc, 1, "loss_lo", "0.1"), "exact floats"),
        (_edit(doc, 1, "loss_lo", mc.exact_decimal(lo / 2), redigest=False), "integrity"),
    ]
    for d, step in cases:
        problem = _problem(d)
        assert "certificate 1" in problem or "certificate 0" in problem
        assert step in problem, (step, problem)
    # a looser claim than the proof gives is still a true statement: accepted
    ok = _edit(doc, 1, "loss_lo", mc.exact_decimal(lo / 2))
    assert mc.check_document(ok) == (2, [])


@pytest.mark.parametrize("mangle", [
    lambda d: d.update(format="something else"),
    lambda d: d.update(version=2),
    lambda d: d.update(certificates=[]),
    lambda d: d["certificates"][0].pop("radius"),
    lambda d: d["certificates"][0].update(representative=[["1"]]),
    lambda d: d["certificates"][0].update(k="three"),
    lambda d: d["certificates"][0].update(precision_bits=10),
    lambda d: d["certificates"][0].update({"class": "saddle"}),
])
def test_malformed_files_are_not_certificates(doc, mangle):
    d = copy.deepcopy(doc)
    mangle(d)
    with pytest.raises(mc.NotACertificate):
        mc.check_document(d)


# ---------------------------------------------------------------- the commands
@pytest.fixture(scope="module")
def certified_census(tmp_path_factory):
    out = tmp_path_factory.mktemp("census_certify")
    res = invoke("census", "--K", "8,10", "--extra", "0", "--runs", 60, "--certify", "--out",
                 out, "--quiet", "--workers", 2)
    return res, out


def test_census_certify_proves_every_family_at_k_8_and_10(certified_census):
    res, out = certified_census
    assert res.exit_code == 0, res.output
    fam = read_csv(out / "census_families.csv")
    for col in ("certified", "radius", "loss_lo", "loss_hi", "lambda_min_lo", "certify_note"):
        assert col in fam
    spur = fam["class"] == "spurious_minimum"
    assert spur.sum() >= 2  # the seeded runs meet spurious families at both k
    target = spur | ((fam["class"] == "teacher") & (fam["n"] == fam["k"]))
    assert np.all(fam["certified"][target] == 1)
    assert np.all(fam["loss_lo"][spur] > 0)
    assert np.all(fam["lambda_min_lo"][target] > 0)
    assert np.all(fam["lambda_min_lo"][target] <= fam["lambda_min"][target] + 1e-12)
    doc = json.loads((out / "census_certificates.json").read_text())
    assert len(doc["certificates"]) == int(target.sum())
    res = invoke("check-minimum", out / "census_certificates.json", "--quiet")
    assert res.exit_code == 0 and "VALID" in res.output


def test_check_minimum_exit_codes(certified_census, tmp_path):
    _, out = certified_census
    doc = json.loads((out / "census_certificates.json").read_text())
    c = doc["certificates"][-1]
    c["lambda_min_lo"] = mc.exact_decimal(10.0)
    c["digest"] = mc.digest(c)
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc))
    res = invoke("check-minimum", bad, "--quiet", "--workers", 1)
    assert res.exit_code == 1
    assert "INVALID" in res.output and f"family={c['family']}" in res.output
    assert "eigenvalue claim" in res.output
    for text in ("not json", "{}", json.dumps({"format": mc.FORMAT, "version": 1})):
        f = tmp_path / "x.json"
        f.write_text(text)
        res = CliRunner().invoke(main, ["check-minimum", str(f)])
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error:")
        assert "Traceback" not in res.output
    res = CliRunner().invoke(main, ["check-minimum", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_census_certify_exits_1_and_says_why_when_a_family_cannot_be_proved(monkeypatch,
                                                                            tmp_path):
    def refuse(W, W_star, a=None, a_star=None, **kw):
        return mp.Proof(False, math.nan, math.nan, math.nan, math.nan, 64, 0.0, mp.POSITIVE,
                        "refused on purpose")

    monkeypatch.setattr(mp, "prove_minimum", refuse)
    res = invoke("census", "--K", "4", "--extra", "0", "--runs", 10, "--certify", "--out",
                 tmp_path, "--quiet", "--workers", 1)
    assert res.exit_code == 1
    assert "FAILED" in res.output and "refused" in res.output
    fam = read_csv(tmp_path / "census_families.csv")
    assert np.all(fam["certified"] == 0)
    assert any("refused on purpose" in s for s in fam["certify_note"])
    assert not (tmp_path / "census_certificates.json").exists()


def test_census_prec_reaches_the_proofs():
    p = census.Params(K=(3,), extra=(0,), runs=5, certify=True, prec=96, workers=1)
    res = census.run(p, np.random.default_rng(0))
    certs = res.documents["certificates"]["certificates"]
    assert certs and all(c["precision_bits"] == 96 for c in certs)
    assert mc.check_document(json.loads(json.dumps(res.documents["certificates"])))[1] == []


def test_no_box_beyond_the_largest_radius_is_searched():
    W = np.eye(3) + 1e-3 * np.arange(9.0).reshape(3, 3)  # a Newton step of ~1e-3 from I
    pr = mp.prove_minimum(W, np.eye(3))
    assert not pr.ok and pr.step == mp.KRAWCZYK and "no critical point within" in pr.reason
