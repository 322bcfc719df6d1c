"""Family certificates: an honest file re-checks, is byte-stable and small; every kind of
tampering is refused (labels in the header, rows, claims)."""

from __future__ import annotations

import copy
import gzip
import json
from fractions import Fraction

import pytest

from relucheck.proofs.families.certificate import (
    MULTIPLICITY,
    PROVED,
    check_families,
    encode,
    read_lines,
)
from relucheck.proofs.families.patterns import PATTERNS
from relucheck.proofs.families.run import run
from relucheck.proofs.families.split import SPLITS


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    path = tmp_path_factory.mktemp("fam") / "families.jsonl.xz"
    run(path, k_max=12, log=lambda *a: None)
    lines = read_lines(path.read_bytes())
    return path, json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def _write(tmp_path, head, rows, name="t.jsonl.gz"):
    p = tmp_path / name
    text = "".join(json.dumps(r) + "\n" for r in [head, *rows])
    p.write_bytes(gzip.compress(text.encode(), mtime=0))
    return p


def _row(rows, name, k):
    return next(i for i, r in enumerate(rows) if r[0] == name and r[1] == k)


def test_honest_file_checks(honest):
    path, _, rows = honest
    rep = check_families(path)
    assert rep.ok, rep.refused
    assert rep.rows == len(rows) == 7 + 7 + 7
    assert rep.confirmed == 7 + 5 + 7  # type A 6..12, type II 8..12, global 6..12
    assert rep.failures_listed == 2  # type II at 6, 7: saddles, listed as not proved
    # every A and II row (the two saddles too) claims both split saddles, re-proved
    assert rep.split_keys == {(n, k, u) for n in ("A", "II") for k in range(6, 13)
                              for u in ("special", "generic")}
    again = check_families(path, workers=2, chunk=3)
    assert again.confirmed == 19 and again.split_keys == rep.split_keys


def test_byte_stable_and_plain_text_too(tmp_path, honest):
    path, head, rows = honest
    assert encode(rows, head["prec"]) == path.read_bytes()
    p = tmp_path / "plain.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in [head, *rows]))
    assert check_families(p).confirmed == 19


def test_multiplicity_texts_are_the_blocks_dimensions():
    for name, texts in MULTIPLICITY.items():
        for blk, text in zip(PATTERNS[name].blocks, texts, strict=True):
            for k in range(6, 40):
                expr = text.replace(")(", ")*(").replace("k(", "k*(")
                assert Fraction(eval(expr, {"k": Fraction(k)})) == blk.dim(k), (name, text)


def test_split_multiplicity_texts_are_the_blocks_dimensions():
    for (name, unit), su in SPLITS.items():
        assert sum(len(b.vectors) * b.dim(20) for b in su.blocks) == 20, (name, unit)
        for blk in su.blocks:
            for k in range(6, 40):
                assert eval(blk.formula, {"k": k}) == blk.dim(k), (name, unit, blk.name)


def _tampered(tmp_path, honest, edit, name="A", k=9):
    _, head, rows = honest
    head, rows = copy.deepcopy(head), copy.deepcopy(rows)
    edit(head, rows, _row(rows, name, k))
    rep = check_families(_write(tmp_path, head, rows))
    assert not rep.ok
    return rep.refused


def test_relabelled_type(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][0] = "II"
        rows[i][1] = 99
    assert "unknowns" in _tampered(tmp_path, honest, edit)[0][1]


def test_relabelled_unknowns_in_header(tmp_path, honest):
    def edit(head, rows, i):
        u = head["types"]["A"]["unknowns"]
        u[1], u[2] = u[2], u[1]
    assert "unknowns" in _tampered(tmp_path, honest, edit)[0][1]


def test_wrong_multiplicity(tmp_path, honest):
    def edit(head, rows, i):
        head["types"]["A"]["blocks"][1][2] = "k - 1"
    assert "multiplicity" in _tampered(tmp_path, honest, edit)[0][1]


def test_blocks_reordered(tmp_path, honest):
    def edit(head, rows, i):
        b = head["types"]["II"]["blocks"]
        b[2], b[3] = b[3], b[2]
    assert "block" in _tampered(tmp_path, honest, edit)[0][1]


def test_foreign_header(tmp_path, honest):
    def edit(head, rows, i):
        head["format"] = "something else"
    assert "not a" in _tampered(tmp_path, honest, edit)[0][1]


def test_duplicate_k(tmp_path, honest):
    def edit(head, rows, i):
        rows.append(copy.deepcopy(rows[i]))
    assert "duplicate" in _tampered(tmp_path, honest, edit)[0][1]


def test_loss_not_enclosed(tmp_path, honest):
    def edit(head, rows, i):
        hi = rows[i][4][1]
        rows[i][4] = [hi, str(float(hi) * 2)]
    assert "loss" in _tampered(tmp_path, honest, edit)[0][1]


def test_loss_too_narrow(tmp_path, honest):
    def edit(head, rows, i):
        lo, _ = rows[i][4]
        rows[i][4] = [lo, lo]
    assert "loss" in _tampered(tmp_path, honest, edit)[0][1]


def test_lower_bound_too_high(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][5][1] = "0.5"
    assert "standard" in _tampered(tmp_path, honest, edit)[0][1]


def test_centre_moved(tmp_path, honest):
    def edit(head, rows, i):
        c = float.fromhex(rows[i][3][0])
        rows[i][3][0] = (c + 1e-6).hex()
    assert "Krawczyk" in _tampered(tmp_path, honest, edit)[0][1]


def test_radius_shift_not_allowed(tmp_path, honest):
    for bad in (0, 37, 2.0**-36, "36"):
        def edit(head, rows, i, bad=bad):
            rows[i][2] = bad
        assert "shift" in _tampered(tmp_path, honest, edit)[0][1]


def test_saddle_claimed_as_minimum(tmp_path, honest):
    """Type II at k = 7 is a saddle: claiming a minimum is refused whatever the bound."""
    for lower in ("0.001", "1e-30"):
        def edit(head, rows, i, lower=lower):
            rows[i][6] = PROVED
            rows[i][5][2] = lower
            rows[i][5] = [x if float(x) > 0 else "1e-30" for x in rows[i][5]]
        reason = _tampered(tmp_path, honest, edit, "II", 7)[0][1]
        assert "standard" in reason


def test_zero_lower_bound(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][5][0] = "0"
    assert "not > 0" in _tampered(tmp_path, honest, edit)[0][1]


def test_non_integer_k(tmp_path, honest):
    for bad in (9.0, True, "9", 4):
        def edit(head, rows, i, bad=bad):
            rows[i][1] = bad
        assert "k must be" in _tampered(tmp_path, honest, edit)[0][1]


def test_not_json_and_not_gzip(tmp_path, honest):
    path, head, rows = honest
    p = tmp_path / "g.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in [head, *rows]) + "{not json\n")
    rep = check_families(p)
    assert not rep.ok and "JSON" in rep.refused[0][1]
    p.write_bytes(path.read_bytes()[:-20])  # a cut gzip file
    rep = check_families(p)
    assert not rep.ok and "not a certificate file" in rep.refused[0][1]


def test_unknown_verdict(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][6] = "probably fine"
    assert "verdict" in _tampered(tmp_path, honest, edit)[0][1]


# -- the split embeddings at n = k + 1 ------------------------------------------------------
def test_split_bound_too_low(tmp_path, honest):
    """Claiming more negative curvature than the direction has is refused."""
    def edit(head, rows, i):
        rows[i][7][1][3] = str(float(rows[i][7][1][3]) * 1.5)
    assert "split generic: Rayleigh" in _tampered(tmp_path, honest, edit)[0][1]


def test_split_direction_swapped(tmp_path, honest):
    """The generic unit's direction under the special unit's label does not re-prove (the
    bound was for the other row's block)."""
    def edit(head, rows, i):
        rows[i][7][0][2] = rows[i][7][1][2]
        rows[i][7][0][3] = rows[i][7][1][3]
    assert "split special: Rayleigh" in _tampered(tmp_path, honest, edit, "II", 9)[0][1]


def test_split_units_relabelled(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][7].reverse()
    assert "unit" in _tampered(tmp_path, honest, edit)[0][1]


def test_split_nonnegative_or_wrong_block(tmp_path, honest):
    for field, bad, word in ((3, "0", "not < 0"), (1, "sign", "block"),
                             (2, ["0x0p+0"] * 2, "direction")):
        def edit(head, rows, i, field=field, bad=bad):
            rows[i][7][0][field] = bad
        assert word in _tampered(tmp_path, honest, edit)[0][1]


def test_split_on_a_moved_saddle_box(tmp_path, honest):
    """Type II at k = 7 is no minimum, but its split claims are re-proved on a box whose
    critical point is re-proved: moving the centre is refused."""
    def edit(head, rows, i):
        c = float.fromhex(rows[i][3][0])
        rows[i][3][0] = (c + 1e-6).hex()
    assert "Krawczyk" in _tampered(tmp_path, honest, edit, "II", 7)[0][1]


def test_split_claimed_for_global(tmp_path, honest):
    def edit(head, rows, i):
        rows[i][7] = copy.deepcopy(rows[_row(rows, "A", 9)][7])
    assert "no split" in _tampered(tmp_path, honest, edit, "global", 9)[0][1]


def test_split_labels_in_header(tmp_path, honest):
    for edit_labels in (lambda s: s["A"]["generic"].__setitem__("row", 2),
                        lambda s: s["II"]["generic"]["blocks"][2].__setitem__(2, "k - 3")):
        def edit(head, rows, i, e=edit_labels):
            e(head["splits"])
        assert "split labels" in _tampered(tmp_path, honest, edit)[0][1]


def test_crafted_values_are_refused_not_crashes(tmp_path, honest):
    """Values a writer never produces are refused with a reason (no traceback, no stall)."""
    cases = [
        (lambda r: r[7][0].__setitem__(1, ["trivial"]), "block"),
        (lambda r: r.__setitem__(1, 10**400), "k must be"),
        (lambda r: r.__setitem__(1, 1_000_001), "k must be"),
        (lambda r: r[3].__setitem__(0, "0x1p+5000"), "bad centre"),
        (lambda r: r[7][0].__setitem__(3, "-1e-999999999"), "exponent"),
        (lambda r: r[4].__setitem__(1, "1" * 100), "too long"),
    ]
    for change, word in cases:
        def edit(head, rows, i, change=change):
            change(rows[i])
        assert word in _tampered(tmp_path, honest, edit)[0][1], word
