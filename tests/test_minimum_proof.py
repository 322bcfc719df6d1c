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
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from relucheck.cli import main
from relucheck.descent import _kernels as kernels
from relucheck.descent.train import train
from relucheck.experiments import census
from relucheck.output.writers import read_csv
from relucheck.proofs.minimum import certificate as mc
from relucheck.proofs.minimum import proof as mp
from relucheck.proofs.minimum.interval import box, enclose
from relucheck.theory.gradient import population_loss

EPS = np.finfo(float).eps


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _float_hessian(W, W_star):
    n, d = W.shape
    H = np.empty((n * d, n * d))
    assert kernels.hessian(W, np.ones(n), W_star, np.ones(W_star.shape[0]), H)
    return H


def _rotation_slack(H: np.ndarray) -> float:
    """How far the stored rotation Q = round(2^30 Q_float) 2^-30 may loosen the eigenvalue
    bound: with |Q - Q_float| <= 2^-31 entrywise, each off-diagonal row sum of Q^T A Q grows by
    at most 2 lambda_max N^(3/2) 2^-31 (and Q^T Q - I by N 2^-30, a relative loss), plus the
    box's own width."""
    N = H.shape[0]
    lam = np.linalg.eigvalsh(H)
    slack = float(lam[-1] * N**1.5 * 2.0**-30 + lam[0] * N * 2.0**-29 + 1e-9)
    # and the claim is rounded down to mp.LAMBDA_DIGITS significant digits
    return slack + 10.0 ** (math.floor(math.log10(lam[0])) - mp.LAMBDA_DIGITS + 1)


def _saddle(K: int = 5) -> np.ndarray:
    """Theorem 7's symmetric critical point w_j = x 1 (a saddle), for the teacher I_K."""
    x = (math.sqrt(K - 1) - math.acos(1 / math.sqrt(K)) + math.pi) / (math.pi * K)
    return x * np.ones((K, K))


@pytest.fixture(scope="module")
def spurious_k8():
    """A spurious minimum of k = n = 8 reached by descent from a seeded census start."""
    p = census.Params(ks=(8,), extra=(0,), runs=40)
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
    H = _float_hessian(np.eye(k), np.eye(k))
    lam = np.linalg.eigvalsh(H)[0]
    # a lower bound on the eigenvalues over the box, and a tight one (the box is ~1e-14 wide)
    assert 0 < pr.lambda_min_lo <= lam + 1e-12 and pr.lambda_min_lo >= lam - _rotation_slack(H)
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
    H = _float_hessian(spurious_k8, np.eye(8))
    lam = np.linalg.eigvalsh(H)[0]
    assert 0 < pr.lambda_min_lo <= lam + 1e-12
    assert pr.lambda_min_lo >= lam - _rotation_slack(H) - 1e-8  # the box is ~1e-8 wide


# ---------------------------------------------------------------- what is refused
def test_theorem7_saddle_is_refused_and_the_interval_step_alone_refuses_it():
    W = _saddle(5)
    pr = mp.prove_minimum(W, np.eye(5))
    assert not pr.ok and pr.step == mp.POSITIVE
    # without the float pre-check: the Gershgorin bound over a box around the saddle is < 0
    E = enclose(box(W, 2.0**-40), np.eye(5), np.ones(5), np.ones(5), hessian=True)
    lam, Q = np.linalg.eigh(_float_hessian(W, np.eye(5)))
    pre = mp.Preconditioner(np.rint(np.ldexp(Q, 30)).astype(np.int64), np.abs(lam))
    assert mp.lambda_lower_bound(E.hess, mp._rotation(pre)) < 0
    # and the arb part alone refuses it, given a preconditioner that pretends it is a minimum
    # (its Hessian is also singular there, so the Krawczyk step already fails)
    pr = mp.prove_on_box(W, np.eye(5), None, None, radius=2.0**-40, pre=pre)
    assert not pr.ok and pr.step in (mp.KRAWCZYK, mp.POSITIVE)


def test_cover_makes_the_box_hold_the_given_distance(spurious_k8, proofs):
    r = proofs["spurious"].radius
    pr = mp.prove_minimum(spurious_k8, np.eye(8), cover=300 * r)
    assert pr.ok and pr.radius >= 300 * r and pr.radius == 512 * r
    # a cover beyond what can be proved falls back to the smallest provable box
    far = mp.prove_minimum(spurious_k8, np.eye(8), cover=0.5)
    assert far.ok and far.radius == r


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
        lam, Q = np.linalg.eigh(_float_hessian(W, np.eye(5)))
        lam = np.where(np.abs(lam) > 1e-6, np.abs(lam), 1.0)  # pretend it is a minimum
        c.update(k=5, n=5, d=5, W_star=mc._matrix(np.eye(5)),
                 a_star=[mc.exact_decimal(1.0)] * 5, a=[mc.exact_decimal(1.0)] * 5,
                 representative=mc._matrix(W),
                 rotation=mc.encode_rotation(np.rint(np.ldexp(Q, 30)).astype(int)),
                 eigenvalues=[mc.exact_decimal(x) for x in lam])

    lo = proofs["spurious"].loss_lo
    cases = [
        (_edit(doc, 1, "loss_lo", mc.exact_decimal(lo + 1e-6)), "loss claim"),
        (_edit(doc, 1, "loss_hi", mc.exact_decimal(lo)), "loss claim"),
        (_edit(doc, 1, "lambda_min_lo", mc.exact_decimal(1.0)), "eigenvalue claim"),
        (_edit(doc, 1, "lambda_min_lo", mc.exact_decimal(-1.0)), "eigenvalue claim"),
        (_edit(doc, 1, None, move), "Krawczyk inclusion"),
        (_edit(doc, 1, "radius", mc.exact_decimal(r / 2**20)), "Krawczyk inclusion"),
        (_edit(doc, 1, "radius", mc.exact_decimal(3 * r)), "not a positive power of two"),
        # its Hessian is singular: refused at the Krawczyk step (or at positive definiteness)
        (_edit(doc, 1, None, saddle), ("Krawczyk inclusion", "positive definite")),
        (_edit(doc, 0, None, lambda c: c.update({"class": mc.SPURIOUS, "family": 3})),
         "class claim"),
        (_edit(doc, 1, "loss_lo", "0.1"), "exact floats"),
        (_edit(doc, 1, "rotation", "not base64!"), "exact floats"),
        (_edit(doc, 1, "rotation", mc.encode_rotation(np.zeros((64, 64), dtype=int))),
         "Krawczyk inclusion"),
        (_edit(doc, 1, "loss_lo", mc.exact_decimal(lo / 2), redigest=False), "integrity"),
    ]
    for d, step in cases:
        problem = _problem(d)
        assert "certificate 1" in problem or "certificate 0" in problem
        assert any(s in problem for s in ((step,) if isinstance(step, str) else step)), problem
    # a looser claim than the proof gives is still a true statement: accepted
    ok = _edit(doc, 1, "loss_lo", mc.exact_decimal(lo / 2))
    assert mc.check_document(ok) == (2, [])


@pytest.mark.parametrize("mangle", [
    lambda d: d.update(format="something else"),
    lambda d: d.update(version=1),
    lambda d: d.update(certificates=[]),
    lambda d: d["certificates"][0].pop("radius"),
    lambda d: d["certificates"][0].update(representative=[["1"]]),
    lambda d: d["certificates"][0].update(k="three"),
    lambda d: d["certificates"][0].update(precision_bits=10),
    lambda d: d["certificates"][0].update({"class": "saddle"}),
    lambda d: d["certificates"][0].update(eigenvalues=["1.0"]),
    lambda d: d["certificates"][0].update(family="1"),
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
    p = census.Params(ks=(3,), extra=(0,), runs=5, certify=True, prec=96, workers=1)
    res = census.run(p, np.random.default_rng(0))
    certs = res.documents["certificates"]["certificates"]
    assert certs and all(c["precision_bits"] == 96 for c in certs)
    assert mc.check_document(json.loads(json.dumps(res.documents["certificates"])))[1] == []


def test_no_box_beyond_the_largest_radius_is_searched():
    W = np.eye(3) + 1e-3 * np.arange(9.0).reshape(3, 3)  # a Newton step of ~1e-3 from I
    pr = mp.prove_minimum(W, np.eye(3))
    assert not pr.ok and pr.step == mp.KRAWCZYK and "no critical point within" in pr.reason


# ---------------------------------------------------------------- a re-check is arb alone
def test_the_re_check_calls_no_float_linear_algebra_nor_compiled_kernel(doc, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("a re-check must not use float LAPACK, BLAS or numba kernels")

    for mod, name in [(np.linalg, "eigh"), (np.linalg, "eigvalsh"), (np.linalg, "inv"),
                      (np.linalg, "solve"), (kernels, "hessian"), (kernels, "hessian_batch")]:
        monkeypatch.setattr(mod, name, forbidden)
    assert mc.check_document(doc) == (2, [])


def test_a_last_bit_different_preconditioner_gives_the_same_verdict(doc, rng):
    """Another BLAS or LAPACK would write other last bits into the rotation and eigenvalues; the
    proof holds for any preconditioner close to a good one, so the verdict does not move."""
    def perturb(c):
        N = c["n"] * c["d"]
        Q = mc.decode_rotation(c["rotation"], N)
        c["rotation"] = mc.encode_rotation(Q + rng.integers(-2, 3, Q.shape))
        c["eigenvalues"] = [mc.exact_decimal(math.nextafter(float(Decimal(x)), math.inf))
                            for x in c["eigenvalues"]]

    other = _edit(_edit(doc, 0, None, perturb), 1, None, perturb)
    assert other["certificates"][1]["rotation"] != doc["certificates"][1]["rotation"]
    assert mc.check_document(other) == (2, [])


# ---------------------------------------------------------------- every label is checked
def test_every_relabelling_is_refused_with_a_line_naming_it(doc):
    def as_global(c):
        c.update({"class": mc.GLOBAL, "family": 0})

    def doubled_teacher(c):  # W* = 2 I and the representative doubled: J(2W; 2W*) = 4 J(W; W*)
        k = c["k"]
        c["W_star"] = mc._matrix(2 * np.eye(k))
        c["representative"] = [[mc.exact_decimal(2 * float(Decimal(x))) for x in r]
                               for r in c["representative"]]
        c["radius"] = mc.exact_decimal(2 * float(Decimal(c["radius"])))
        c["loss_hi"] = mc.exact_decimal(4 * float(Decimal(c["loss_hi"])) + 1e-9)
        c["lambda_min_lo"] = mc.exact_decimal(1e-6)

    def top_weights(c):
        c["a"] = [mc.exact_decimal(2.0)] + c["a"][1:]

    cases = [
        (_edit(doc, 1, None, as_global), "class claim: global_minimum needs"),
        (_edit(doc, 0, "class", mc.SPURIOUS), "class claim: a spurious minimum needs loss_lo"),
        (_edit(doc, 1, None, doubled_teacher), "label: W_star is not the census teacher"),
        (_edit(doc, 1, None, top_weights), "label: the top weights"),
        (_edit(doc, 1, "family", 7), ""),  # another id alone is a relabelling that is allowed
    ]
    for d, line in cases:
        problems = mc.check_document(d)[1]
        if not line:
            assert problems == []
            continue
        assert any(line in p for p in problems), (line, problems)

    # a second certificate of family 1 of k = n = 8, and one of the same orbit under another id
    def permuted(c):
        W = np.array([[float(Decimal(x)) for x in r] for r in c["representative"]])
        P, Q = np.roll(np.arange(8), 3), np.roll(np.arange(8), -2)
        c["representative"] = mc._matrix(W[P][:, Q])
        idx = (P[:, None] * 8 + Q[None, :]).reshape(-1)  # entry (i, b) was (P_i, Q_b)
        c["rotation"] = mc.encode_rotation(mc.decode_rotation(c["rotation"], 64)[idx])
        c["family"] = 2

    twice = copy.deepcopy(doc)
    twice["certificates"].append(copy.deepcopy(doc["certificates"][1]))
    problems = mc.check_document(twice)[1]
    assert any("label: family 1 of k=8, n=8 is also certificate 1" in p for p in problems)
    same_orbit = copy.deepcopy(doc)
    same_orbit["certificates"].append(_edit(doc, 1, None, permuted)["certificates"][1])
    problems = mc.check_document(same_orbit)[1]
    assert any("may prove the same orbit as certificate 1" in p for p in problems), problems
    # the permuted copy is itself a valid proof: only the label is wrong
    assert not any("certificate 2" in p and "Krawczyk" in p for p in problems)


def test_the_census_folder_is_checked_against_its_certificates(certified_census, tmp_path):
    _, out = certified_census
    res = invoke("check-minimum", out, "--quiet")
    assert res.exit_code == 0 and "VALID" in res.output, res.output
    fam = (out / "census_families.csv").read_text().splitlines()
    header = fam[0].split(",")
    col = {c: header.index(c) for c in ("class", "certified", "loss_lo")}
    row = next(i for i, ln in enumerate(fam) if ln.split(",")[col["certified"]] == "1"
               and ln.split(",")[col["class"]] == "spurious_minimum")
    for edit, line in [
        (lambda f: f.__setitem__(col["loss_lo"], "0.0"), "loss_lo 0.0 but the certificate"),
        (lambda f: f.__setitem__(col["class"], "teacher"), "but the certificate says"),
        (lambda f: f.__setitem__(col["certified"], "0"), "not a family census_families.csv"),
    ]:
        bad = tmp_path / f"bad{len(line)}"
        bad.mkdir()
        (bad / "census_certificates.json").write_text(
            (out / "census_certificates.json").read_text())
        fields = fam[row].split(",")
        edit(fields)
        (bad / "census_families.csv").write_text(
            "\n".join([*fam[:row], ",".join(fields), *fam[row + 1:]]) + "\n")
        res = invoke("check-minimum", bad, "--quiet", "--workers", 1)
        assert res.exit_code == 1 and line in res.output, (line, res.output)


def test_every_run_of_a_proved_family_is_inside_its_certified_box(certified_census):
    _, out = certified_census
    fam = read_csv(out / "census_families.csv")
    proved = fam["certified"] == 1
    assert np.all(fam["in_box"][proved] == fam["count"][proved])
    summary = json.loads((out / "census.json").read_text())
    text = next(c["measured"] for c in summary["claims"] if c["claim"].startswith("interval"))
    total = int(fam["count"][proved].sum())
    assert f"{total} of their {total} runs end, up to the symmetry, inside" in text


def test_committed_certificates_re_check_at_head():
    """The certificates committed under figures/ re-check VALID with today's code, and agree
    with the committed census_families.csv (a change that breaks one fails here)."""
    root = Path(__file__).resolve().parent.parent / "figures"
    res = invoke("check-minimum", root, "--quiet")
    assert res.exit_code == 0, res.output
    for name in ("census_certificates.json", "conjecture2_certificates.json"):
        assert f"{name}: VALID" in res.output, res.output
    res = invoke("check-certificate", root / "fig10_conjecture1_certificate.csv", "--quiet")
    assert res.exit_code == 0, res.output


FIGURES = Path(__file__).resolve().parent.parent / "figures"


def test_the_conjecture2_table_is_checked_against_its_certificates():
    doc = json.loads((FIGURES / "conjecture2_certificates.json").read_text())
    fam = read_csv(FIGURES / "conjecture2_families.csv")
    name = "conjecture2_families.csv"
    assert mc.folder_problems(doc, fam, name) == []
    row = int(np.flatnonzero(fam["certified"] == 1)[0])
    key = "k={0}, n={0}, family={1}".format(int(fam["K"][row]), int(fam["family"][row]))
    for column, value, words in [
        ("loss_hi", fam["loss_hi"][row] * 2, f"{name} {key}: loss_hi"),
        ("radius", fam["radius"][row] / 2, f"{name} {key}: radius"),
        ("d", fam["d"][row] + 1, f"{name} {key}: d {fam['d'][row] + 1}"),
        ("certified", 0, f"certificate {key}: not a family {name} marks as proved"),
        ("family", 99, f"{name} k={int(fam['K'][row])}, n={int(fam['K'][row])}, family=99: "
                       "marked proved, but no certificate has it"),
    ]:
        bad = {c: v.copy() for c, v in fam.items()}
        bad[column][row] = value
        problems = mc.folder_problems(doc, bad, name)
        assert any(words in p for p in problems), (column, problems)
    # a certificate of another class than the spurious minima conjecture2 proves
    relabelled = copy.deepcopy(doc)
    relabelled["certificates"][0]["class"] = mc.GLOBAL
    assert any("class spurious_minimum but the certificate says" in p
               for p in mc.folder_problems(relabelled, fam, name))
    # a bound that is not exactly a float64 is a problem, not a crash
    inexact = copy.deepcopy(doc)
    inexact["certificates"][0]["loss_lo"] = "0.1"
    assert any("the certificate's loss_lo: '0.1' is not exactly a float64" in p
               for p in mc.folder_problems(inexact, fam, name))


@pytest.mark.parametrize("edit, words", [
    (lambda f, r: f["K"].__setitem__(r, 12.5), "K = 12.5 is not an integer"),
    (lambda f, r: f["family"].__setitem__(r + 1, f["family"][r]), "twice"),
    (lambda f, r: f.pop("radius"), "has no column radius"),
    (lambda f, r: f["certified"].__setitem__(r, 2), "other than 0 and 1"),
])
def test_a_malformed_families_table_is_refused(edit, words):
    fam = read_csv(FIGURES / "conjecture2_families.csv")
    fam = {c: np.asarray(v, dtype=object) for c, v in fam.items()}
    row = int(np.flatnonzero(fam["K"] == 12)[0])
    assert fam["K"][row + 1] == 12  # the next row has the same K: a duplicate key
    edit(fam, row)
    with pytest.raises(mc.NotACertificate, match=words):
        mc.check_table(fam, "conjecture2_families.csv")


def test_a_folder_is_refused_before_any_proof_when_one_of_its_files_is_bad(tmp_path):
    census_files = ("census_certificates.json", "census_families.csv")
    for f in census_files:
        (tmp_path / f).write_bytes((FIGURES / f).read_bytes())
    (tmp_path / "conjecture2_certificates.json").write_text('{"format": "something else"}')
    (tmp_path / "conjecture2_families.csv").write_bytes(
        (FIGURES / "conjecture2_families.csv").read_bytes())
    res = invoke("check-minimum", tmp_path, "--quiet")
    assert res.exit_code == 2 and "conjecture2_certificates.json is not a minimum certificate" \
        in res.output, res.output
    assert "VALID" not in res.output  # nothing was proved first
    (tmp_path / "conjecture2_families.csv").unlink()
    (tmp_path / "conjecture2_certificates.json").write_bytes(
        (FIGURES / "conjecture2_certificates.json").read_bytes())
    res = invoke("check-minimum", tmp_path, "--quiet")
    assert res.exit_code == 2 and "needs conjecture2_families.csv" in res.output, res.output
    assert "VALID" not in res.output
    # a table whose certificates are gone: the families it marks proved are problems
    (tmp_path / "conjecture2_certificates.json").unlink()
    (tmp_path / "conjecture2_families.csv").write_bytes(
        (FIGURES / "conjecture2_families.csv").read_bytes())
    for f in census_files:
        (tmp_path / f).unlink()
    res = invoke("check-minimum", tmp_path, "--quiet")
    proved = int(np.sum(read_csv(FIGURES / "conjecture2_families.csv")["certified"] == 1))
    assert res.exit_code == 1 and f"INVALID, {proved} problem(s)" in res.output, res.output
    assert "marked proved, but the folder has no conjecture2_certificates.json" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = invoke("check-minimum", empty, "--quiet")
    assert res.exit_code == 2 and "holds none of census_certificates.json" in res.output
