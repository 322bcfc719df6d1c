"""The families experiment: its tables against the library's proofs, claims that fail when a
proof fails or a k is missing, the figure from the CSVs alone, the compact certificate."""

from __future__ import annotations

import json
import lzma
from fractions import Fraction

import numpy as np
import pytest

from relucheck.experiments import families as fam
from relucheck.output.plots import FIGURES, draw
from relucheck.output.writers import table_to_csv
from relucheck.proofs.families.certificate import check_families, encode, read_lines
from relucheck.proofs.families.continuation import follow_integers
from relucheck.proofs.families.proof import prove_point
from relucheck.proofs.families.run import prove_range
from relucheck.result import FAIL, PASS, REPORTED

K_MAX = 40


@pytest.fixture(scope="module")
def result():
    return fam.run(fam.Params(k_max=K_MAX, workers=1))


def _claim(res, start):
    return next(c for c in res.claims if c.name.startswith(start))


def test_tables_match_the_library(result):
    main = result.tables["main"]
    for name, first in (("A", 6), ("II", 6)):
        m = main["type"] == name
        assert main["k"][m].tolist() == list(range(first, K_MAX + 1))
    traces = {n: follow_integers(n, K_MAX) for n in ("A", "II")}
    for i in range(len(main["k"])):
        name, k = str(main["type"][i]), int(main["k"][i])
        loss = traces[name][k].loss
        tol = 1e-15 * k * k  # the float loss cancels terms of size k^2 / (4 pi)
        assert main["loss_lo"][i] <= loss + tol and loss - tol <= main["loss_hi"][i]
        assert main["loss_times_k"][i] == pytest.approx(loss * k, rel=1e-9)
        want = "minimum" if (name == "A" or k >= 8) else "saddle"
        assert main["verdict"][i] == want, (name, k, main["reason"][i])
    # the same decimals as a proof of one k by the library
    r = prove_point("II", 17, traces["II"][17].u)
    i = int(np.flatnonzero((main["type"] == "II") & (main["k"] == 17))[0])
    assert (Fraction(r.loss[0]) >= Fraction(main["loss_lo"][i])
            and Fraction(r.loss[1]) <= Fraction(main["loss_hi"][i]))
    assert main["lambda_lower"][i] == min(float(b.lower) for b in r.blocks)


def test_claims_pass_and_report(result):
    assert [c.verdict for c in result.claims] == [PASS, PASS, REPORTED, REPORTED]
    assert result.exit_code == 0
    assert "k = 6 saddle, k = 7 saddle" in result.claims[0].measured
    births = result.tables["births"]
    assert births["type"].tolist() == ["A", "II"]
    assert np.all(births["width"] <= 1e-8)
    assert np.all(births["lambda_lo_upper"] < 0) and np.all(births["lower_hi"] > 0)
    assert births["k_lo"][0] < 5.5855052474 < births["k_hi"][0]
    assert births["k_lo"][1] < 7.5611904979 < births["k_hi"][1]


def test_spectrum_multiplicities_sum_to_k_squared(result):
    spec = result.tables["spectrum"]
    for name in ("A", "II"):
        for k in (8, 20, K_MAX):
            m = (spec["type"] == name) & (spec["k"] == k)
            assert int(spec["multiplicity"][m].sum()) == k * k
            ok = m & (spec["proved"] == 1)
            assert np.all(spec["eigenvalue"][ok] >= spec["lower"][ok])


def test_a_failed_proof_fails_the_claim_and_is_listed():
    def failing(*args, **kw):
        res, br, tm = prove_range(*args, **kw)
        bad = next(r for r in res["A"] if r.k == 11)
        bad.proved, bad.reason = False, "Krawczyk: K(X) not inside X"
        return res, br, tm

    res = fam.run(fam.Params(k_max=14, workers=1), prove=failing)
    c = _claim(res, "Every k")
    assert c.verdict == FAIL and res.exit_code == 1
    assert "type A k = 11: Krawczyk" in c.measured and "1 failed" in c.measured
    main = res.tables["main"]
    i = int(np.flatnonzero((main["type"] == "A") & (main["k"] == 11))[0])
    assert main["proved"][i] == 0 and main["verdict"][i] == "unproved"


def test_a_missing_k_fails_the_claim(result):
    p = fam.Params(k_max=K_MAX)
    main = result.tables["main"]
    keep = ~((main["type"] == "II") & (main["k"] == 23))
    cut = {c: v[keep] for c, v in main.items()}
    claims = fam.claims(p, cut, result.tables["births"], result.tables["fits"])
    assert claims[0].verdict == FAIL
    assert "1 k missing" in claims[0].measured and "[23]" in claims[0].measured


def test_a_wide_or_unproved_bracket_fails_the_claim(result):
    p = fam.Params(k_max=K_MAX)
    for col, value in (("width", 2e-8), ("proved_lo", 0), ("proved_hi", 0)):
        births = {c: v.copy() for c, v in result.tables["births"].items()}
        births[col][1] = value
        claims = fam.claims(p, result.tables["main"], births, result.tables["fits"])
        assert claims[1].verdict == FAIL, col


def test_figure_from_the_csvs(tmp_path, result):
    stem = fam.STEM
    assert stem in FIGURES
    for name, table in result.tables.items():
        path = tmp_path / (f"{stem}.csv" if name == "main" else f"{stem}_{name}.csv")
        path.write_text(table_to_csv(table))
    assert set(FIGURES[stem].siblings) <= set(result.tables)
    got_stem, fig = draw(tmp_path / f"{stem}.csv")
    assert got_stem == stem and len(fig.axes) == 3
    (tmp_path / f"{stem}_near_birth.csv").unlink()
    with pytest.raises(FileNotFoundError, match="near_birth"):
        draw(tmp_path / f"{stem}.csv")


def test_certificate_rechecks_and_a_tampered_one_is_refused(tmp_path, result):
    data = result.files[fam.CERTIFICATE]
    assert data[:6] == b"\xfd7zXZ\x00"
    path = tmp_path / f"{fam.STEM}_{fam.CERTIFICATE}"
    path.write_bytes(data)
    rep = check_families(path, workers=2)
    assert rep.ok, rep.refused[:3]
    n = 2 * (K_MAX - 5)
    assert rep.rows == n and rep.confirmed == n - 2 and rep.failures_listed == 2
    lines = read_lines(data)
    head, rows = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    assert encode(rows, head["prec"]) == data  # byte-stable
    rows[30][4][1] = rows[30][4][0]  # a loss claim narrower than the proof
    bad = tmp_path / "tampered.jsonl.xz"
    bad.write_bytes(encode(rows, head["prec"]))
    rep = check_families(bad)
    assert not rep.ok and rep.refused[0][0] == 32 and "loss" in rep.refused[0][1]
    assert lzma.decompress(data).count(b"\n") == n + 1


@pytest.mark.parametrize("field,value", [
    ("k_min", 4), ("k_max", 5), ("k_max", 2_000_000), ("types", ()),
    ("types", ("A", "A")), ("types", ("B",)), ("prec", 40), ("workers", -1),
    ("scheduler", "nonsense://"),
])
def test_params_refused_naming_the_field(field, value):
    p = fam.Params(**{field: value})
    with pytest.raises(ValueError, match=f"^{field}: ") as err:
        p.validate()
    assert "\n" not in str(err.value)


def test_quick_preset_is_valid():
    fam.Params(**fam.QUICK).validate()
    assert fam.spectrum_ks(6, 10_000)[:25] == list(range(6, 31))


# ------------------------------------------------------------------ the command line
@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from click.testing import CliRunner

    from relucheck.cli import main

    out = tmp_path_factory.mktemp("families")
    res = CliRunner().invoke(main, ["families", "--k-max", "20", "--workers", "2", "--quiet",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _check(path):
    from click.testing import CliRunner

    from relucheck.cli import main

    return CliRunner().invoke(main, ["check-families", str(path), "--quiet"])


def test_command_writes_the_set_and_check_families_accepts_it(folder):
    for name in ("families.csv", "families_spectrum.csv", "families_births.csv",
                 "families_fits.csv", "families_near_birth.csv", "families.png",
                 "families.json", "families_certificates.jsonl.xz"):
        assert (folder / name).exists(), name
    res = _check(folder)
    assert res.exit_code == 0 and "VALID. 28 strict local minima" in res.output, res.output
    record = json.loads((folder / "families.json").read_text())
    assert "families_certificates.jsonl.xz" in {o["file"] for o in record["outputs"]}


def test_check_families_exit_codes(tmp_path, folder):
    data = (folder / "families_certificates.jsonl.xz").read_bytes()
    lines = read_lines(data)
    head, rows = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    rows[3][5][0] = "9"  # a lower bound no block reaches
    bad = tmp_path / "bad.jsonl.xz"
    bad.write_bytes(encode(rows, head["prec"]))
    res = _check(bad)
    assert res.exit_code == 1 and "INVALID" in res.output and "line 5" in res.output
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"format": "something"}\n')
    assert _check(foreign).exit_code == 2
    assert _check(tmp_path / "missing.xz").exit_code == 2
    # the folder's table must agree with the certificate
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    (copy_dir / "families_certificates.jsonl.xz").write_bytes(data)
    text = (folder / "families.csv").read_text().splitlines()
    (copy_dir / "families.csv").write_text("\n".join(text[:-1]) + "\n")
    res = _check(copy_dir)
    assert res.exit_code == 1 and "families.csv has" in res.output


def test_library_runner_runs_families(tmp_path):
    import relucheck

    result = relucheck.run("families", tmp_path, k_max=9, types=("II",))
    assert result.exit_code == 0
    assert result.tables["main"]["verdict"].tolist() == ["saddle", "saddle", "minimum",
                                                         "minimum"]
    with pytest.raises(ValueError, match="--types"):
        relucheck.run("families", tmp_path / "x", types=("B",))


def test_rows_do_not_depend_on_the_worker_count():
    """Segments are fixed by k alone: 1 or 2 processes give the same certificate bytes."""
    from relucheck.proofs.families.certificate import result_to_row

    def rows(workers):
        res, _, _ = prove_range(("A", "II"), 6, 90, workers=workers, births=False, chunk=10)
        return encode([result_to_row(r) for n in ("A", "II") for r in res[n]], 80)

    assert rows(1) == rows(2)
