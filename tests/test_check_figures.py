"""`make check-figures`: the committed figures compare equal to themselves, and each kind of
tolerance fails when its column is changed beyond it (the comparison has power). Fast: the
committed CSVs are compared with edited copies; nothing reruns `relucheck all`."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from relucheck.output import compare, plots, redraw
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


def test_a_changed_certified_count_is_the_one_difference(tmp_path):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for p in FIGURES.glob("*.csv"):
        shutil.copyfile(p, fresh / p.name)
    name = "fig10_conjecture1_grid.csv"
    row = first_row(fresh / name, kind="row")
    edit(fresh / name, row, "counterexamples", lambda s: "1")
    diffs = compare_folders(FIGURES, fresh, TOLERANCES)
    assert len(diffs) == 1, diffs
    assert diffs[0].startswith(f"{name}: column 'counterexamples': 1 of ")
    assert f"line {row + 2}: committed '0', fresh '1'; allowed exact" in diffs[0]


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
    # prose, beside a verdict compared exactly (summary.csv has no wall times: the run
    # records took them)
    ("summary.csv", {}, "measured", lambda s: s + " (edited)"),
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
