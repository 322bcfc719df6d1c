"""Each parameter's rule, written once: a field of an experiment's ``Params`` declares its kind
and range with :func:`param`; ``Params.validate`` checks every declared rule
(:func:`check_fields`) and then the rules that tie fields together (:func:`check`); the CLI
derives each option's click type from the same declaration (``relucheck.cli.common.option``),
and ``relucheck.run`` checks a given value with it (:meth:`Rule.parse`), in the CLI's words.

No float parameter may be inf or nan (:func:`require_finite`): the CLI rejects them while
parsing, and this is the same rule for parameters that arrive by any other route, so a
non-finite value never reaches the arithmetic, where ``nan < x`` is False.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def bound_text(x: float) -> str:
    """A range end as the user would type it (pi by name)."""
    return "pi" if x == math.pi else f"{x:g}" if float(f"{x:g}") == x else repr(x)


def _pi_multiple(text: str) -> float:
    """c*pi, c pi, cpi, pi/q and -pi for plain numbers c, q (ValueError otherwise)."""
    head, _, tail = text.partition("pi")
    head = head.replace("*", "").strip()
    coef = -1.0 if head == "-" else 1.0 if head in ("", "+") else float(head)
    tail = tail.strip()
    div = float(tail[1:]) if tail.startswith("/") else 1.0 if not tail else math.nan
    return coef * math.pi / div


@dataclasses.dataclass(frozen=True)
class Rule:
    """What one parameter accepts.

    ``kind``: int, float or str (of each entry when ``many``); ``min``/``max`` (open or closed)
    bound a number, or every entry of a tuple; ``choices`` lists the accepted words; ``many``: a
    tuple of values (a comma list, or a repeated option, on the command line), at least one
    (none when ``empty``), ``distinct`` when no value may repeat; ``optional``: None is accepted
    (the default applies); ``parser`` checks a value of another kind (ValueError in the
    option's words). ``expected`` is the text after "expected" when the rule fails (generated
    from the range when not given, with ``why`` in parentheses after it); ``option`` the
    command-line option when it is not ``--<field-name>``.
    """

    kind: type = int
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    many: bool = False
    distinct: bool = False
    empty: bool = False
    choices: tuple[str, ...] | None = None
    optional: bool = False
    expected: str | None = None
    why: str | None = None
    option: str | None = None
    parser: Callable[[Any], Any] | None = None

    # ------------------------------------------------------------------ one number
    def _inside(self, x: float) -> bool:
        return ((self.min is None or (x > self.min if self.min_open else x >= self.min))
                and (self.max is None or (x < self.max if self.max_open else x <= self.max)))

    def accepted(self) -> str:
        """A float's accepted values in words: 'a finite number >= 0', '... in [0, pi)'."""
        lo, hi = self.min, self.max
        if lo is None and hi is None:
            return "a finite number"
        if hi is None:
            return f"a finite number {'>' if self.min_open else '>='} {bound_text(lo)}"
        if lo is None:
            return f"a finite number {'<' if self.max_open else '<='} {bound_text(hi)}"
        return (f"a finite number in {'(' if self.min_open else '['}{bound_text(lo)}, "
                f"{bound_text(hi)}{')' if self.max_open else ']'}")

    def int_range(self) -> str:
        """An integer's range as click writes it: x>=2, 2<=x<=401."""
        lo, hi = self.min, self.max
        lop, rop = "<" if self.min_open else "<=", "<" if self.max_open else "<="
        if lo is None:
            return f"x{rop}{hi}"
        if hi is None:
            return f"x{'>' if self.min_open else '>='}{lo}"
        return f"{lo}{lop}x{rop}{hi}"

    def parse_float(self, value: Any) -> float:
        """One float entry (pi by name, as --help shows ranges), or ValueError saying what is
        accepted: the one check of every float option, on the command line and in Python."""
        text = str(value).strip().lower()
        try:
            x = _pi_multiple(text) if "pi" in text else float(value)
        except (TypeError, ValueError, ZeroDivisionError):
            x = math.nan
        if not (math.isfinite(x) and self._inside(x)):
            raise ValueError(f"{str(value).strip()!r} is not {self.accepted()}")
        return x

    def parse_int(self, value: Any) -> int:
        """One integer in its range, or ValueError in click's words."""
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{value!r} is not a valid integer.")
        if self.min is not None or self.max is not None:
            if not self._inside(value):
                raise ValueError(f"{value} is not in the range {self.int_range()}.")
        return int(value)

    def parse(self, value: Any) -> Any:
        """A value given in Python (``relucheck.run``) checked as its option checks it while
        parsing: ValueError with the text click prints after "Invalid value for '--x': ". A
        list's int entries, and its length and distinctness, are left to ``validate``."""
        if value is None and self.optional:
            return None
        if self.parser is not None:
            return self.parser(value)
        if self.choices is not None:
            values = tuple(value) if self.many else (value,)
            for v in values:
                if v not in self.choices:
                    choices = ", ".join(map(repr, self.choices))
                    raise ValueError(f"{v!r} is not one of {choices}.")
            return value
        if self.kind is float:
            if self.many:
                entries = _entries(value)
                return tuple(self.parse_float(v) for v in entries)
            return self.parse_float(value)
        if self.kind is int:
            if self.many:
                entries = _entries(value)
                bad = [v for v in entries
                       if isinstance(v, bool) or not isinstance(v, (int, np.integer))]
                if bad:
                    raise ValueError(f"{value!r} is not a comma-separated list of integers and "
                                     f"ranges A..B: {bad[0]!r} is not an integer")
                return tuple(int(v) for v in entries)
            return self.parse_int(value)
        return value

    # ------------------------------------------------------------------ the field
    def text(self) -> str:
        """What the field accepts, as validate's message says it."""
        if self.expected is not None:
            return self.expected
        if self.why:
            return f"{dataclasses.replace(self, why=None).text()} ({self.why})"
        if self.choices is not None:
            return f"values from {self.choices}" if self.many else f"one of {self.choices}"
        lo, hi = self.min, self.max
        if lo is not None and hi is not None:
            span = (f"in {'(' if self.min_open else '['}{bound_text(lo)}, {bound_text(hi)}"
                    f"{')' if self.max_open else ']'}")
        elif lo is not None:
            span = f"{'>' if self.min_open else '>='} {bound_text(lo)}"
        elif hi is not None:
            span = f"{'<' if self.max_open else '<='} {bound_text(hi)}"
        else:
            span = ""
        if self.many:
            what = "integers" if self.kind is int else "values"
            return f"{what} {span}".strip()
        return span or "a value"

    def holds(self, value: Any) -> bool:
        """Whether the field's value satisfies the rule (finiteness is checked before)."""
        if value is None:
            return self.optional
        values = tuple(value) if self.many else (value,)
        if self.many and not values:
            return self.empty
        for v in values:
            if self.parser is not None:
                try:
                    self.parser(v)
                except ValueError:
                    return False
            elif self.choices is not None:
                if v not in self.choices:
                    return False
            elif self.kind is int:
                if (isinstance(v, bool) or not isinstance(v, (int, float, np.number))
                        or int(v) != v or not self._inside(v)):
                    return False
            elif self.kind is float and not self._inside(v):
                return False
        return True

    def distinct_ok(self, value: Any) -> bool:
        """Whether a tuple that must hold distinct values does."""
        return not (self.distinct and value is not None and len(set(value)) != len(value))


def _entries(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def param(default: Any, **rule: Any) -> Any:
    """A ``Params`` field with its rule (:class:`Rule`'s arguments)."""
    return dataclasses.field(default=default, metadata={"rule": Rule(**rule)})


def rule_of(params: Any, name: str) -> Rule | None:
    """The rule declared for field ``name`` of a ``Params`` class or instance (or None)."""
    for f in dataclasses.fields(params):
        if f.name == name:
            return f.metadata.get("rule")
    raise KeyError(name)


def option_name(params: Any, name: str) -> str:
    """The command-line option of field ``name``: its rule's ``option``, else --<name>."""
    f = next((f for f in dataclasses.fields(params) if f.name == name), None)
    rule = f.metadata.get("rule") if f is not None else None
    return (rule.option if rule is not None and rule.option
            else f"--{name.replace('_', '-')}")


def require_finite(params: Any) -> None:
    """Raise ValueError ``"<field>: expected finite numbers (got <value>)"`` for the first field
    of the dataclass ``params`` that is, or is a tuple/list holding, an inf or nan float."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        for x in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(x, (float, np.floating)) and not math.isfinite(x):
                raise ValueError(f"{f.name}: expected finite numbers (got {float(x)!r})")


def check(checks: Iterable[tuple[bool, str, str]]) -> None:
    """Raise ValueError ``"<name>: expected <what>"`` for the first (ok, name, what) not ok."""
    for ok, name, what in checks:
        if not ok:
            raise ValueError(f"{name}: expected {what}")


def check_fields(params: Any) -> None:
    """Every field's declared rule, in field order, after :func:`require_finite`: ValueError
    naming the first field outside its rule (``"<field>: expected <rule text>"``)."""
    require_finite(params)
    for f in dataclasses.fields(params):
        rule, value = f.metadata.get("rule"), getattr(params, f.name)
        if rule is not None:
            check([(rule.holds(value), f.name, rule.text()),
                   (rule.distinct_ok(value), f.name, "distinct values")])
