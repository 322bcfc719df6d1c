"""Every command line shown in README.md and docs/ runs as written (issue 29).

Which lines are command lines
-----------------------------
- Each command of a fenced ```sh, ```bash, ```shell or ```console block (in a console block,
  the lines after a ``$`` prompt) and of an indented code block: one per line once ``\\``
  continuations are joined, split at ``&&``, ``||``, ``;`` and ``|``, without a trailing ``&``
  or ``# comment``. A ``> FILE`` sends the output to FILE in the temporary folder.
- Each inline code span, outside code blocks and HTML comments, that starts with a program and
  has at least one more word (```relucheck census```, ```make help```; ```relucheck``` alone
  names the program). Spans may wrap over two lines.
- The programs: ``relucheck``, ``python``/``python3``, ``make``, ``pip``/``pip3`` and ``dask``,
  also behind a path (``.venv/bin/relucheck``, ``~/env/bin/pip``).
- A line that starts with a program in any other code block (```text, a bare fence) fails
  :func:`test_every_command_line_is_in_a_shell_block`: a doc writer cannot hide an example
  from this test. ```python blocks and directives such as ```{relucheck-help} are not shell.

How each line is tested: its mode
---------------------------------
- ``run`` (the default): run as written, in a temporary folder (the current directory) that
  holds a copy of the committed ``figures/`` when the line names it, so nothing is ever written
  into the repository's ``figures/``. Exit code 0 is required, within :data:`RUN_LIMIT` seconds
  (a line run in this process is interrupted then).

  * ``relucheck ARGS``: in this process through click (``relucheck.cli.main``, what the
    console script calls). A given ``--out`` is replaced by a temporary folder; one is added
    when the command writes into ``figures/`` by default. (``plot`` without ``--out`` writes
    beside its CSV: the temporary copy.)
  * ``python SCRIPT ARGS`` (the script from the repository, or the page's ```python block
    whose first line is ``# SCRIPT``, written to the temporary folder) and ``python -m MODULE
    ARGS``: a subprocess of this interpreter.
  * ``make TARGET``: ``make -C <repo> TARGET OUT=<tmp>``.
  * ``pip`` and ``dask`` lines are never run (the network, a server): mark them syntax-only.
- ``quick``: as ``run``, with ``--quick`` added (relucheck lines only).
- ``syntax-only``: parsed, not run.

  * ``relucheck``: the line with ``--help`` appended exits 0 (the command and every option
    exist), and click's ``make_context`` accepts the arguments, every value converted by its
    type (``--K 6..20``, ``--scheduler local:2``); a command named alone
    (```relucheck plot```) gets only the first check.
  * ``make``: ``make -n`` (nothing is run) finds the targets, and every ``VAR=value`` is a
    variable of the Makefile.
  * ``python SCRIPT``: the script exists in the repository (or is the page's ```python block
    whose first line is ``# SCRIPT``) and compiles; a script with argparse exits 0 for the
    arguments and ``--help``. ``python -m MODULE``: the module exists (``relucheck``: its
    arguments are checked as a relucheck line).
  * ``pip install``: every argument is ``.`` or a path ending in ``/relucheck`` with extras that
    setup.cfg defines, or a PEP 508 requirement; a requirement of one of setup.cfg's extras
    must carry setup.cfg's version specifier; ``-c``/``-r FILE`` name a file of the repository.
  * ``dask``: the line with ``--help`` appended exits 0.

Markers (HTML comments, invisible on the site and on GitHub)
------------------------------------------------------------
- ``<!-- doc-test: MODE: REASON -->`` on the line(s) directly above a code block sets the mode
  of every line of that block.
- ``<!-- doc-test: MODE `LINE` `LINE` ...: REASON -->`` anywhere in a page sets the mode of
  every occurrence of exactly those lines in that page, inline or in a block; it wins over a
  block's marker. A marker naming a line that the page does not show fails the test (stale).
- ``syntax-only`` needs its REASON (why the line cannot run here). The README's generated
  numbers block (``scripts/readme_numbers.py``) cannot hold markers: its lines are named by
  markers above ``<!-- numbers:begin -->``.

Placeholders and fixtures
-------------------------
Upper-case words and ``<...>`` in a line (``relucheck check-certificate CSV``) are filled from
:data:`PLACEHOLDERS`, keyed by (command, word); an unknown one fails the test. ``COMMAND`` is
every relucheck command in turn. Files that a line reads are made in the temporary folder:
``starts.npy`` (Xavier starts for the line's one cell, the shape census expects) and
``scheduler.json`` (an empty stand-in: only parsed). ``~`` is a temporary home folder.

Each distinct line, once placeholders are filled and ``--out`` is set (the same line on several
pages runs once), in each of its modes, is one test case, named by its first page and line.
"""

from __future__ import annotations

import configparser
import contextlib
import dataclasses
import importlib.util
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")
                              if "_build" not in p.parts)]
SHELL = {"sh", "bash", "shell", "console"}
MODES = ("run", "quick", "syntax-only")
RUN_LIMIT = 60.0  # seconds for one line run as written; a longer one is marked quick or syntax-only
PROGRAM = re.compile(r"(?:[\w.~/-]*/)?(relucheck|python3?|make|pip3?|dask)(?=\s|$)")
#: (command, placeholder) -> the values it stands for; command: a relucheck command, or the
#: program (make)
PLACEHOLDERS = {
    ("check-certificate", "CSV"): ["figures/fig10_conjecture1_certificate.csv"],
    ("check-minimum", "FILE"): ["figures/census_certificates.json"],
    ("check-minimum", "FOLDER"): ["figures"],
    ("check-families", "FOLDER"): ["figures"],  # syntax-only until figures/ holds the set
    ("plot", "CSV"): ["figures/fig9_noise_sweep.csv"],  # as on the plot page (runs once)
    ("plot", "<stem>.csv"): ["figures/fig9_noise_sweep.csv"],
    ("all", "DIR"): ["out"],
    ("make", "DIR"): ["out"],
    ("dask", "FILE"): ["scheduler.json"],
    ("relucheck", "COMMAND"): None,  # every relucheck command
}
UNKNOWN = "<unknown placeholder>"
PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_]*[A-Z]|<[^>]+>(?:\.\w+)?)$")


@dataclasses.dataclass
class Line:
    """One occurrence of a command line in a page."""

    page: str
    lineno: int
    text: str  # as shown, whitespace collapsed, without a trailing comment or &
    block: str | None  # the block marker's mode, for a line in a marked block
    block_reason: str = ""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.lineno}"


@dataclasses.dataclass
class Marker:
    page: str
    lineno: int
    mode: str
    lines: list[str]
    reason: str


# --- reading the pages ----------------------------------------------------------------------

_MARKER = re.compile(r"<!--\s*doc-test:(.*?)-->", re.S)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")


def _markers(page: str, text: str) -> list[Marker]:
    """MODE, then the named lines in backticks, then ``: REASON`` (which may hold backticks)."""
    out = []
    for m in _MARKER.finditer(text):
        parts = re.fullmatch(r"\s*([\w-]*)\s*((?:`[^`]+`\s*)*)(?::\s*(.*?))?\s*", m.group(1),
                             flags=re.S)
        mode, named, reason = parts.groups() if parts else ("?", "", "")
        out.append(Marker(page, text.count("\n", 0, m.start()) + 1, mode,
                          [" ".join(n.split()) for n in re.findall(r"`([^`]+)`", named)],
                          " ".join((reason or "").split())))
    return out


def _strip_comment(line: str) -> str:
    """The line without its shell comment (a # that starts a word outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _split_commands(line: str) -> list[str]:
    line = _strip_comment(line).strip()
    parts = re.split(r"\s(?:&&|\|\||;|\|)\s", line)
    return [" ".join(p.strip().removesuffix("&").split()) for p in parts if p.strip()]


def _blank(text: str, start: int, end: int) -> str:
    """text with [start, end) replaced by its newlines only (line numbers kept)."""
    return text[:start] + "\n" * text.count("\n", start, end) + text[end:]


def read_page(page: str) -> tuple[list[Line], list[Marker], list[tuple[int, str, str]]]:
    """(command lines, markers, program lines found in non-shell code blocks) of a page."""
    text = (ROOT / page).read_text(encoding="utf-8")
    markers = _markers(page, text)
    for m in reversed(list(re.finditer(r"<!--.*?-->", text, flags=re.S))):
        text = _blank(text, m.start(), m.end())  # no command line is read from a comment
    raw = (ROOT / page).read_text(encoding="utf-8").split("\n")
    rows = text.split("\n")
    lines: list[Line] = []
    hidden: list[tuple[int, str, str]] = []
    prose = list(rows)
    i = 0
    while i < len(rows):
        m = _FENCE.match(rows[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2).lower()
        start = i
        j = i + 1
        while j < len(rows) and not rows[j].strip().startswith(fence[0] * len(fence)):
            j += 1
        body = rows[start + 1:j]
        block, reason = _block_marker(raw, start)
        if lang in SHELL:
            lines += _block_lines(page, start + 2, body, block, reason, console=lang == "console")
        elif not lang.startswith("{") and lang != "python":
            hidden += [(start + 2 + k, lang or "(none)", b) for k, b in enumerate(body)
                       if PROGRAM.match(b.strip())]
        for k in range(start, min(j + 1, len(rows))):
            prose[k] = ""
        i = j + 1
    # indented code blocks: 4 spaces after a blank line (not list continuations, which
    # these pages indent by 2 or 3)
    k = 0
    while k < len(prose):
        after_blank = k == 0 or not prose[k - 1].strip()
        if prose[k].startswith("    ") and prose[k].strip() and after_blank:
            start = k
            while k < len(prose) and (prose[k].startswith("    ") or not prose[k].strip()):
                k += 1
            body = [r[4:] for r in prose[start:k]]
            if any(PROGRAM.match(b.strip()) for b in body):  # else: prose indented in a list
                block, reason = _block_marker(raw, start - 1)
                lines += _block_lines(page, start + 1, body, block, reason, console=False)
                for r in range(start, k):
                    prose[r] = ""
        else:
            k += 1
    flat = "\n".join(prose)
    for m in re.finditer(r"(?<!`)`([^`\n]+(?:\n[^`\n]+)?)`(?!`)", flat):
        span = " ".join(m.group(1).split())
        if PROGRAM.match(span) and len(span.split()) > 1:
            lines.append(Line(page, flat.count("\n", 0, m.start()) + 1, span, None))
    return lines, markers, hidden


def _block_marker(raw: list[str], fence_row: int) -> tuple[str | None, str]:
    """The mode of an unnamed marker on the lines directly above a block (row fence_row)."""
    r = fence_row - 1
    above = []
    while r >= 0 and raw[r].strip().endswith("-->"):
        first = r
        while first >= 0 and "<!--" not in raw[first]:
            first -= 1
        above.append("\n".join(raw[first:r + 1]))
        r = first - 1
    for chunk in above:
        for mk in _markers("", chunk):
            if not mk.lines:
                return mk.mode, mk.reason
    return None, ""


def _block_lines(page, first_lineno, body, block, reason, *, console) -> list[Line]:
    out, pending, pending_no = [], "", 0
    for k, row in enumerate(body):
        s = row.strip()
        if console:
            if not s.startswith("$ ") and not pending:
                continue
            s = s.removeprefix("$ ")
        if not pending:
            pending_no = first_lineno + k
        if s.endswith("\\"):
            pending += s[:-1] + " "
            continue
        s, pending = pending + s, ""
        if not s or s.startswith("#"):
            continue
        out += [Line(page, pending_no, c, block, reason) for c in _split_commands(s)]
    return out


def collect() -> tuple[list[Line], list[Marker], list[str]]:
    """Every command line of the pages, every marker, and every problem with them."""
    lines, markers, problems = [], [], []
    for page in PAGES:
        ls, ms, hidden = read_page(page)
        lines += ls
        markers += ms
        problems += [f"{page}:{n}: a command line in a ```{lang} block is not tested (use ```sh): "
                     f"{b.strip()}" for n, lang, b in hidden]
    for mk in markers:
        where = f"{mk.page}:{mk.lineno}"
        if mk.mode not in MODES:
            problems.append(f"{where}: doc-test marker with unknown mode {mk.mode!r} ({MODES})")
        if mk.mode == "syntax-only" and not mk.reason:
            problems.append(f"{where}: a syntax-only marker says why the line cannot run")
        shown = {ln.text for ln in lines if ln.page == mk.page}
        problems += [f"{where}: the marker names `{t}`, which {mk.page} does not show"
                     for t in mk.lines if t not in shown]
    return lines, markers, problems


def mode_of(line: Line, markers: list[Marker]) -> tuple[str, str]:
    for mk in markers:
        if mk.page == line.page and line.text in mk.lines:
            return mk.mode, mk.reason
    if line.block:
        return line.block, line.block_reason
    return "run", ""


# --- the test cases -------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    mode: str
    program: str  # relucheck, python, make, pip or dask
    argvs: list[list[str]]  # the arguments after the program, as run (placeholders filled)
    text: str
    where: list[str]
    reason: str = ""
    filled: bool = False  # the text has placeholders
    stdout: str | None = None  # > FILE: the file (in the temporary folder) that gets the output


def _relucheck_commands() -> list[str]:
    from relucheck.cli import COMMANDS

    return list(COMMANDS)


def _fill(program: str, argv: list[str]) -> list[list[str]]:
    """The argument lists a line stands for, its placeholders filled (KeyError: unknown)."""
    command = argv[0] if program == "relucheck" and argv else program
    out = [[]]
    for a in argv:
        var, _, word = a.rpartition("=") if program == "make" else ("", "", a)  # make VAR=DIR
        if not PLACEHOLDER.match(word):
            out = [o + [a] for o in out]
            continue
        key = next((k for k in ((command, word), (program, word)) if k in PLACEHOLDERS), None)
        if key is None:
            raise KeyError(word)
        values = PLACEHOLDERS[key] or _relucheck_commands()
        out = [o + [f"{var}={v}" if var else v] for o in out for v in values]
    return out


def cases() -> list[Case]:
    lines, markers, _ = collect()
    by_key: dict[tuple, Case] = {}
    for line in lines:
        mode, reason = mode_of(line, markers)
        words, stdout = _redirection(shlex.split(line.text))
        m = PROGRAM.match(line.text)  # None: a shell block's line of another program
        program = m.group(1).rstrip("3") if m else words[0]
        args = words[1:]
        if program == "python" and args[:2] == ["-m", "relucheck"]:
            program, args = "relucheck", args[2:]
        try:
            argvs = _fill(program, args)
        except KeyError as exc:
            argvs = [[UNKNOWN, str(exc)]]
        argvs = [_set_out(program, a) for a in argvs]
        key = (mode, program, tuple(tuple(a) for a in argvs), stdout)
        if key in by_key:
            case = by_key[key]
            if case.filled and argvs == [args]:
                case.text, case.filled = line.text, False  # named by a line as written
                case.where.insert(0, line.where)
            else:
                case.where.append(line.where)
        else:
            by_key[key] = Case(mode, program, argvs, line.text, [line.where], reason,
                               filled=argvs != [args], stdout=stdout)
    return list(by_key.values())


def _redirection(words: list[str]) -> tuple[list[str], str | None]:
    """The words without a ``> FILE`` (or ``>> FILE``, ``>FILE``), and FILE."""
    out, target, i = [], None, 0
    while i < len(words):
        m = re.fullmatch(r">>?(.*)", words[i])
        if m:
            target = m.group(1) or (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if m.group(1) else 2
            continue
        out.append(words[i])
        i += 1
    return out, target


def _set_out(program: str, argv: list[str]) -> list[str]:
    """--out VALUE -> --out {out}, a temporary folder; added when the command writes into
    figures/ by default (so the same line with and without --out runs once)."""
    if program != "relucheck" or not argv:
        return argv
    from relucheck.cli import COMMANDS, main

    given = [a for a in argv if a in ("--out", "--help", "-h") or a.startswith("--out=")]
    if argv[0] in COMMANDS and not given:
        params = {p.name: p for p in main.get_command(click.Context(main), argv[0]).params}
        if "out" in params and params["out"].default is not None:
            argv = [*argv, "--out", "{out}"]
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--out":
            out += ["--out", "{out}"]
            skip = True
        elif a.startswith("--out="):
            out += ["--out", "{out}"]
        else:
            out.append(a)
    return out


ALL = cases()


def _id(case: Case) -> str:
    return f"{case.where[0]} [{case.mode}] {case.text}"


# --- running and parsing --------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A temporary current folder; ``~`` in a line stands for the temporary ``home`` beside it."""
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(work)
    return work


def _prepare(argv: list[str], work: Path, *, stand_ins: bool) -> list[str]:
    """The arguments as the shell would pass them, from ``work``: ~ expanded, {out} set, and the
    files they read made there (the figures' tables copied; starts.npy; scheduler.json)."""
    home = work.parent / "home"
    argv = [str(home / a[2:]) if a.startswith("~/") else a for a in argv]
    argv = [str(work / "out") if a == "{out}" else a for a in argv]
    if any(a == "figures" or a.startswith("figures/") for a in argv):
        (work / "figures").mkdir(exist_ok=True)
        for f in (ROOT / "figures").iterdir():
            if f.is_file():
                shutil.copyfile(f, work / "figures" / f.name)
    for a in argv:
        if a.endswith("starts.npy"):
            _make_starts(Path(a), argv)
        if a.endswith("scheduler.json") and stand_ins:
            Path(a).parent.mkdir(parents=True, exist_ok=True)
            Path(a).write_text("{}")
    return argv


def _make_starts(path: Path, argv: list[str]) -> None:
    def value(option, default):
        return int(argv[argv.index(option) + 1]) if option in argv else default

    k, e = value("--K", 4), value("--extra", 0)
    d = value("--d", k)
    rng = np.random.default_rng(0)
    np.save(path, rng.standard_normal((6, k + e, d)) / np.sqrt(d))


def _needs_flint(argv: list[str]) -> bool:
    return bool(argv) and ("--certify" in argv or argv[0] in ("check-certificate", "check-minimum"))


def _explain(case: Case, shown: str, output: str, code) -> str:
    return (f"documented at {', '.join(case.where)}:\n  {case.text}\nran as: {shown}\n"
            f"exit code {code}\n{output[-4000:]}")


def _run_relucheck(case: Case, argv: list[str], work: Path) -> str:
    from relucheck.cli import main

    if _needs_flint(argv):
        pytest.importorskip("flint", reason="python-flint (the certify extra) is not installed")
    command = main.get_command(click.Context(main), argv[0]) if argv else None
    params = {p.name: p for p in command.params} if command else {}
    if case.mode == "quick":
        assert "quick" in params, f"{case.where}: a quick marker on a line without --quick"
        if "--quick" not in argv:
            argv = [*argv, "--quick"]
    if "out" in params and "--out" not in argv and params["out"].default is not None:
        argv = [*argv, "--out", str(work / "out")]  # never the repository's figures/
    t0 = time.perf_counter()
    with _time_limit(case):
        r = CliRunner().invoke(main, argv)
    took = time.perf_counter() - t0
    output = r.output
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        import traceback

        output += "".join(traceback.format_exception(r.exception))
    assert r.exit_code == 0, _explain(case, "relucheck " + shlex.join(argv), output, r.exit_code)
    assert took < RUN_LIMIT, (f"{case.where}: `{case.text}` took {took:.0f} s (limit "
                              f"{RUN_LIMIT:.0f} s): mark it quick or syntax-only in the page")
    return r.stdout


class TooLong(Exception):
    """A line run in this process went over RUN_LIMIT (raised by SIGALRM)."""


@contextlib.contextmanager
def _time_limit(case: Case):
    """Interrupt a line that runs in this process after RUN_LIMIT seconds (where SIGALRM
    exists and this is the main thread), so a heavy example fails in a minute, not in an hour."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise TooLong(f"{case.where}: `{case.text}` ran over {RUN_LIMIT:.0f} s: mark it quick or "
                      "syntax-only in the page")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, RUN_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _subprocess(case: Case, cmd: list[str], work: Path, timeout: float = RUN_LIMIT):
    try:
        r = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.where}: `{case.text}` ran over {timeout:.0f} s: mark it quick or "
                    "syntax-only in the page")
    assert r.returncode == 0, _explain(case, shlex.join(cmd), r.stdout + r.stderr, r.returncode)
    return r


def _script(case: Case, name: str) -> tuple[Path | None, str]:
    """A script a python line names: from the repository, or the page's ```python block that
    starts with ``# name``."""
    if (ROOT / name).is_file():
        return ROOT / name, (ROOT / name).read_text(encoding="utf-8")
    for where in case.where:
        page = (ROOT / where.split(":")[0]).read_text(encoding="utf-8")
        for block in re.findall(r"^```python\n(.*?)^```", page, flags=re.M | re.S):
            if re.match(rf"#\s*{re.escape(name)}\b", block):
                return None, block
    pytest.fail(f"{case.where}: `{case.text}`: no script {name} in the repository or the page")


def run_line(case: Case, argv: list[str], work: Path) -> None:
    argv = _prepare(argv, work, stand_ins=False)
    output = ""
    if case.program == "relucheck":
        output = _run_relucheck(case, argv, work)
    elif case.program == "python":
        if argv[:1] == ["-m"]:
            output = _subprocess(case, [sys.executable, *argv], work).stdout
        else:
            path, source = _script(case, argv[0])
            if path is None:  # the page's ```python block, run from the temporary folder
                path = work / argv[0]
                path.write_text(source, encoding="utf-8")
            output = _subprocess(case, [sys.executable, str(path), *argv[1:]], work).stdout
    elif case.program == "make":
        if shutil.which("make") is None:
            pytest.skip("make is not installed")
        _subprocess(case, ["make", "-C", str(ROOT), *argv, f"OUT={work / 'out'}"], work)
    elif case.program in ("pip", "dask"):
        pytest.fail(f"{case.where}: `{case.text}` cannot run here ({case.program} needs the "
                    "network or a server): mark it syntax-only in the page")
    else:
        pytest.fail(f"{case.where}: `{case.text}`: this test does not know {case.program}; "
                    "extend tests/test_doc_commands.py")
    if case.stdout is not None:  # > FILE, inside the temporary folder
        target = (work / case.stdout).resolve()
        assert target.is_relative_to(work), f"{case.where}: `{case.text}` writes outside"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(output, encoding="utf-8")


def parse_relucheck(case: Case, argv: list[str]) -> None:
    from relucheck.cli import main

    r = CliRunner().invoke(main, [*argv, "--help"])
    assert r.exit_code == 0, _explain(case, "relucheck " + shlex.join([*argv, "--help"]),
                                      r.output, r.exit_code)
    if not argv or argv[0].startswith("-"):
        return
    if _needs_flint(argv) and importlib.util.find_spec("flint") is None:
        pytest.skip("python-flint (the certify extra) is not installed")
    parent = click.Context(main, info_name="relucheck")
    command = main.get_command(parent, argv[0])
    needs_argument = any(isinstance(p, click.Argument) and p.required for p in command.params)
    if len(argv) == 1 and needs_argument:
        return  # the command named alone, in prose
    try:
        with command.make_context(argv[0], list(argv[1:]), parent=parent):
            pass
    except click.exceptions.Exit as exc:
        assert exc.exit_code == 0, case.where
    except click.ClickException as exc:
        pytest.fail(_explain(case, "relucheck " + shlex.join(argv), exc.format_message(), 2))


def _extras() -> dict[str, list[str]]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return {k: [r.strip() for r in v.strip().splitlines() if r.strip()]
            for k, v in cfg["options.extras_require"].items()}


def parse_pip(case: Case, argv: list[str]) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    assert argv[:1] == ["install"] and len(argv) > 1, f"{case.where}: `{case.text}`"
    extras = _extras()
    pinned = {Requirement(r).name: str(Requirement(r).specifier)
              for reqs in extras.values() for r in reqs}
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-c", "-r", "--constraint", "--requirement"):  # a file of the repository
            name = next(args, "")
            assert (ROOT / name).is_file(), f"{case.where}: `{case.text}`: no file {name}"
            continue
        if arg in ("-e", "--editable"):
            arg = next(args, "")
        assert not arg.startswith("-"), f"{case.where}: `{case.text}`: option {arg} not checked"
        m = re.fullmatch(r"(\.|[\w.~/-]*/relucheck)(?:\[([\w,-]+)\])?", arg)
        if m:
            unknown = set((m.group(2) or "").split(",")) - {""} - set(extras)
            assert not unknown, f"{case.where}: `{case.text}`: no extra {unknown} in setup.cfg"
            continue
        assert not arg.startswith((".", "/", "~")), f"{case.where}: {arg}: not this project"
        try:
            req = Requirement(arg)
        except InvalidRequirement as exc:
            pytest.fail(f"{case.where}: `{case.text}`: {exc}")
        if req.name in pinned:
            assert str(req.specifier) == pinned[req.name], (
                f"{case.where}: `{case.text}`: setup.cfg asks {req.name}{pinned[req.name]}")


def parse_line(case: Case, argv: list[str], work: Path) -> None:
    argv = _prepare(argv, work, stand_ins=True)
    if case.program == "relucheck":
        parse_relucheck(case, argv)
    elif case.program == "make":
        if shutil.which("make") is None:
            pytest.skip("make is not installed")
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        for a in argv:
            if "=" in a:
                var = a.split("=")[0]
                assert f"$({var})" in makefile, f"{case.where}: no variable {var} in the Makefile"
        _subprocess(case, ["make", "-n", "-C", str(ROOT), *argv], work, timeout=30)
    elif case.program == "python":
        if argv[:1] == ["-m"]:
            module = argv[1]
            assert importlib.util.find_spec(module) is not None, f"{case.where}: no {module}"
            return
        path, source = _script(case, argv[0])
        compile(source, argv[0], "exec")
        if path is not None and "argparse" in source:
            _subprocess(case, [sys.executable, str(path), *argv[1:], "--help"], work, timeout=30)
    elif case.program == "pip":
        parse_pip(case, argv)
    elif case.program == "dask":
        dask = Path(sys.executable).with_name("dask")
        if not dask.exists():
            pytest.skip("dask's command line (the distributed extra) is not installed")
        _subprocess(case, [str(dask), *argv, "--help"], work, timeout=30)
    else:
        pytest.fail(f"{case.where}: `{case.text}`: no syntax check for {case.program}; extend "
                    "tests/test_doc_commands.py")


# --- the tests ------------------------------------------------------------------------------


def test_markers_and_lines_are_well_formed():
    """Markers are valid and not stale; no command line is hidden in a non-shell block; every
    placeholder is known."""
    lines, _, problems = collect()
    assert len(lines) > 50  # the reader works
    problems = [p for p in problems if "is not tested" not in p]  # the next test's
    unknown = [f"{', '.join(c.where)}: `{c.text}`: unknown placeholder {c.argvs[0][1]} "
               "(add it to PLACEHOLDERS)" for c in ALL if c.argvs[0][:1] == [UNKNOWN]]
    assert not problems + unknown, "\n".join(problems + unknown)


def test_every_command_line_is_in_a_shell_block():
    """The reader finds what a reader sees: a hidden line would escape this file's tests."""
    _, _, problems = collect()
    hidden = [p for p in problems if "is not tested" in p]
    assert not hidden, "\n".join(hidden)


@pytest.mark.parametrize("case", [c for c in ALL if c.mode != "syntax-only"], ids=_id)
def test_documented_command_runs(case, workdir):
    for argv in case.argvs:
        run_line(case, argv, workdir)


@pytest.mark.parametrize("case", [c for c in ALL if c.mode == "syntax-only"], ids=_id)
def test_documented_command_parses(case, workdir):
    assert case.reason, f"{case.where}: syntax-only without a reason"
    for argv in case.argvs:
        parse_line(case, argv, workdir)
