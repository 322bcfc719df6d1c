"""The conjecture1-grid sweep (Figure 10): classification, summaries, planted counterexamples,
invariance to blocking and workers, escalation, and the command line."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import assert_rejected

from relucheck.cli.conjecture1_grid import command
from relucheck.experiments import conjecture1_grid as ex
from relucheck.output.writers import read_csv, table_to_csv
from relucheck.result import FAIL, PASS
from relucheck.runner import output_folder, run_and_write
from relucheck.runtime.progress import null_progress

mp.mp.dps = 50
SMALL = dict(n_a=48, n_phi=96, map_a=12, map_phi=24, slice_points=64)


def _mp_plane(a: float, phi: float) -> tuple:
    """Eqn 14 as printed in docs/math.md section 4 at 50 digits (explicit 2 x 2 inverse)."""
    A, P = mp.mpf(a), mp.mpf(phi)

    def fold(x):
        x = x % (2 * mp.pi)
        return x if x <= mp.pi else 2 * mp.pi - x

    def h(t):
        return (mp.pi - t) * mp.cos(t) + mp.sin(t)

    t1, t2, H = fold(P), fold(P - A), h(A)
    det = mp.pi**2 - H**2
    v1, v2 = h(t1), h(t2)

    def quad(x1, x2):
        return (v1 * (mp.pi * x1 - H * x2) + v2 * (mp.pi * x2 - H * x1)) / det

    md, mo = mp.pi * mp.cos(A), (mp.pi - A) + mp.sin(A) * mp.cos(A)
    L12 = (mp.pi - t1) * mp.cos(t2) + mp.sin(t1) * mp.cos(A) - quad(md, mo)
    L21 = (mp.pi - t2) * mp.cos(t1) + mp.sin(t2) * mp.cos(A) - quad(mo, md)
    return L12, L21


def _num(x: np.ndarray) -> np.ndarray:
    """A table column as floats (empty cells NaN) when it is numeric, else as it is."""
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return np.asarray(x)


def _rows(res) -> dict:
    m = res.tables["main"]
    k = m["kind"] == "row"
    return {c: _num(v[k]) for c, v in m.items()}


def _planted(a, phi):
    """Two small regions with L negated: one outside the cone, one inside."""
    return (((a > 1.0) & (a < 1.2) & (phi > 3.0) & (phi < 3.3))
            | ((a > 2.0) & (a < 2.2) & (phi > 0.5) & (phi < 0.8)))


@pytest.fixture(scope="module")
def small():
    return ex.run(ex.Params(**SMALL))


# --------------------------------------------------------------------------- the sweep


def test_small_grid_claims_and_summary(small):
    assert [c.verdict for c in small.claims[:3]] == [PASS, PASS, PASS]
    assert small.exit_code == 0
    r = _rows(small)
    p = ex.Params(**SMALL)
    a, phi = ex.a_grid(p), ex.phi_grid(p)
    n_in = np.array([np.count_nonzero((phi > 0) & (phi < ai)) for ai in a])
    n_bd = np.array([np.count_nonzero((phi == 0) | (phi == ai)) for ai in a])
    np.testing.assert_array_equal(r["cells_checked"], p.n_phi - n_bd)
    np.testing.assert_array_equal(r["n_boundary"], n_bd)
    has_in = n_in > 0
    assert np.all(r["min_L12_inside"][has_in] > 0) and np.all(r["min_L21_inside"][has_in] > 0)
    assert np.all(np.isnan(r["min_L12_inside"][~has_in]))
    assert np.all(r["max_L12_outside"] < 0) and np.all(r["max_L21_outside"] < 0)
    np.testing.assert_array_equal(r["sign_changes_L12"], np.where(has_in, 2, 0))
    np.testing.assert_array_equal(r["counterexamples"], 0)
    assert len(small.tables["counterexamples"]["a_index"]) == 0


def test_summary_extremes_against_mpmath():
    """min L inside and max L outside of each row against Eqn 14 at 50 digits on every cell,
    within the kernel's bound for that cell (here the float64 value of the extreme cell)."""
    p = ex.Params(n_a=5, n_phi=24, map_a=2, map_phi=2, slice_points=4)
    res = ex.run(p)
    r = _rows(res)
    a, phi = ex.a_grid(p), ex.phi_grid(p)
    for i, ai in enumerate(a):
        vals = [_mp_plane(ai, ph) for ph in phi]
        inside = [(v, j) for j, v in enumerate(vals) if 0 < phi[j] < ai]
        outside = [(v, j) for j, v in enumerate(vals) if phi[j] > ai]
        for f, name in ((0, "L12"), (1, "L21")):
            if inside:
                ref = min(v[f] for v, _ in inside)
                assert abs(r[f"min_{name}_inside"][i] - ref) <= 1e-15 * max(1, abs(ref))
            ref = max(v[f] for v, _ in outside)
            assert abs(r[f"max_{name}_outside"][i] - ref) <= 1e-15 * max(1, abs(ref))


def test_map_and_slices_against_mpmath(small):
    m = small.tables["main"]
    rng = np.random.default_rng(0)
    for kind in ("map", "slice"):
        idx = np.flatnonzero(m["kind"] == kind)
        for i in rng.choice(idx, 12, replace=False):
            a, phi = float(m["a_rad"][i]), float(m["phi_rad"][i])
            r12, r21 = _mp_plane(a, phi)
            # float64 kernel values: within 1e-15 absolute of Eqn 14 (bounds are < 2e-15 here)
            assert abs(float(m["L12"][i]) - r12) < 2e-15
            assert abs(float(m["L21"][i]) - r21) < 2e-15
            expected = "boundary" if phi in (0.0, a) else ("inside" if phi < a else "outside")
            assert m["region"][i] == expected
    sl = _num(m["a_rad"][m["kind"] == "slice"])
    assert set(np.unique(sl)) == {3 * np.pi / 8, 7 * np.pi / 8}


def test_planted_counterexample_reported_exactly():
    p = ex.Params(**SMALL)
    res = ex.run(p, tamper=_planted)
    a, phi = ex.a_grid(p), ex.phi_grid(p)
    A, P = np.meshgrid(a, phi, indexing="ij")
    expected = _planted(A, P) & (P != 0) & (P != A)
    assert expected.sum() >= 4 and (expected & (P < A)).any() and (expected & (P > A)).any()
    cx = res.tables["counterexamples"]
    got = sorted(zip(cx["a_index"], cx["phi_index"], cx["function"], strict=True))
    want = sorted((i, j, f) for i, j in zip(*np.nonzero(expected), strict=True)
                  for f in ("L12", "L21"))
    assert got == want
    assert res.exit_code == 1
    assert res.claims[0].verdict == FAIL
    # Values: the planted L is -L, certified by interval arithmetic to 25 digits.
    for k in range(len(got)):
        i, j, f = cx["a_index"][k], cx["phi_index"][k], cx["function"][k]
        ref = _mp_plane(a[i], phi[j])[0 if f == "L12" else 1]
        lo, hi = mp.mpf(cx["certified_lo"][k]), mp.mpf(cx["certified_hi"][k])
        assert lo <= -ref <= hi and hi - lo <= abs(ref) * mp.mpf(10) ** -20
        assert abs(cx["L_float64"][k] + ref) <= cx["bound"][k]
        assert cx["region"][k] == ("inside" if phi[j] < a[i] else "outside")
    r = _rows(res)
    per_row = expected.sum(axis=1)
    np.testing.assert_array_equal(r["counterexamples"], per_row)
    # A row with a planted patch changes sign four times (two extra crossings), others twice.
    np.testing.assert_array_equal(r["sign_changes_L12"][per_row > 0], 4)


def test_planted_counterexample_exits_1_and_is_written(tmp_path):
    from relucheck.output.conjecture1_grid import plot

    p = ex.Params(**SMALL)
    with output_folder(tmp_path):
        result, _, _ = run_and_write(functools.partial(ex.run, tamper=_planted), p, out=tmp_path,
                                     seed=0, progress=null_progress, command="test", plot=plot)
    assert result.exit_code == 1
    cx = read_csv(tmp_path / "fig10_conjecture1_grid_counterexamples.csv")
    n = int(((_planted(*np.meshgrid(ex.a_grid(p), ex.phi_grid(p), indexing="ij")))).sum())
    assert len(cx["a_index"]) == 2 * n
    main = read_csv(tmp_path / "fig10_conjecture1_grid.csv")
    assert np.count_nonzero(main["kind"] == "counterexample") == n
    assert (tmp_path / "fig10_conjecture1_grid.png").stat().st_size > 0


def test_rounding_level_ratios_are_printed_as_bounds():
    """|L| on the boundary and the reflection difference are rounding noise: their ratios to
    the bound move with the CPU (0.283 here, 0.31 there), the claim text does not; a ratio
    beyond the bound is printed (and fails)."""
    p = ex.Params(**SMALL)
    zeros = np.zeros(3, dtype=int)
    summary = {"counterexamples": zeros, "unsettled": zeros, "escalated": zeros}

    def texts(prop1, reflect):
        return [(c.measured, c.verdict) for c in ex._claims(p, 100, summary, prop1,
                                                              (reflect, 8192))]

    assert texts(0.283, 0.167) == texts(0.31, 0.09) == texts(0.0, 0.0)
    assert texts(0.283, 0.167)[1][0] == "max |L|/bound < 1 at phi = 0 and phi = a, every a"
    assert texts(0.283, 0.167)[3][0] == "0 cells"  # no wall time
    assert texts(1.7, 0.1)[1] == ("max |L|/bound = 1.7 at phi = 0 and phi = a, every a", FAIL)


@pytest.mark.parametrize("block_cells", [50, 96 * 3, 10**6])
def test_chunk_sizes_give_identical_tables(small, block_cells):
    """Rows per block and column chunks change, the tables do not (bit for bit)."""
    res = ex.run(ex.Params(**SMALL, block_cells=block_cells))
    assert res.params["cols_per_chunk"] <= 96
    for name in ("main", "counterexamples"):
        assert table_to_csv(res.tables[name]) == table_to_csv(small.tables[name])


def test_workers_1_and_2_agree():
    r1 = ex.run(ex.Params(**SMALL, workers=1, block_cells=96 * 8))
    r2 = ex.run(ex.Params(**SMALL, workers=2, block_cells=96 * 8))
    assert r1.run["workers_used"] == 1 and r2.run["workers_used"] == 2
    # the parameters record what was asked (workers 1 or 2), nothing of the run itself
    assert {**r1.params, "workers": 2} == r2.params
    assert r1.params["rows_per_block"] < SMALL["n_a"] // 2  # several blocks per worker
    assert table_to_csv(r1.tables["main"]) == table_to_csv(r2.tables["main"])


def test_grid_shapes_give_identical_rows():
    """A row's summary depends on its a and the phi grid only: the rows shared by a 4-row and a
    9-row grid over (0, pi) (a = k pi/5 = 2k pi/10, equal as floats) are identical."""
    p4 = ex.Params(**(SMALL | dict(n_a=4)))
    p9 = ex.Params(**(SMALL | dict(n_a=9)))
    a4, a9 = ex.a_grid(p4), ex.a_grid(p9)
    np.testing.assert_array_equal(a4, a9[1::2])
    r4, r9 = ex.run(p4).tables["main"], ex.run(p9).tables["main"]
    rows4 = {c: v[r4["kind"] == "row"] for c, v in r4.items()}
    rows9 = {c: v[r9["kind"] == "row"][1::2] for c, v in r9.items()}
    assert table_to_csv(rows4) == table_to_csv(rows9)


def test_escalation_settles_near_boundary_cells():
    """a one ulp from a grid phi: the float64 bound cannot decide that cell, interval arithmetic
    does, with the sign of the 50-digit value. The summary holds the midpoint of the certified
    enclosure for an escalated function, and the float64 value, within its bound, otherwise."""
    from relucheck.proofs.conjecture1.grid import PhiGrid, certify, row_coefficients

    phi1 = 2 * np.pi / 64
    ulp = np.spacing(phi1)
    for m in (-1, 1):
        p = ex.Params(n_a=2, n_phi=64, a_min=phi1 + m * ulp - 1e-12, a_max=phi1 + m * ulp + 2e-12,
                      map_a=2, map_phi=4, slice_points=4)
        a0 = ex.a_grid(p)[0]
        assert a0 == phi1 + m * ulp
        res = ex.run(p)
        assert res.exit_code == 0 and res.params["escalated_cells"] == 1
        r = _rows(res)
        G = PhiGrid(ex.phi_grid(p))
        rc = row_coefficients(np.array([a0]))
        bound = G.bounds(rc, G.layout(rc.a))[0]  # (2 functions, 4 pieces)
        piece, key = (0, "min_{}_inside") if m == 1 else (1, "max_{}_outside")
        ref = _mp_plane(a0, phi1)
        escalated = 0
        for f, name in enumerate(("L12", "L21")):
            value = r[key.format(name)][0]
            assert np.sign(value) == mp.sign(ref[f]) == (1 if m == 1 else -1)
            if abs(value) <= bound[f, piece]:  # not decidable in float64: certified value
                escalated += 1
                cert = certify(a0, phi1, which=(f,))
                lo, hi = cert.L12 if f == 0 else cert.L21
                assert mp.mpf(lo) <= ref[f] <= mp.mpf(hi)
                assert value == cert.midpoint(f)
            else:
                assert abs(value - ref[f]) <= bound[f, piece]
        assert escalated >= 1


def test_unsettled_cell_fails_the_claim():
    """A cell 1 ulp from the edge at a ~ 1e-3 needs more than 80 bits: capped at 80 it stays
    unsettled, which fails the claim (exit 1); with the default cap it is settled."""
    n_phi = 6284
    phi1 = 2 * np.pi / n_phi
    ulp = np.spacing(phi1)
    base = dict(n_a=2, n_phi=n_phi, a_min=phi1 + ulp - 1e-12, a_max=phi1 + ulp + 2e-12, map_a=2,
                map_phi=4, slice_points=4)
    capped = ex.run(ex.Params(**base, max_prec=80))
    r = _rows(capped)
    assert capped.exit_code == 1 and capped.claims[0].verdict == FAIL
    assert r["unsettled"][0] == 1 and r["counterexamples"][0] == 0
    assert np.isnan(r["min_L12_inside"][0])  # its only inside cell is the unsettled one
    full = ex.run(ex.Params(**base))
    assert full.exit_code == 0 and _rows(full)["min_L12_inside"][0] > 0


def test_report_is_capped_counts_are_not():
    p = ex.Params(**SMALL, max_reported=3)
    res = ex.run(p, tamper=_planted)
    cx = res.tables["counterexamples"]
    A, P = np.meshgrid(ex.a_grid(p), ex.phi_grid(p), indexing="ij")
    expected = _planted(A, P)
    first = sorted(zip(*np.nonzero(expected), strict=True))[:3]
    assert sorted({(i, j) for i, j in zip(cx["a_index"], cx["phi_index"], strict=True)}) <= first
    assert len(cx["a_index"]) == 3
    assert _rows(res)["counterexamples"].sum() == expected.sum()


def test_everything_wrong_is_counted_and_reported_in_bounded_form():
    """A systematically wrong L (every sign flipped): every non-boundary cell is counted, the
    detailed report stops at max_reported, and each row still changes sign twice."""
    p = ex.Params(**SMALL, max_reported=10)
    res = ex.run(p, tamper=lambda a, phi: np.ones(np.broadcast_shapes(a.shape, phi.shape), bool))
    r = _rows(res)
    np.testing.assert_array_equal(r["counterexamples"], r["cells_checked"])
    assert len(res.tables["counterexamples"]["a_index"]) == 10
    has_in = ~np.isnan(r["max_L12_outside"]) & (r["min_L12_inside"] < 0)
    np.testing.assert_array_equal(r["sign_changes_L12"][has_in], 2)
    assert res.exit_code == 1


def test_boundary_cells_on_the_grid():
    """a equal to a grid phi: that cell is a boundary cell, not checked for sign; Prop. 1 holds."""
    p = ex.Params(n_a=3, n_phi=64, a_min=0.0, a_max=4 * (2 * np.pi / 64), map_a=2, map_phi=4,
                  slice_points=4)
    a = ex.a_grid(p)
    assert np.isin(a, ex.phi_grid(p)).any()
    res = ex.run(p)
    r = _rows(res)
    np.testing.assert_array_equal(r["n_boundary"], 1 + np.isin(a, ex.phi_grid(p)))
    assert res.claims[1].verdict == PASS and res.exit_code == 0


def test_params_validation():
    for bad, name in ((dict(n_a=1), "n_a"), (dict(n_phi=1), "n_phi"),
                      (dict(a_min=1.0, a_max=0.5), "a_max"), (dict(a_min=-0.1), "a_min"),
                      (dict(workers=-1), "workers"), (dict(a_max=4.0), "a_max")):
        with pytest.raises(ValueError, match=f"^{name}:"):
            ex.Params(**(SMALL | bad)).validate()


# --------------------------------------------------------------------------- command line


def _invoke(args, tmp_path=None):
    return CliRunner().invoke(command, args, catch_exceptions=False)


def test_cli_help():
    res = _invoke(["--help"])
    assert res.exit_code == 0
    for opt in ("--n-a", "--n-phi", "--a-min", "--a-max", "--workers", "--out", "--seed",
                "--quick", "--quiet"):
        assert opt in res.output


@pytest.mark.parametrize("args, option", [
    (["--n-a", "1"], "--n-a"), (["--n-phi", "0"], "--n-phi"), (["--workers", "-2"], "--workers"),
    (["--a-min", "2", "--a-max", "1"], "--a-max"), (["--a-max", "4"], "--a-max"),
    (["--a-min", "-1"], "--a-min"),
])
def test_cli_bad_input(tmp_path, args, option):
    out = tmp_path / "out"
    assert_rejected(_invoke([*args, "--quick", "--out", str(out)]), option, out)


def test_cli_unwritable_out(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    res = _invoke(["--quick", "--out", str(target / "sub")])
    assert res.exit_code == 2 and "--out" in res.output


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    dirs = [tmp_path_factory.mktemp(f"q{i}") for i in range(2)]
    results = [_invoke(["--quick", "--quiet", "--out", str(d)]) for d in dirs]
    return dirs, results


def test_cli_quick_writes_everything(quick_runs):
    dirs, results = quick_runs
    assert results[0].exit_code == 0, results[0].output
    names = {p.name for p in dirs[0].iterdir() if not p.name.startswith(".")}
    stem = "fig10_conjecture1_grid"
    assert {f"{stem}.csv", f"{stem}.json", f"{stem}.png", f"{stem}.pdf",
            f"{stem}_counterexamples.csv"} <= names
    assert "PASS" in results[0].output and "Conjecture 1" in results[0].output
    cx = (dirs[0] / f"{stem}_counterexamples.csv").read_text().splitlines()
    assert len(cx) == 1  # header only


def test_cli_same_seed_identical_bytes(quick_runs):
    dirs, _ = quick_runs
    for ext in ("csv", "pdf"):
        name = f"fig10_conjecture1_grid.{ext}"
        assert (dirs[0] / name).read_bytes() == (dirs[1] / name).read_bytes()


def test_figure_from_csv_alone(quick_runs):
    from relucheck.output.conjecture1_grid import plot

    dirs, _ = quick_runs
    fig = plot(read_csv(dirs[0] / "fig10_conjecture1_grid.csv"))
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("(a)") for t in titles) and any(t.startswith("(c)") for t in titles)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_quick_sizes_documented():
    assert ex.QUICK == dict(n_a=200, n_phi=400)
    assert os.path.basename(ex.__file__) == "conjecture1_grid.py"
    assert Path(ex.__file__).exists()
