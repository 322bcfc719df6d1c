"""The documentation site (`make docs`): it builds without a warning, and its pages keep up with
the code (every command has a page, the getting-started example runs, links resolve)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from plain_docstrings import escape_lines  # noqa: E402


def test_docs_build_with_warnings_as_errors(tmp_path):
    """The same build as `make docs`, into a temporary folder, in a fresh process (about 10 s:
    autodoc imports the package, and each command page runs that command's --help)."""
    pytest.importorskip("sphinx", reason="the docs extra (pip install '.[docs]') is not installed")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    out = tmp_path / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert proc.stderr.strip() == "", proc.stderr[-5000:]
    for page in ("index", "math", "design", "cluster", "reproducibility", "reference",
                 "commands/index", "commands/census", "commands/conjecture1-grid"):
        assert (out / f"{page}.html").is_file(), page
    # the API reference documents the public names, and a command page carries its --help
    reference = (out / "reference.html").read_text(encoding="utf-8")
    import relucheck

    for name in relucheck.__all__:
        if not name.startswith("_") and name.upper() != name:  # functions and classes
            assert f'id="relucheck.{name}"' in reference, name
    assert "--certify" in (out / "commands" / "census.html").read_text(encoding="utf-8")
    for name in ("api", "proof-conjecture1"):  # optional pages: built exactly when present
        assert (out / f"{name}.html").is_file() == (DOCS / f"{name}.md").is_file(), name


def _commands() -> list[str]:
    from relucheck.cli import main

    return main.list_commands(click.Context(main))


def test_every_command_has_its_help_on_a_page():
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (DOCS / "commands").glob("*.md")}
    shown = {m for text in pages.values()
             for m in re.findall(r"^```\{relucheck-help\} (\S+)$", text, flags=re.M)}
    assert set(_commands()) <= shown, set(_commands()) - shown
    for name in _commands():
        if name not in ("check-certificate", "check-minimum", "check-families"):  # on their
            # proofs' pages
            assert name in pages, f"docs/commands/{name}.md is missing"
    toctree = pages["index"].split("```{toctree}")[1].split("```")[0]
    assert {line.strip() for line in toctree.splitlines()} >= set(pages) - {"index"}


def test_getting_started_example_runs(capsys):
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)
    assert len(blocks) == 1 and len(blocks[0].strip().splitlines()) == 5
    exec(compile(blocks[0], "docs/index.md", "exec"), {})
    assert capsys.readouterr().out.strip()


def _links(path: Path) -> list[str]:
    """The Markdown links of a page, as the site builds it: a block between
    <!-- if-exists: PATH --> and <!-- end-if --> counts only when PATH (under docs/) exists."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!-- if-exists: (\S+) -->\n(.*?)<!-- end-if -->\n?",
                  lambda m: m.group(2) if (DOCS / m.group(1)).exists() else "", text, flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", ["README.md", *sorted(
    str(p.relative_to(ROOT)) for p in DOCS.rglob("*.md") if "_build" not in p.parts)])
def test_relative_links_point_to_files(page):
    path = ROOT / page
    for link in _links(path):
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue
        target = (path.parent / link.split("#")[0]).resolve()
        assert target.exists(), f"{page}: {link}"


def test_readme_keeps_the_numbers_block_and_links_the_docs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("<!-- numbers:begin -->") == 1 and text.count("<!-- numbers:end -->") == 1
    block = text.split("<!-- numbers:begin -->")[1].split("<!-- numbers:end -->")[0]
    assert block.count("\n|---") >= 2, "the results and the run-time tables"  # their content:
    # scripts/readme_numbers.py and tests/test_readme_numbers.py
    assert "make figures" in text and "make test" in text
    for page in ("docs/index.md", "docs/commands/index.md", "docs/math.md", "docs/design.md",
                 "docs/cluster.md", "docs/reproducibility.md", "docs/reference.md"):
        assert f"]({page})" in text, page


def test_no_reference_to_the_old_upper_case_notes():
    """The notes live in docs/ (docs/math.md, docs/design.md); nothing points elsewhere."""
    old = re.compile(r"(?<![\w/])(MATH|DESIGN)\.md")
    hits = []
    suffixes = (".py", ".md", ".cfg", ".toml", ".txt")
    for base in ("relucheck", "tests", "benchmarks", "docs", "scripts"):
        for path in (ROOT / base).rglob("*"):
            if path.suffix in suffixes and "_build" not in path.parts:
                hits += [f"{path.relative_to(ROOT)}: {m.group(0)}"
                         for m in old.finditer(path.read_text(encoding="utf-8", errors="replace"))]
    for name in ("README.md", "Makefile", "setup.cfg", "pyproject.toml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        hits += [f"{name}: {m.group(0)}" for m in old.finditer(text)]
    assert not hits, hits


@pytest.mark.parametrize(("source", "rendered"), [
    ("|w - w*| < |w*|", r"\|w - w\*\| < \|w\*\|"),
    ("w_j, grad_{w_j} J and name_ here", r"w_j, grad\_{w_j} J and name\_ here"),
    ("keeps ``a*b|c`` and :func:`f_` as they are", "keeps ``a*b|c`` and :func:`f_` as they are"),
    (">>> x = a*b", ">>> x = a*b"),
])
def test_docstring_notation_is_escaped_for_rst(source, rendered):
    assert escape_lines([source]) == [rendered]


def test_docstring_doctest_output_is_kept():
    lines = [">>> print('|w*|')", "|w*|", "", "then |w*|"]
    assert escape_lines(lines) == [">>> print('|w*|')", "|w*|", "", r"then \|w\*\|"]


def test_docstring_formula_blocks_become_literal():
    lines = ["Blocks:", "    H = a*b |u|", "      - c", "after the block"]
    assert escape_lines(lines) == ["Blocks:", "", "::", "", "    H = a*b |u|", "      - c", "",
                                   "after the block"]
    # item descriptions in a Parameters section are napoleon's, not formulas
    fields = ["Parameters", "----------", "W : array", "    rows |w_j|"]
    assert escape_lines(fields) == ["Parameters", "----------", "W : array", r"    rows \|w_j\|"]


def test_make_docs_keeps_the_doctrees_out_of_the_published_html():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndocs:", 1)[1]
    line = next(ln for ln in recipe.splitlines() if "sphinx" in ln)
    args = line.split()
    assert "-d" in args
    doctrees, html = args[args.index("-d") + 1], args[-1]
    assert not doctrees.startswith(html.rstrip("/") + "/"), line
