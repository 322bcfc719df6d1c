"""Large k (up to the command's limit 10^6): the box shrinks with k (the blocks' enclosures
widen like k^2 times the box), centres keep 53 bits, the float Newton stops at 1e-7 and the
proof recentres; segments starting above the small-k trace start there, not at the seed.
A few k at the top of the range are proved and their certificate rows re-checked."""

from __future__ import annotations

import json

import pytest

from relucheck.proofs.families.certificate import (
    check_families,
    encode,
    read_lines,
    result_to_row,
)
from relucheck.proofs.families.proof import (
    LARGE_K,
    MAX_SHIFT,
    RADIUS_SHIFT,
    box_shift,
    centre_bits,
    prove_point,
)
from relucheck.proofs.families.run import SMALL_K, prove_segment, segments


def test_box_shift_schedule():
    assert box_shift(6) == box_shift(LARGE_K) == RADIUS_SHIFT  # the default range unchanged
    assert [box_shift(k) for k in (LARGE_K + 1, 3 * 10**4, 10**5, 3 * 10**5, 10**6)] == \
        [40, 42, 46, MAX_SHIFT, MAX_SHIFT]
    assert centre_bits(LARGE_K) == 44 and centre_bits(LARGE_K + 1) == 53


def test_segments_above_the_trace_start_where_asked():
    segs = segments(("A", "II", "global"), 999_000, 1_000_000, chunk=500)
    assert [(s.name, s.k_lo, s.k_hi) for s in segs] == [
        (n, lo, lo + 499 if lo < 1_000_000 else lo)
        for n in ("A", "II", "global") for lo in (999_000, 999_500, 1_000_000)]
    assert all(s.ref is None if s.name == "global" else s.ref.k == SMALL_K - 1 for s in segs)
    # the default range's segments are unchanged: the trace below SMALL_K, then chunks
    lows = [(s.k_lo, s.k_hi) for s in segments(("A",), 6, 1200)]
    assert lows == [(6, SMALL_K - 1), (SMALL_K, SMALL_K + 499), (SMALL_K + 500, SMALL_K + 999),
                    (SMALL_K + 1000, 1200)]


@pytest.fixture(scope="module")
def top_rows():
    out = []
    for seg in segments(("A", "II", "global"), 999_998, 1_000_000):
        out += prove_segment(seg)
    return out


def test_top_of_the_range_proves(top_rows):
    assert len(top_rows) == 9
    for r in top_rows:
        assert r.proved, (r.pattern, r.k, r.reason)
        assert r.shift == MAX_SHIFT
        assert (len(r.splits) == 2 and all(c.proved for c in r.splits)) == (r.pattern != "global")


def test_top_of_the_range_rechecks(tmp_path, top_rows):
    path = tmp_path / "top.jsonl.xz"
    path.write_bytes(encode([result_to_row(r) for r in top_rows], 80))
    rep = check_families(path)
    assert rep.ok, rep.refused
    assert rep.confirmed == 9 and len(rep.split_keys) == 2 * 3 * 2  # (A, II) x 3 k x 2 units


def test_a_default_range_box_is_refused_at_large_k(tmp_path, top_rows):
    """At k = 10^6 the shift must be 48 (or 40): a row claiming the small-k box is refused,
    and indeed that box does not prove."""
    rows = [result_to_row(r) for r in top_rows]
    rows[0][2] = RADIUS_SHIFT
    p = tmp_path / "bad.jsonl"
    head = json.loads(read_lines(encode([], 80))[0])
    p.write_text("\n".join(json.dumps(x) for x in [head, *rows]) + "\n")
    rep = check_families(p)
    assert not rep.ok and "radius shift" in rep.refused[0][1]
    r = top_rows[0]
    again = prove_point(r.pattern, r.k, r.center, radius=[
        x * 2.0 ** (MAX_SHIFT - RADIUS_SHIFT) for x in r.radius], retries=0)
    assert not again.proved
