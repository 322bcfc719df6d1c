"""Sphinx configuration of relucheck's documentation site (`make docs`).

Sphinx with MyST (the pages stay Markdown, readable on any code host as well), autodoc with
napoleon for the NumPy-style docstrings, and the furo theme. Nothing is fetched while building:
no intersphinx, no remote images, no math renderer (the mathematics is plain text, as in the
code). Warnings are errors (`make docs` and tests/test_docs.py pass -W).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import relucheck  # noqa: E402

project = "relucheck"
author = "the relucheck authors"
copyright = "the relucheck authors, MIT licence"
version = release = relucheck.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "plain_docstrings",  # docs/_ext: docstrings in the project's plain-text notation
    "clihelp",  # docs/_ext: the relucheck-help directive
    "public_api",  # docs/_ext: the relucheck-api directive (autodoc of relucheck.__all__)
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

myst_heading_anchors = 3  # links such as math.md#4-critical-points-k-2-in-the-plane-...
myst_enable_extensions = ["deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"relucheck {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_last_updated_fmt = None  # no build date in the pages

# Pages written alongside this site by other work: listed in a toctree, built when present.
# A toctree line naming one of them is dropped while the page does not exist, so the build
# neither fails nor warns without it.
OPTIONAL_PAGES = ("api", "proof-conjecture1")

# Blocks between <!-- if-exists: PATH --> and <!-- end-if --> (PATH relative to this folder)
# are dropped when PATH does not exist: for pages that show a file another change adds.
_IF_EXISTS = re.compile(r"<!-- if-exists: (\S+) -->\n(.*?)<!-- end-if -->\n?", re.S)


def _optional_content(app, docname: str, source: list[str]) -> None:
    text = source[0]
    for page in OPTIONAL_PAGES:
        if not (DOCS / f"{page}.md").exists():
            text = re.sub(rf"^{re.escape(page)}\n", "", text, flags=re.M)
    text = _IF_EXISTS.sub(lambda m: m.group(2) if (DOCS / m.group(1)).exists() else "", text)
    source[0] = text


def setup(app):
    app.connect("source-read", _optional_content)
