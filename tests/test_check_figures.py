"""`make check-figures`: the committed figures compare equal to themselves, and each kind of
tolerance fails when its column is changed beyond it (the comparison has power). Fast: the
committed CSVs are compared with edited copies; nothing reruns `relucheck all`."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relucheck.output import compare, plots, redraw, tolerances
from relucheck.output.compare import Close, Exact, compare_folders, compare_table
from relucheck.output.tolerances import TOLERANCES

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"


def edit(path: Path, row: int, col: str, change) -> tuple[str, str]:
    """Replace cell (data row ``row``, column ``col``) of a CSV by ``change(old_text)``."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    j = rows[0].index(col)
    old = rows[row + 1][j]
    rows[row + 1][j] = change(old)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return old, rows[row + 1][j]


def first_row(path: Path, **where) -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            if all(r[k] == v for k, v in where.items()):
                return i
    raise LookupError(where)


@pytest.fixture
def copy(tmp_path):
    """A copy of one committed CSV: returns (committed path, copy path)."""
    def make(name: str) -> tuple[Path, Path]:
        dst = tmp_path / name
        shutil.copyfile(FIGURES / name, dst)
        return FIGURES / name, dst
    return make


def test_committed_figures_match_themselves_and_every_column_has_a_rule():
    assert compare_folders(FIGURES, FIGURES, TOLERANCES) == []
    assert set(TOLERANCES) == {p.name for p in FIGURES.glob("*.csv")}


@pytest.mark.parametrize("name, where, col, new", [
    ("fig10_conjecture1_grid.csv", {"kind": "row"}, "counterexamples", "1"),
    # a census family's count and its certified flag (the interval proof)
    ("census_families.csv", {"k": "9", "n": "9", "family": "2"}, "count", "3"),
    ("census_families.csv", {"k": "10", "n": "11", "family": "1"}, "certified", "0"),
])
def test_a_changed_certified_count_is_the_one_difference(tmp_path, name, where, col, new):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for p in FIGURES.glob("*.csv"):
        shutil.copyfile(p, fresh / p.name)
    row = first_row(fresh / name, **where)
    old, _ = edit(fresh / name, row, col, lambda s: new)
    assert old != new
    diffs = compare_folders(FIGURES, fresh, TOLERANCES)
    assert len(diffs) == 1, diffs
    assert diffs[0].startswith(f"{name}: column {col!r}: 1 of ")
    assert f"line {row + 2}: committed {old!r}, fresh {new!r}; allowed exact" in diffs[0]


@pytest.mark.parametrize("name, where, col, change", [
    # certified flags and counts, proofs' signs: exact
    ("census_families.csv", {"certified": "1"}, "certified", lambda s: "0"),
    ("census.csv", {"k": "10", "n": "10"}, "spurious_minimum", lambda s: str(int(s) + 1)),
    ("fig10_conjecture1_certificate.csv", {"region": "in"}, "depth", lambda s: str(int(s) + 1)),
    ("fig10_conjecture1_certificate.csv", {"region": "in"}, "F12_lo", lambda s: "-1e-300"),
    ("census_families.csv", {"certified": "1"}, "lambda_min_lo", lambda s: "-" + s),
    # a relative tolerance of 1e-9: a change of 1e-7 relative is caught
    ("fig7_verify_formula.csv", {"panel": "a"}, "rel_err", lambda s: repr(float(s) * (1 + 1e-7))),
    # a recorded bound (or 1e-9 relative, 1e-10 here): 1e-9 away is caught
    ("fig9_noise_sweep.csv", {"class": "teacher"}, "hessian_min_eig",
     lambda s: repr(float(s) + 1e-9)),
    # enclosures must intersect: moved above its old upper end
    ("census_families.csv", {"certified": "1"}, "loss_lo", lambda s: "1.0"),
    # a per-row rule (n = k): an eigenvalue of an isolated minimum is compared
    ("census_runs.csv", {"k": "8", "n": "8"}, "lambda_min", lambda s: repr(float(s) + 1e-6)),
    # lists of numbers, each compared
    ("fig9_noise_sweep_minima.csv", {}, "hessian_eigenvalues", lambda s: s + " 1.0"),
    # claim texts print only CPU-stable digits: any change is a change of result
    ("summary.csv", {}, "measured", lambda s: s + " (edited)"),
    # how many runs of a proved family end inside its certified box
    ("census_families.csv", {"certified": "1"}, "in_box", lambda s: str(int(float(s)) - 1)),
    # a missing value must be missing in both
    ("fig7_verify_formula.csv", {"panel": "a"}, "rel_bias_sq", lambda s: "0.5"),
])
def test_a_change_beyond_the_tolerance_is_caught(copy, name, where, col, change):
    committed, fresh = copy(name)
    old, new = edit(fresh, first_row(fresh, **where), col, change)
    assert old != new
    diffs = compare_table(name, committed, fresh, TOLERANCES[name])
    # (an enclosure's rule reads both ends, so both of its columns report the change)
    assert any(d.startswith(f"{name}: column {col!r}: 1 of ") for d in diffs), diffs


@pytest.mark.parametrize("name, where, col, change", [
    ("fig7_verify_formula.csv", {"panel": "a"}, "rel_err", lambda s: repr(float(s) * (1 + 1e-12))),
    # the end of a descent on the non-isolated minima (n > k) is not determined
    ("census_runs.csv", {"k": "8", "n": "9"}, "lambda_min", lambda s: repr(float(s) + 0.03)),
    ("census_families.csv", {"certified": "1"}, "radius", lambda s: repr(2 * float(s))),
])
def test_a_change_within_the_tolerance_passes(copy, name, where, col, change):
    committed, fresh = copy(name)
    old, new = edit(fresh, first_row(fresh, **where), col, change)
    assert old != new
    assert compare_table(name, committed, fresh, TOLERANCES[name]) == []


def test_an_unknown_column_or_file_fails_loudly(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x,y\n1,2\n")
    b.write_text("x,y,z\n1,2,3\n")
    diffs = compare_table("t.csv", a, b, {"x": Exact("test"), "y": Exact("test")})
    assert any("'z' is new" in d for d in diffs)
    assert any("'z' has no tolerance; state one" in d for d in diffs)
    assert compare_table("t.csv", a, a, {"x": Exact("test")}) == [
        "t.csv: column 'y' has no tolerance; state one (and why) in TOLERANCES in "
        "relucheck/output/tolerances.py"]
    assert "no tolerances are stated for this file" in compare_table("t.csv", a, a, None)[0]


def test_missing_extra_files_and_rows_are_differences(tmp_path):
    c, f = tmp_path / "c", tmp_path / "f"
    c.mkdir()
    f.mkdir()
    (c / "t.csv").write_text("x\n1\n2\n")
    (f / "t.csv").write_text("x\n1\n")
    (c / "gone.csv").write_text("x\n")
    (f / "new.csv").write_text("x\n")
    rules = {"t.csv": {"x": Exact("test")}, "gone.csv": {"x": Exact("t")}, "new.csv": {}}
    assert compare_folders(c, f, rules) == [
        "gone.csv: committed, but not in the fresh output",
        "new.csv: in the fresh output, but not committed",
        "t.csv: 1 rows in the fresh output, 2 committed"]


def test_text_in_a_numeric_column_is_a_difference_not_a_crash(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1.5\n")
    b.write_text("x\nabc\n")
    diffs = compare_table("t.csv", a, b, {"x": Close("test", rtol=1e-9)})
    assert diffs == ["t.csv: column 'x': 'abc' is not a number"]


def test_every_rule_states_why():
    for name, rules in TOLERANCES.items():
        for col, rule in rules.items():
            assert all(len(w) > 10 for w in rule.reasons()), (name, col)
            assert rule.text(), (name, col)


def _tiny_figure(tables):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot(tables["main"]["x"])
    return fig


def test_redraw_is_byte_identical_and_a_changed_table_is_caught(tmp_path, monkeypatch):
    """The redraw check on a tiny figure (the real ones are redrawn by make check-figures)."""
    from relucheck.output.style import save_figure
    monkeypatch.setattr(plots, "FIGURES", {"tiny": plots.Entry(_tiny_figure)})
    (tmp_path / "tiny.csv").write_text("x\n1.0\n2.0\n3.0\n")
    _, fig = plots.draw(tmp_path / "tiny.csv")
    save_figure(fig, tmp_path, "tiny")
    assert redraw.redraw_differences(tmp_path) == []
    (tmp_path / "tiny.csv").write_text("x\n1.0\n2.5\n3.0\n")
    diffs = redraw.redraw_differences(tmp_path)
    assert [d.split(":")[0] for d in diffs] == ["tiny.png", "tiny.pdf"], diffs
    (tmp_path / "tiny.png").unlink()
    assert redraw.redraw_differences(tmp_path)[0] == "tiny.png: missing beside tiny.csv"


def test_the_script_says_reproduced_or_lists_the_differences(tmp_path):
    script = [sys.executable, str(ROOT / "scripts" / "check_figures.py")]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("census.csv", "summary.csv"):
        shutil.copyfile(FIGURES / name, fresh / name)
        shutil.copyfile(FIGURES / name, tmp_path / name)
    run = lambda *a: subprocess.run([*script, *map(str, a)], capture_output=True, text=True)  # noqa: E731
    ok = run(fresh, "--committed", tmp_path, "--no-redraw")
    assert ok.returncode == 0 and ok.stdout.startswith("reproduced: 2 CSVs"), ok
    edit(fresh / "census.csv", 0, "teacher", lambda s: "7")
    bad = run(fresh, "--committed", tmp_path, "--no-redraw")
    assert bad.returncode == 1 and bad.stdout.startswith("NOT reproduced: 1 difference"), bad
    assert "census.csv: column 'teacher'" in bad.stdout
    assert run(tmp_path / "nowhere", "--no-redraw").returncode == 2
    table = run("--tolerances")
    assert table.returncode == 0 and "  spurious_minimum: exact" in table.stdout


def test_compare_module_has_no_figure_imports():
    """The comparison stays cheap: matplotlib is imported by the redraw check only."""
    assert "matplotlib" not in Path(compare.__file__).read_text()


@pytest.mark.slow
def test_a_figure_does_not_depend_on_numpys_simd_kernels(tmp_path):
    """Figure 7 drawn here and drawn with numpy's SIMD dispatch off (another CPU's log10 and
    power, which differ in the last bit) are the same bytes: its straight log-log lines are two
    vertices, not 50 nearly collinear ones whose joins turned last bits into grey levels. (On a
    CPU where numpy dispatches no SIMD kernel the two draws are the same code; the test still
    runs the no-SIMD redraw path.)"""
    stem = "fig7_verify_formula"
    shutil.copyfile(FIGURES / f"{stem}.csv", tmp_path / f"{stem}.csv")
    assert redraw.redraw_into(tmp_path, tmp_path, [stem]) == []
    assert redraw.redraw_differences(tmp_path, simd=False, stems=[stem]) == []


def test_a_differing_redraw_names_the_drawing_environment(tmp_path):
    here = redraw.drawing_environment()
    assert {"matplotlib", "pillow", "fonttools", "freetype", "numpy_simd"} <= set(here)
    doc = {"versions": {"matplotlib": "0.0", "numpy": here["numpy"]}}
    (tmp_path / "fig.json").write_text(json.dumps(doc))
    notes = redraw.environment_notes(tmp_path, ["fig"])
    assert notes[0] == f"drawing environment: matplotlib 0.0 there, {here['matplotlib']} here"
    assert f"the same as recorded: numpy {here['numpy']}" in notes[1]
    assert f"not recorded in fig.json: pillow ({here['pillow']} here)" in "\n".join(notes)
    assert f"freetype ({here['freetype']} here)" in "\n".join(notes)
    doc["drawing"] = here  # a provenance that records the whole drawing environment
    (tmp_path / "fig.json").write_text(json.dumps(doc))
    notes = redraw.environment_notes(tmp_path, ["fig"])
    assert notes[0] == "drawing environment: no recorded version differs from this one (fig.json)"
    assert not any("not recorded" in n or "other relucheck code" in n for n in notes)
    doc.update(source_sha256="0" * 64, git_revision="abc-dirty")  # drawn by other code
    (tmp_path / "fig.json").write_text(json.dumps(doc))
    assert ("    drawn by other relucheck code (revision abc-dirty): if the plotting code changed "
            "since (git diff abc -- relucheck/output), regenerate the figures (make figures)"
            ) in redraw.environment_notes(tmp_path, ["fig"])
    # records now leave the revision to the run record beside them (not committed)
    del doc["git_revision"]
    (tmp_path / "fig.json").write_text(json.dumps(doc))
    assert ("    drawn by other relucheck code (revision not recorded): if the plotting code "
            "changed since, regenerate the figures (make figures)"
            ) in redraw.environment_notes(tmp_path, ["fig"])
    (tmp_path / "fig.run.json").write_text(json.dumps({"git_revision": "def"}))
    assert any("(revision def): if the plotting code changed since (git diff def -- "
               in n for n in redraw.environment_notes(tmp_path, ["fig"]))


def test_the_revision_of_committed_figures_is_their_last_commit(tmp_path, monkeypatch):
    """Committed figures keep no run record (it is git-ignored): the revision is the commit that
    last wrote them; where a run record lies beside (after make figures), it names the run's."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    log = subprocess.run(["git", "log", "-1", "--format=%H", "--", "fig8_ssb_2d.json"],
                         cwd=FIGURES, capture_output=True, text=True)
    # the committed record alone: hide a run record that make figures may have left beside it
    real = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (
        _raise(FileNotFoundError(self)) if self.name.endswith(".run.json")
        else real(self, *a, **k)))
    assert redraw._revision(FIGURES, "fig8_ssb_2d", {}) == log.stdout.strip()
    assert len(log.stdout.strip()) == 40
    monkeypatch.undo()
    (tmp_path / "x.run.json").write_text(json.dumps({"git_revision": "abc123"}))
    assert redraw._revision(tmp_path, "x", {}) == "abc123"


def _raise(exc: Exception):
    raise exc


# -- the census's flat sets of global minima (census_representatives.csv) ----------------------

REPS = "census_representatives.csv"


@pytest.fixture
def reps(tmp_path):
    """A fresh folder holding copies of the representatives and the families they belong to."""
    for name in (REPS, "census_families.csv"):
        shutil.copyfile(FIGURES / name, tmp_path / name)
    return tmp_path / REPS


def set_weight(path: Path, k: int, n: int, family: int, i: int, j: int, change) -> None:
    edit(path, first_row(path, k=str(k), n=str(n), family=str(family), row=str(i), col=str(j)),
         "value", change)


def rep_diffs(path: Path) -> list[str]:
    return compare_table(REPS, FIGURES / REPS, path, TOLERANCES[REPS])


@pytest.mark.parametrize("t", ["0.9999919476632829", "0.7", "0.0"])
def test_a_representative_moved_along_its_flat_set_of_minima_passes(reps, t):
    """k = 5, n = 6: student rows 0 and 4 share teacher row 4 in proportions t, 1 - t. The first
    t is the fresh run's that failed the old 1e-6 on raw coordinates (measured on another CPU);
    any other split is a global minimum as well."""
    set_weight(reps, 5, 6, 0, 0, 4, lambda s: t)
    set_weight(reps, 5, 6, 0, 4, 4, lambda s: repr(1.0 - float(t)))
    assert rep_diffs(reps) == []


def test_a_representative_moved_off_its_flat_set_is_caught(reps):
    set_weight(reps, 5, 6, 0, 1, 0, lambda s: "1e-5")  # across the set: teacher row 3's unit
    diffs = rep_diffs(reps)
    assert len(diffs) == 1 and diffs[0].startswith(f"{REPS}: column 'value': 1 of "), diffs
    assert "flat family k=5 n=6 family 0" in diffs[0]
    assert "its part off the set differs by 1e-05 (allowed abs 1e-06" in diffs[0]


def test_a_flat_representative_replaced_by_another_familys_is_caught(reps):
    """The global minimum of k = 10, n = 11 given the coordinates of that cell's spurious
    minimum (same shape): its loss J and its distance to the set give it away."""
    with open(reps, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    spurious = {tuple(r[3:5]): r[5] for r in rows[1:] if r[:3] == ["10", "11", "1"]}
    for r in rows[1:]:
        if r[:3] == ["10", "11", "0"]:
            r[5] = spurious[tuple(r[3:5])]
    with open(reps, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    diffs = rep_diffs(reps)
    assert len(diffs) == 1 and "flat family k=10 n=11 family 0: J 9.54158e-08 committed, " \
        "0.0178927 fresh" in diffs[0], diffs
    assert "the fresh representative is not near the set of global minima" in diffs[0]


def test_a_flat_representative_whose_loss_changed_is_caught(reps):
    """k = 10, n = 11 ended by the loss rule, 8e-3 off the set: a move of 5e-7 (inside the 1e-6
    allowed off the set) changes its loss by 8e-12, beyond 1e-12."""
    set_weight(reps, 10, 11, 0, 6, 6, lambda s: repr(float(s) + 5e-7))
    diffs = rep_diffs(reps)
    assert len(diffs) == 1 and "J 9.54158e-08 committed, 9.54241e-08 fresh" in diffs[0], diffs
    assert "its part off the set differs by 5e-07" in diffs[0]


def test_an_isolated_representative_keeps_the_strict_comparison(reps):
    """A spurious minimum with n > k (certified strict) and a global minimum with n = k: a
    move of 1e-9 is caught, as is moving an n = k teacher's shared weight (no flat set there)."""
    set_weight(reps, 10, 11, 1, 0, 0, lambda s: repr(float(s) + 1e-9))
    set_weight(reps, 5, 5, 0, 0, 0, lambda s: repr(float(s) + 1e-9))
    diffs = rep_diffs(reps)
    assert len(diffs) == 1 and diffs[0].startswith(f"{REPS}: column 'value': 2 of "), diffs
    assert diffs[0].count("allowed abs 1e-10 (here 1e-10; differs by 1e-09)") == 2, diffs


def test_without_the_families_table_every_representative_is_compared_strictly(reps):
    (reps.parent / "census_families.csv").unlink()
    set_weight(reps, 5, 6, 0, 0, 4, lambda s: "0.7")
    set_weight(reps, 5, 6, 0, 4, 4, lambda s: "0.30000000000000004")
    diffs = rep_diffs(reps)
    assert len(diffs) == 1 and "2 of " in diffs[0] and "allowed abs 1e-10" in diffs[0], diffs


def test_the_distance_to_the_set_of_global_minima():
    from relucheck.experiments.census import teacher

    W_star = tolerances.census_teacher(3, 4)
    assert np.array_equal(W_star, teacher(3, 4))
    on = np.array([[0.25, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0.75, 0, 0, 0]])
    assert np.array_equal(tolerances.off_global_minima(on, W_star), np.zeros((4, 4)))
    off = on.copy()
    off[0, 3] = 1e-3  # across the set
    off[3, 0] = 0.8   # the pair sums to 1.05: 0.05 too much, 0.025 off each of its rows
    R = tolerances.off_global_minima(off, W_star)
    assert np.allclose(R[[0, 3]], [[0.025, 0, 0, 1e-3], [0.025, 0, 0, 0]]), R
    assert tolerances.off_global_minima(on[[0, 1, 3]], W_star) is None  # teacher row 2: no one


# -- the pinned drawing environment (constraints/figures.txt) -------------------------------


def test_the_constraints_pin_every_runtime_dependency_as_the_figures_recorded():
    pins = redraw.read_constraints(ROOT / "constraints" / "figures.txt")
    if not pins:
        pytest.skip("the pins are for another Python than this one")
    installed = redraw.runtime_versions()
    assert set(pins) == set(installed), "regenerate: scripts/check_figures.py --constraints"
    for stem in plots.FIGURES:
        recorded = json.loads((FIGURES / f"{stem}.json").read_text())["versions"]
        for pkg, version in recorded.items():
            if pkg in pins:
                assert pins[pkg] == version, (stem, pkg)
    # make install pins the environment: the one that runs the tests is the pinned one
    assert installed == pins, "run make install (pip install -c constraints/figures.txt)"


def test_the_constraints_file_is_what_the_script_writes(tmp_path):
    text = redraw.constraints_text({"numpy": "1.0", "pillow": "2.0"})
    path = tmp_path / "c.txt"
    path.write_text(text)
    assert redraw.read_constraints(path) == {"numpy": "1.0", "pillow": "2.0"}
    path.write_text('numpy==1.0; python_version == "2.7"\n')
    assert redraw.read_constraints(path) == {}
    committed = (ROOT / "constraints" / "figures.txt").read_text()
    pins = redraw.read_constraints(ROOT / "constraints" / "figures.txt")
    if pins:
        assert redraw.constraints_text(pins) == committed
