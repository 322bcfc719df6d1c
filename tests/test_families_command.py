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
    for name in ("A", "II", "global"):
        m = main["family"] == name
        assert main["k"][m].tolist() == list(range(6, K_MAX + 1))
    traces = {n: follow_integers(n, K_MAX) for n in ("A", "II")}
    for i in np.flatnonzero(main["family"] != "global"):
        name, k = str(main["family"][i]), int(main["k"][i])
        loss = traces[name][k].loss
        tol = 1e-15 * k * k  # the float loss cancels terms of size k^2 / (4 pi)
        assert main["loss_lo"][i] <= loss + tol and loss - tol <= main["loss_hi"][i]
        assert main["loss_times_k"][i] == pytest.approx(loss * k, rel=1e-9)
        want = "minimum" if (name == "A" or k >= 8) else "saddle"
        assert main["verdict"][i] == want, (name, k, main["reason"][i])
    # the same decimals as a proof of one k by the library
    r = prove_point("II", 17, traces["II"][17].u)
    i = int(np.flatnonzero((main["family"] == "II") & (main["k"] == 17))[0])
    assert (Fraction(r.loss[0]) >= Fraction(main["loss_lo"][i])
            and Fraction(r.loss[1]) <= Fraction(main["loss_hi"][i]))
    assert main["lambda_bound"][i] == min(float(b.lower) for b in r.blocks)
    assert [main[u][i] for u in ("a", "g", "b", "c", "e", "f")] == r.center
    # and its split claims
    split = result.tables["split"]
    assert len(r.splits) == 2
    for s in r.splits:
        j = int(np.flatnonzero((split["family"] == "II") & (split["k"] == 17)
                               & (split["unit"] == s.unit))[0])
        assert split["block"][j] == s.block and split["lambda_min"][j] == s.lambda_min
        assert Fraction(split["rho_upper"][j]) >= Fraction(s.upper)
        assert split["rho_upper"][j] == pytest.approx(float(s.upper), rel=1e-15)


def test_main_table_columns_are_consistent(result):
    main = result.tables["main"]
    assert list(main) == ["family", "k", "loss", "loss_lo", "loss_hi", "loss_times_k",
                          "lambda_min", "lambda_min_block", "lambda_bound", "certified",
                          "verdict", "reason", "attempts", "a", "g", "b", "c", "e", "f", "x",
                          "y"]
    assert np.all((main["loss_lo"] <= main["loss"]) & (main["loss"] <= main["loss_hi"]))
    ok = main["certified"] == 1
    assert np.all(main["lambda_bound"][ok] > 0)
    assert np.all(main["lambda_bound"][ok] <= main["lambda_min"][ok])
    sad = main["verdict"] == "saddle"
    assert sad.sum() == 2 and np.all(main["lambda_bound"][sad] < 0)
    assert np.all(main["lambda_min"][sad] < 0)
    # the unknowns of each family, NaN elsewhere
    for name, have in (("A", "abcef"), ("II", "agbcef"), ("global", "xy")):
        m = main["family"] == name
        for u in "agbcefxy":
            assert np.all(np.isfinite(main[u][m]) == (u in have)), (name, u)
    # the global minimum W = I: J = 0 inside every enclosure, proved at every k
    g = main["family"] == "global"
    assert np.all(main["loss_lo"][g] <= 0) and np.all(main["loss_hi"][g] >= 0)
    assert np.all(main["certified"][g] == 1) and np.all(main["verdict"][g] == "minimum")
    assert np.all(main["x"][g] == 1) and np.all(main["y"][g] == 0)
    assert np.allclose(main["lambda_min"][g], 0.25 - 1 / (2 * np.pi), rtol=1e-12)
    assert set(main["lambda_min_block"][g].tolist()) == {"standard; (m-2,1,1)"}
    # lambda_min is the smallest eigenvalue of the spectrum table at every k the two share
    spec = result.tables["spectrum"]
    common = 0
    for i in range(len(main["k"])):
        m = (spec["family"] == main["family"][i]) & (spec["k"] == main["k"][i])
        if m.any():
            common += 1
            assert main["lambda_min"][i] == spec["eigenvalue"][m].min()
            at = spec["eigenvalue"][m] <= main["lambda_min"][i] + fam.TIE * abs(
                main["lambda_min"][i])
            assert main["lambda_min_block"][i] == "; ".join(dict.fromkeys(spec["block"][m][at]))
    assert common == 3 * len(fam.spectrum_ks(6, K_MAX))


def test_split_table_is_a_proved_saddle_at_every_k(result):
    from relucheck.proofs.families.split import SPLITS, UNITS

    split = result.tables["split"]
    assert list(split) == ["family", "k", "unit", "block", "multiplicity", "rho_upper",
                           "curvature_upper", "lambda_min", "certified"]
    for name in ("A", "II"):
        for unit in UNITS:
            m = (split["family"] == name) & (split["unit"] == unit)
            assert split["k"][m].tolist() == list(range(6, K_MAX + 1)), (name, unit)
            formulas = {b.name: b.formula for b in SPLITS[name, unit].blocks}
            assert [formulas[b] for b in split["block"][m]] == split["multiplicity"][m].tolist()
    assert "global" not in set(split["family"].tolist())
    assert np.all(split["certified"] == 1)
    assert np.all(split["curvature_upper"] == 2 * split["rho_upper"])
    assert np.all(split["curvature_upper"] < 0)
    # the proved bound lies above the float eigenvalue at the centre, within 1e-3
    assert np.all(split["lambda_min"] <= split["rho_upper"])
    assert np.all(split["rho_upper"] - split["lambda_min"] < 1e-3)
    c = _claim(result, "Every family point's split embedding")
    assert c.verdict == PASS and c.value == 0
    assert c.measured.count("35 of 35 k proved, 0 failed, 0 missing") == 4


def test_claims_pass_and_report(result):
    assert [c.verdict for c in result.claims] == [PASS, PASS, PASS, REPORTED, REPORTED]
    assert result.exit_code == 0
    assert "k = 6 saddle, k = 7 saddle" in result.claims[0].measured
    assert "the global minimum W = I: 35 of 35 k in [6, 40] proved" in result.claims[0].measured
    birth = result.tables["birth"]
    assert list(birth)[:4] == ["family", "k_star_lo", "k_star_hi", "block"]
    assert birth["family"].tolist() == ["A", "II"]
    assert np.all(birth["width"] <= 1e-8)
    assert np.all(birth["lambda_lo_upper"] < 0) and np.all(birth["lower_hi"] > 0)
    assert birth["k_star_lo"][0] < 5.5855052474 < birth["k_star_hi"][0]
    assert birth["k_star_lo"][1] < 7.5611904979 < birth["k_star_hi"][1]


def test_spectrum_multiplicities_sum_to_k_squared(result):
    spec = result.tables["spectrum"]
    for name in ("A", "II", "global"):
        for k in (8, 20, K_MAX):
            m = (spec["family"] == name) & (spec["k"] == k)
            assert int(spec["multiplicity"][m].sum()) == k * k
            ok = m & (spec["certified"] == 1)
            assert np.all(spec["eigenvalue"][ok] >= spec["lower"][ok])


def test_a_failed_proof_fails_the_claim_and_is_listed():
    def failing(*args, **kw):
        res, br, tm = prove_range(*args, **kw)
        if "A" in res:
            bad = next(r for r in res["A"] if r.k == 11)
            bad.proved, bad.reason = False, "Krawczyk: K(X) not inside X"
            bad.splits = []  # no proved critical point: no split claim
        return res, br, tm

    res = fam.run(fam.Params(k_max=14, workers=1, types=("A", "II")), prove=failing)
    c = _claim(res, "Every k")
    assert c.verdict == FAIL and res.exit_code == 1
    assert "type A k = 11: Krawczyk" in c.measured and "1 failed" in c.measured
    main = res.tables["main"]
    i = int(np.flatnonzero((main["family"] == "A") & (main["k"] == 11))[0])
    assert main["certified"][i] == 0 and main["verdict"][i] == "unproved"
    # its split rows stay, uncertified, and fail the split claim
    split = res.tables["split"]
    m = (split["family"] == "A") & (split["k"] == 11)
    assert m.sum() == 2 and np.all(split["certified"][m] == 0)
    assert np.all(np.isnan(split["rho_upper"][m])) and set(split["block"][m]) == {""}
    c = _claim(res, "Every family point's split embedding")
    assert c.verdict == FAIL and c.value == 2
    assert "type A special k = 11" in c.measured and "type A generic k = 11" in c.measured


def _split_claim(split):
    return fam.split_claim(fam.Params(k_max=K_MAX), split)


def test_an_uncertified_split_row_fails_the_split_claim(result):
    split = {c: v.copy() for c, v in result.tables["split"].items()}
    i = int(np.flatnonzero((split["family"] == "II") & (split["k"] == 23)
                           & (split["unit"] == "generic"))[0])
    split["certified"][i] = 0
    c = _split_claim(split)
    assert c.verdict == FAIL and c.value == 1
    assert "type II, generic unit: 34 of 35 k proved, 1 failed" in c.measured
    assert "not proved: type II generic k = 23" in c.measured
    # a certified row whose bound is not negative fails it too
    split = {c: v.copy() for c, v in result.tables["split"].items()}
    split["curvature_upper"][i] = 0.01
    assert _split_claim(split).verdict == FAIL


def test_a_missing_or_dropped_split_table_fails_the_split_claim(result):
    split = result.tables["split"]
    keep = ~((split["family"] == "A") & (split["k"] == 17) & (split["unit"] == "special"))
    c = _split_claim({c: v[keep] for c, v in split.items()})
    assert c.verdict == FAIL and "1 missing" in c.measured and "[17]" in c.measured
    c = _split_claim({c: v[:0] for c, v in split.items()})
    assert c.verdict == FAIL and c.value == 4 * 35
    # the experiment returns the table and makes the claim
    assert len(result.tables["split"]["k"]) == 4 * 35
    assert sum(x.name.startswith("Every family point's split") for x in result.claims) == 1


def test_a_missing_k_fails_the_claim(result):
    p = fam.Params(k_max=K_MAX)
    main = result.tables["main"]
    for name in ("II", "global"):
        keep = ~((main["family"] == name) & (main["k"] == 23))
        cut = {c: v[keep] for c, v in main.items()}
        claims = fam.claims(p, cut, result.tables["birth"], result.tables["fits"],
                            result.tables["split"])
        assert claims[0].verdict == FAIL, name
        assert "1 k missing" in claims[0].measured and "[23]" in claims[0].measured


def test_a_wide_or_unproved_bracket_fails_the_claim(result):
    p = fam.Params(k_max=K_MAX)
    for col, value in (("width", 2e-8), ("proved_lo", 0), ("proved_hi", 0)):
        birth = {c: v.copy() for c, v in result.tables["birth"].items()}
        birth[col][1] = value
        claims = fam.claims(p, result.tables["main"], birth, result.tables["fits"],
                            result.tables["split"])
        assert claims[1].verdict == FAIL, col


def test_the_global_minimum_alone_has_no_birth_or_split_claim():
    res = fam.run(fam.Params(k_max=12, workers=1, types=("global",)))
    assert [c.verdict for c in res.claims] == [PASS, REPORTED]
    assert res.tables["main"]["family"].tolist() == ["global"] * 7
    assert len(res.tables["birth"]["family"]) == 0 and len(res.tables["split"]["k"]) == 0


def test_figure_from_the_csvs(tmp_path, result):
    stem = fam.STEM
    assert stem in FIGURES
    for name, table in result.tables.items():
        path = tmp_path / (f"{stem}.csv" if name == "main" else f"{stem}_{name}.csv")
        path.write_text(table_to_csv(table))
    assert set(FIGURES[stem].siblings) <= set(result.tables)
    got_stem, fig = draw(tmp_path / f"{stem}.csv")
    assert got_stem == stem and len(fig.axes) == 4
    # panel (d): one line per (family, unit), the proved bound -curvature_upper
    split = result.tables["split"]
    lines = fig.axes[3].get_lines()
    assert [ln.get_label() for ln in lines] == [f"type {n}, {u} unit" for n in ("A", "II")
                                                for u in ("special", "generic")]
    m = (split["family"] == "II") & (split["unit"] == "generic")
    assert np.array_equal(lines[3].get_ydata(), -split["curvature_upper"][m])
    for name in ("split", "near_birth"):
        (tmp_path / f"{stem}_{name}.csv").rename(tmp_path / "aside.csv")
        with pytest.raises(FileNotFoundError, match=name):
            draw(tmp_path / f"{stem}.csv")
        (tmp_path / "aside.csv").rename(tmp_path / f"{stem}_{name}.csv")



def test_certificate_rechecks_and_a_tampered_one_is_refused(tmp_path, result):
    data = result.files[fam.CERTIFICATE]
    assert data[:6] == b"\xfd7zXZ\x00"
    path = tmp_path / f"{fam.STEM}_{fam.CERTIFICATE}"
    path.write_bytes(data)
    rep = check_families(path, workers=2)
    assert rep.ok, rep.refused[:3]
    n = 3 * (K_MAX - 5)
    assert rep.rows == n and rep.confirmed == n - 2 and rep.failures_listed == 2
    assert len(rep.split_keys) == 4 * (K_MAX - 5)

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
    for name in ("families.csv", "families_spectrum.csv", "families_birth.csv",
                 "families_split.csv", "families_fits.csv", "families_near_birth.csv",
                 "families.png", "families.json", "families_certificates.jsonl.xz"):
        assert (folder / name).exists(), name
    assert not (folder / "families_births.csv").exists()
    res = _check(folder)
    assert res.exit_code == 0, res.output
    assert "VALID. 43 strict local minima" in res.output, res.output  # A 15, II 13, W = I 15
    assert "60 split embeddings re-proved saddles" in res.output, res.output

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
    (copy_dir / "families_split.csv").write_text((folder / "families_split.csv").read_text())
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
