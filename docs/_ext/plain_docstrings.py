"""Render relucheck's docstrings in the project's plain-text notation.

relucheck's docstrings write mathematics the way the paper and docs/math.md do, in plain text:
|w|, w*, a_j, grad_{w_j} J. In reStructuredText, |w| is a substitution, *x* is emphasis and
name_ is a link, so a docstring such as "|w - w*| < |w*|" would break the build. This extension
runs before napoleon and escapes those characters in docstring prose, so every docstring reads
on the page as it reads in the source. It leaves alone what is markup on purpose: ``literals``,
`interpreted text` and :roles:, directives (lines starting with ".."), doctest blocks (from a
>>> line to the next blank line, output included), and literal blocks (the indented lines after
a paragraph ending in "::").
"""

from __future__ import annotations

import re

# ``literal``, :role:`text` and `text` (also `text`_) are kept as they are
_KEEP = re.compile(r"``.+?``|:[\w:+-]+:`[^`]*`|`[^`]+`_{0,2}")
# |, * and a trailing _ (name_, name__) are RST inline markup; a backslash escapes
_SPECIAL = re.compile(r"([\\|*])|(?<=\w)(_+)(?=\W|$)")


def _escape_text(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return "\\" + match.group(1)
        return "".join("\\_" for _ in match.group(2))

    out, pos = [], 0
    for keep in _KEEP.finditer(text):
        out.append(_SPECIAL.sub(one, text[pos : keep.start()]))
        out.append(keep.group(0))
        pos = keep.end()
    out.append(_SPECIAL.sub(one, text[pos:]))
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# NumPy sections whose indented lines describe a named item (napoleon formats them)
_FIELD_SECTIONS = {
    "parameters", "other parameters", "keyword arguments", "returns", "yields", "receives",
    "raises", "warns", "attributes", "methods", "see also",
}
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)]|\(\w+\))\s+")
_RULE = re.compile(r"^\s*-{3,}\s*$")


def escape_lines(lines: list[str]) -> list[str]:
    """The docstring's lines with RST inline markup escaped, and indented formula blocks kept.

    In free text (the summary, the description, a Notes section), a run of lines indented deeper
    than its paragraph is a displayed formula, as in docs/math.md: it becomes a literal block, so
    its alignment survives. In field sections (Parameters, Returns, ...) indented lines are the
    items' descriptions, for napoleon.
    """
    out: list[str] = []
    literal_indent: int | None = None  # indent of the paragraph that opened a literal block
    in_fields = False
    in_doctest = False  # a doctest block runs from a >>> line to the next blank line
    base = 0  # indent of the current paragraph (or list item's text) in free text
    for i, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        in_doctest = bool(stripped) and (in_doctest or stripped.startswith(">>>"))
        if in_doctest:
            out.append(line)
            continue
        if literal_indent is not None:
            if not stripped or _indent(line) > literal_indent:
                out.append(line)
                continue
            literal_indent = None
            if out and out[-1].strip():
                out.append("")
        if not stripped:
            out.append(line)
            continue
        if _RULE.match(nxt) and not _RULE.match(line):  # a section header
            in_fields = stripped.lower() in _FIELD_SECTIONS
            base = _indent(line)
            out.append(line)
            continue
        if _RULE.match(line):
            out.append(line)
            continue
        if not in_fields and out and _indent(line) > base and not stripped.startswith(">>>"):
            # a displayed block: make it literal ("::" alone is dropped from the output)
            prev_indent = base
            if out[-1].strip():
                out.append("")
            out.extend([" " * prev_indent + "::", ""])
            out.append(line)
            literal_indent = prev_indent
            continue
        if stripped.startswith(("..", ">>>", "...")) and not stripped.startswith("...,"):
            out.append(line)
            continue
        out.append(_escape_text(line))
        item = _LIST_ITEM.match(line)
        if not in_fields:
            base = len(item.group(0)) if item else _indent(line)
        if stripped.endswith("::"):
            literal_indent = _indent(line)
    return out


def _process(app, what, name, obj, options, lines: list[str]) -> None:
    lines[:] = escape_lines(lines)


def setup(app):
    # napoleon listens to the same event at the default priority (500); run before it
    app.connect("autodoc-process-docstring", _process, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
