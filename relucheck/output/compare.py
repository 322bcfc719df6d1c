"""Compare the CSV tables of two output folders, column by column: :class:`Pair` (the committed
and the fresh version of one table), :class:`Rule` and its kinds (Exact, Close, SameSign,
Overlap, Floats, Where, Ignore), and :func:`compare_folders`. The rules of every column are
:mod:`relucheck.output.tolerances`; what a comparison checks, and how a rule reads other columns
and tables: docs/reproducibility.md, "The tables: what reproduced means, column by column".
"""

from __future__ import annotations

import abc
import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Table as read here: column -> array of the cells' text (object dtype, one per row).
Text = dict[str, np.ndarray]
#: A per-row tolerance or mask computed from the committed and the fresh table.
RowFn = Callable[["Pair"], np.ndarray]


@dataclass(frozen=True)
class Pair:
    """The committed and the fresh version of one table, with their numeric views."""

    committed: Text
    fresh: Text
    #: The committed and the fresh folder, for rules that read another of their tables.
    folders: tuple[Path, Path] | None = None
    _parsed: dict = field(default_factory=dict, compare=False, repr=False)

    def num(self, col: str, which: str = "committed") -> np.ndarray:
        """Column ``col`` as floats (empty cells NaN; a cell that is not a number raises)."""
        key = (col, which)
        if key not in self._parsed:  # rules read other columns too: parse each once
            self._parsed[key] = _floats((self.committed if which == "committed"
                                         else self.fresh)[col])
        return self._parsed[key]

    def both(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        return self.num(col, "committed"), self.num(col, "fresh")

    def other(self, name: str) -> Pair:
        """Table ``name`` of the same two folders (read once). Raises OSError or ValueError
        when it is missing or unreadable in either (its own comparison reports that)."""
        key = ("other", name)
        if key not in self._parsed:
            if self.folders is None:
                raise FileNotFoundError(f"{name}: the folders of this comparison are not known")
            committed, fresh = (read_text(folder / name)[1] for folder in self.folders)
            self._parsed[key] = Pair(committed, fresh, self.folders)
        return self._parsed[key]


def _floats(cells: np.ndarray) -> np.ndarray:
    try:
        return np.fromiter((float(c) if c != "" else math.nan for c in cells), float, len(cells))
    except ValueError:
        bad = next(c for c in cells if c != "" and not _is_number(c))
        raise ValueError(f"{bad!r} is not a number") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class Rule(abc.ABC):
    """How one column is compared: :meth:`ok` gives a mask of rows that agree. An abstract
    base: each kind of tolerance (Exact, ...) defines :meth:`ok` and :meth:`text`."""

    why: str

    @abc.abstractmethod
    def ok(self, pair: Pair, col: str) -> np.ndarray:
        """A boolean mask over the rows: True where the fresh value agrees with the committed."""

    @abc.abstractmethod
    def text(self) -> str:
        """The tolerance in a few words (for the report and the table in the docs)."""

    def allowed(self, pair: Pair, col: str, row: int) -> str:
        """What the rule allowed at one row, for a difference's message."""
        return self.text()

    def reasons(self) -> list[str]:
        """Why the tolerance is what it is (one line per part of the rule)."""
        return [self.why]


@dataclass(frozen=True)
class Exact(Rule):
    """Identical text."""

    why: str

    def ok(self, pair, col):
        return pair.committed[col] == pair.fresh[col]

    def text(self):
        return "exact"


@dataclass(frozen=True)
class Ignore(Rule):
    """Not compared (wall times, timestamps, prose); the reason says what covers it instead."""

    why: str

    def ok(self, pair, col):
        return np.ones(len(pair.committed[col]), dtype=bool)

    def text(self):
        return "ignored"


@dataclass(frozen=True)
class Close(Rule):
    """|committed - fresh| <= max(rtol * max(|committed|, |fresh|), atol, bound(row)).

    ``bound`` gives a per-row absolute tolerance from other columns (a recorded error bound or
    standard error); ``bound_text`` says which. Missing values must be missing in both.
    """

    why: str
    rtol: float = 0.0
    atol: float = 0.0
    bound: RowFn | None = field(default=None, compare=False)
    bound_text: str = ""

    def tolerance(self, pair: Pair, c: np.ndarray, f: np.ndarray) -> np.ndarray:
        tol = np.maximum(self.rtol * np.maximum(np.abs(c), np.abs(f)), self.atol)
        if self.bound is not None:
            b = np.asarray(self.bound(pair), dtype=float)
            tol = np.maximum(tol, np.where(np.isnan(b), 0.0, b))
        return tol

    def ok(self, pair, col):
        c, f = pair.both(col)
        missing = np.isnan(c) & np.isnan(f)
        with np.errstate(invalid="ignore"):
            # inf == inf compares equal; inf - inf would be NaN
            close = (c == f) | (np.abs(c - f) <= self.tolerance(pair, c, f))
        return missing | close

    def text(self):
        parts = []
        if self.rtol:
            parts.append(f"rel {self.rtol:g}")
        if self.atol:
            parts.append(f"abs {self.atol:g}")
        if self.bound_text:
            parts.append(self.bound_text)
        return ", ".join(parts) or "exact value"

    def allowed(self, pair, col, row):
        c, f = pair.both(col)
        tol = self.tolerance(pair, c, f)[row]
        return f"{self.text()} (here {tol:.3g}; differs by {abs(c[row] - f[row]):.3g})"


@dataclass(frozen=True)
class SameSign(Rule):
    """The sign is exact (it carries a proof or a claim); the value then follows ``then``."""

    then: Rule
    why: str = ""

    def ok(self, pair, col):
        c, f = pair.both(col)
        same = (np.sign(c) == np.sign(f)) | (np.isnan(c) & np.isnan(f))
        return same & self.then.ok(pair, col)

    def text(self):
        return f"sign exact; {self.then.text()}"

    def allowed(self, pair, col, row):
        return f"sign exact; {self.then.allowed(pair, col, row)}"

    def reasons(self):
        return [self.why, *self.then.reasons()]


@dataclass(frozen=True)
class Overlap(Rule):
    """Two enclosures [lo, hi] of the same quantity: valid ones must intersect."""

    lo: str
    hi: str
    why: str

    def ok(self, pair, col):
        clo, flo = pair.both(self.lo)
        chi, fhi = pair.both(self.hi)
        missing = np.isnan(clo) & np.isnan(flo) & np.isnan(chi) & np.isnan(fhi)
        return missing | ((clo <= fhi) & (flo <= chi))

    def text(self):
        return f"[{self.lo}, {self.hi}] intersect"


@dataclass(frozen=True)
class Floats(Rule):
    """A cell holding a space-separated list of numbers: same length, each within ``rtol`` or
    ``atol`` (``bound`` per row as in :class:`Close`)."""

    why: str
    rtol: float = 0.0
    atol: float = 0.0
    bound: RowFn | None = field(default=None, compare=False)
    bound_text: str = ""

    def ok(self, pair, col):
        b = (np.zeros(len(pair.committed[col])) if self.bound is None
             else np.nan_to_num(np.asarray(self.bound(pair), dtype=float)))
        out = []
        for c, f, bi in zip(pair.committed[col], pair.fresh[col], b, strict=True):
            cs, fs = c.split(), f.split()
            if len(cs) != len(fs):
                out.append(False)
                continue
            x, y = np.array(cs, dtype=float), np.array(fs, dtype=float)
            tol = np.maximum(np.maximum(self.rtol * np.maximum(abs(x), abs(y)), self.atol), bi)
            out.append(bool(np.all((x == y) | (np.abs(x - y) <= tol))))
        return np.array(out, dtype=bool)

    def text(self):
        return "each number: " + Close(self.why, self.rtol, self.atol,
                                       bound_text=self.bound_text).text()


@dataclass(frozen=True)
class Where(Rule):
    """``then`` on the rows where ``test`` holds (decided on the committed table), else
    ``otherwise``: for columns whose meaning depends on the row (e.g. non-isolated minima)."""

    test: RowFn = field(compare=False)
    test_text: str
    then: Rule
    otherwise: Rule
    why: str = ""

    def mask(self, pair: Pair) -> np.ndarray:
        return np.asarray(self.test(pair), dtype=bool)

    def ok(self, pair, col):
        m = self.mask(pair)
        return np.where(m, self.then.ok(pair, col), self.otherwise.ok(pair, col))

    def text(self):
        return f"where {self.test_text}: {self.then.text()}; else {self.otherwise.text()}"

    def allowed(self, pair, col, row):
        rule = self.then if self.mask(pair)[row] else self.otherwise
        return rule.allowed(pair, col, row)

    def reasons(self):
        return ([f"where {self.test_text}: {w}" for w in self.then.reasons()]
                + [f"otherwise: {w}" for w in self.otherwise.reasons()])


# -- reading and comparing ------------------------------------------------------------------


def read_text(path: Path) -> tuple[list[str], Text]:
    """Header and columns of a CSV as text, exactly as written."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise ValueError(f"{path} is empty (not even a header)")
    header, body = rows[0], rows[1:]
    for line, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise ValueError(f"{path}: line {line} has {len(r)} fields, the header {len(header)}")
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    cols = {}
    for name, cells in zip(header, columns, strict=True):
        cols[name] = np.empty(len(cells), dtype=object)
        cols[name][:] = cells
    return header, cols


#: How many differing rows of one column a report shows (the count is always given).
SHOW_ROWS = 3


def compare_table(name: str, committed: Path, fresh: Path,
                  rules: dict[str, Rule] | None) -> list[str]:
    """The differences between two versions of one CSV (empty when it is reproduced)."""
    if rules is None:
        return [f"{name}: no tolerances are stated for this file; add it to TOLERANCES in "
                "relucheck/output/tolerances.py"]
    try:
        head_c, cols_c = read_text(committed)
        head_f, cols_f = read_text(fresh)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        return [f"{name}: cannot be read: {exc}"]
    out = []
    for col in head_c:
        if col not in cols_f:
            out.append(f"{name}: column {col!r} is missing from the fresh output")
    for col in head_f:
        if col not in cols_c:
            out.append(f"{name}: column {col!r} is new (not in the committed file)")
    for col in dict.fromkeys(head_c + head_f):
        if col not in rules:
            out.append(f"{name}: column {col!r} has no tolerance; state one (and why) in "
                       "TOLERANCES in relucheck/output/tolerances.py")
    n_c, n_f = len(next(iter(cols_c.values()), [])), len(next(iter(cols_f.values()), []))
    if n_c != n_f:
        out.append(f"{name}: {n_f} rows in the fresh output, {n_c} committed")
    if out:
        return out  # cell by cell only between tables of the same shape
    pair = Pair(cols_c, cols_f, (committed.parent, fresh.parent))
    for col in head_c:
        rule = rules[col]
        same = cols_c[col] == cols_f[col]
        if same.all():
            continue  # identical text is within every tolerance (and most columns are)
        try:
            ok = same | np.asarray(rule.ok(pair, col), dtype=bool)
        except ValueError as exc:  # a number rule met text: the file is not what it claims
            out.append(f"{name}: column {col!r}: {exc}")
            continue
        bad = np.flatnonzero(~ok)
        if bad.size == 0:
            continue
        lines = [f"{name}: column {col!r}: {bad.size} of {n_c} rows differ beyond "
                 f"{rule.text()}"]
        for r in bad[:SHOW_ROWS]:
            lines.append(f"    line {r + 2}: committed {cols_c[col][r]!r}, "
                         f"fresh {cols_f[col][r]!r}; allowed {rule.allowed(pair, col, r)}")
        out.append("\n".join(lines))
    return out


def compare_folders(committed: Path, fresh: Path,
                    tolerances: dict[str, dict[str, Rule]]) -> list[str]:
    """Every difference between the CSVs of two output folders (empty: reproduced)."""
    committed, fresh = Path(committed), Path(fresh)
    names_c = {p.name for p in committed.glob("*.csv")}
    names_f = {p.name for p in fresh.glob("*.csv")}
    out = [f"{n}: committed, but not in the fresh output" for n in sorted(names_c - names_f)]
    out += [f"{n}: in the fresh output, but not committed" for n in sorted(names_f - names_c)]
    for name in sorted(names_c & names_f):
        out += compare_table(name, committed / name, fresh / name, tolerances.get(name))
    return out
