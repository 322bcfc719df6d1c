"""Family certificates: an honest file re-checks; every kind of tampering is refused."""

from __future__ import annotations

import copy
import json

import pytest

from relucheck.proofs.families.certificate import MINIMUM, check_families
from relucheck.proofs.families.run import run


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    path = tmp_path_factory.mktemp("fam") / "families.jsonl"
    run(path, k_max=12, log=lambda *a: None)
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    return path, rows


def _write(tmp_path, rows, name="t.jsonl"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def _row(rows, name, k):
    return next(i for i, r in enumerate(rows) if r["type"] == name and r["k"] == k)


def test_honest_file_checks(honest):
    path, rows = honest
    rep = check_families(path)
    assert rep.ok, rep.refused
    assert rep.rows == len(rows) == 7 + 7
    assert rep.confirmed == 7 + 5  # type A 6..12, type II 8..12
    assert rep.failures_listed == 2  # type II at 6, 7: saddles, listed as not proved


def _tampered(tmp_path, honest, edit, name="A", k=9):
    _, rows = honest
    rows = copy.deepcopy(rows)
    edit(rows, _row(rows, name, k))
    rep = check_families(_write(tmp_path, rows))
    assert not rep.ok
    return rep.refused


def test_relabelled_type(tmp_path, honest):
    def edit(rows, i):
        rows[i]["type"] = "II"
        rows[i]["k"] = 99
    assert "unknowns" in _tampered(tmp_path, honest, edit)[0][1]


def test_wrong_multiplicity(tmp_path, honest):
    def edit(rows, i):
        rows[i]["blocks"][1]["multiplicity"] += 1
    assert "multiplicity" in _tampered(tmp_path, honest, edit)[0][1]


def test_blocks_reordered(tmp_path, honest):
    def edit(rows, i):
        rows[i]["blocks"][2], rows[i]["blocks"][3] = rows[i]["blocks"][3], rows[i]["blocks"][2]
    assert "block" in _tampered(tmp_path, honest, edit)[0][1]


def test_duplicate_k(tmp_path, honest):
    def edit(rows, i):
        rows.append(copy.deepcopy(rows[i]))
    assert "duplicate" in _tampered(tmp_path, honest, edit)[0][1]


def test_loss_not_enclosed(tmp_path, honest):
    def edit(rows, i):
        hi = rows[i]["loss"][1]
        rows[i]["loss"] = [hi, str(float(hi) * 2)]
    assert "loss" in _tampered(tmp_path, honest, edit)[0][1]


def test_loss_too_narrow(tmp_path, honest):
    def edit(rows, i):
        lo, _ = rows[i]["loss"]
        rows[i]["loss"] = [lo, lo]
    assert "loss" in _tampered(tmp_path, honest, edit)[0][1]


def test_lower_bound_too_high(tmp_path, honest):
    def edit(rows, i):
        rows[i]["blocks"][1]["lambda_min_lower"] = "0.5"
    assert "standard" in _tampered(tmp_path, honest, edit)[0][1]


def test_centre_moved(tmp_path, honest):
    def edit(rows, i):
        c = float.fromhex(rows[i]["center"][0])
        rows[i]["center"][0] = (c + 1e-6).hex()
    assert "Krawczyk" in _tampered(tmp_path, honest, edit)[0][1]


def test_radius_not_positive(tmp_path, honest):
    def edit(rows, i):
        rows[i]["radius"][2] = (0.0).hex()
    assert "radius" in _tampered(tmp_path, honest, edit)[0][1]


def test_saddle_claimed_as_minimum(tmp_path, honest):
    """Type II at k = 7 is a saddle: claiming a minimum is refused whatever the bound."""
    for lower in ("0", "0.001", "1e-30"):
        def edit(rows, i, lower=lower):
            rows[i]["verdict"] = MINIMUM
            rows[i]["blocks"][2]["lambda_min_lower"] = lower
        reason = _tampered(tmp_path, honest, edit, "II", 7)[0][1]
        assert "standard" in reason


def test_non_integer_k(tmp_path, honest):
    for bad in (9.0, True, "9", 4):
        def edit(rows, i, bad=bad):
            rows[i]["k"] = bad
        assert "k must be" in _tampered(tmp_path, honest, edit)[0][1]


def test_not_json(tmp_path, honest):
    path, _ = honest
    p = tmp_path / "g.jsonl"
    p.write_text(path.read_text() + "{not json\n")
    rep = check_families(p)
    assert not rep.ok and "JSON" in rep.refused[0][1]


def test_unknown_verdict(tmp_path, honest):
    def edit(rows, i):
        rows[i]["verdict"] = "probably fine"
    assert "verdict" in _tampered(tmp_path, honest, edit)[0][1]


# A row of the k = 6..10^4 run that an earlier checker refused although it was right: its
# proved loss ends 9e-21 below the claimed upper decimal, and the checker parsed the decimals
# as 53-bit balls (wider than that). Decimals are now compared as exact rationals.
ROW_7041 = (
    '{"type":"II","k":7041,"unknowns":["a","g","b","c","e","f"],"center":["0x1.1f69d469464b2p'
    '-12","-0x1.ff9cc3c8b1023p-1","0x1.7ea076800990fp-13","0x1.29c1302e168d7p-12","0x1.000001'
    'b26e571p+0","-0x1.bd7b3f6c58173p-25"],"radius":["0x1.1f69d469464b2p-48","0x1.ff9cc3c8b10'
    '23p-37","0x1.7ea076800990fp-49","0x1.29c1302e168d7p-48","0x1.000001b26e571p-36","0x1.bd7'
    'b3f6c58173p-61"],"prec":80,"loss":["0.0000840313103027","0.0000840313103065"],"blocks":['
    '{"name":"trivial","size":6,"multiplicity":1,"lambda_min_lower":"0.0863"},{"name":"sign",'
    '"size":4,"multiplicity":1,"lambda_min_lower":"0.0840"},{"name":"standard","size":5,"mult'
    'iplicity":7038,"lambda_min_lower":"0.0850"},{"name":"sign x standard","size":2,"multipli'
    'city":7038,"lambda_min_lower":"0.0851"},{"name":"(m-2,2)","size":1,"multiplicity":247632'
    '02,"lambda_min_lower":"0.388"},{"name":"(m-2,1,1)","size":1,"multiplicity":24763203,"lam'
    'bda_min_lower":"0.0862"}],"verdict":"strict local minimum"}')


def test_claim_at_a_decimal_boundary_is_accepted(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(ROW_7041 + "\n")
    rep = check_families(p)
    assert rep.ok and rep.confirmed == 1, rep.refused
