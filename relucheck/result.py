"""What every experiment returns: tables, claims and parameters (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

THEOREM = "theorem"
EMPIRICAL = "empirical"
PASS, FAIL, UNDECIDED, REPORTED = "PASS", "FAIL", "UNDECIDED", "REPORTED"
#: The verdicts of a theorem-level claim. UNDECIDED: decided by a statistical test or an
#: interval, and the data neither establish the claim nor refute it at the stated level.
THEOREM_VERDICTS = (PASS, FAIL, UNDECIDED)
#: Every verdict, in the order the counts are printed.
VERDICTS = (*THEOREM_VERDICTS, REPORTED)
#: How a claim is decided (the ``rule`` of its JSON record): an exact check (a fixed point, a
#: sign settled by interval arithmetic, a rounding bound, every sampled run certified) is PASS
#: or FAIL; a statistical test or an interval is PASS, FAIL or UNDECIDED (the claim's
#: justification states its rule); an empirical statement of the paper is REPORTED.
EXACT = "exact: PASS or FAIL"
STATISTICAL = "statistical: PASS, FAIL or UNDECIDED"
MEASURED = "empirical: REPORTED, never fails"

Table = dict[str, np.ndarray]


def below(x: float, level: float) -> str:
    """A rounding-level measurement as claim text: ``"< level"`` when ``|x| < level``, else
    ``"= x"`` (two digits).

    Rounding residuals move with the CPU and BLAS (a squared distance of 2e-29 on one machine,
    8e-30 on another), and so would any text computed from them, even their power of ten. A
    fixed ``level`` chosen well above them prints the same words everywhere; a value above it is
    no longer rounding and is shown as it is. The float itself stays the claim's ``value``.
    """
    return f"< {level:g}" if abs(x) < level else f"= {x:.2g}"


def three_way(established: bool, refuted: bool) -> str:
    """The verdict of a claim decided by a statistical test or an interval: PASS when the data
    establish it at the stated level, FAIL when they refute it at that level, UNDECIDED when
    they do neither (the run is too small to tell). Both at once is a defect of the rule."""
    if established and refuted:
        raise ValueError("a claim cannot be established and refuted by the same data")
    return PASS if established else FAIL if refuted else UNDECIDED


def equivalence_verdict(low: float, high: float, target: float, margin: float) -> str:
    """Three-way verdict of "the parameter equals ``target``" from its confidence interval
    [low, high] at the stated level.

    FAIL when the interval excludes ``target`` (refuted at that level); PASS when it contains
    ``target`` and lies within ``target +- margin`` (an equivalence test: every value the data
    allow is within the margin); UNDECIDED when it contains ``target`` but reaches beyond the
    margin (too wide to tell).
    """
    refuted = not low <= target <= high
    established = not refuted and target - margin <= low and high <= target + margin
    return three_way(established, refuted)


def one_sided_verdict(low: float, high: float, bound: float) -> str:
    """Three-way verdict of "the parameter exceeds ``bound``" from its confidence interval
    [low, high]: PASS when low > bound, FAIL when high < bound, UNDECIDED when the interval
    contains ``bound``."""
    return three_way(low > bound, high < bound)


@dataclass(frozen=True)
class Claim:
    """One checked statement.

    ``level`` is ``theorem`` (a formula, bound, fixed point or sign pattern: PASS or FAIL, and a
    FAIL makes the run exit 1; a claim decided by a statistical test or an interval may also be
    UNDECIDED, which exits 0 unless --strict) or ``empirical`` (a statement the paper makes from
    experiments: always REPORTED, with the measurement). ``justification`` says where the
    threshold comes from and, for a three-way claim, the rule.
    """

    name: str
    measured: str
    threshold: str
    verdict: str
    level: str = THEOREM
    justification: str = ""
    value: float | None = None
    rule: str = ""  # EXACT, STATISTICAL or MEASURED: how the verdict is decided

    @staticmethod
    def check(name: str, ok: bool, measured: str, threshold: str, justification: str,
              value: float | None = None) -> Claim:
        return Claim(name, measured, threshold, PASS if ok else FAIL, THEOREM, justification,
                     value, EXACT)

    @staticmethod
    def decide(name: str, verdict: str, measured: str, threshold: str, justification: str,
               value: float | None = None) -> Claim:
        """A theorem-level claim decided three ways (:func:`three_way`): ``verdict`` is PASS,
        FAIL or UNDECIDED; an UNDECIDED ``measured`` says what size would decide."""
        if verdict not in THEOREM_VERDICTS:
            raise ValueError(f"a theorem-level verdict is one of {THEOREM_VERDICTS}: {verdict!r}")
        return Claim(name, measured, threshold, verdict, THEOREM, justification, value,
                     STATISTICAL)

    @staticmethod
    def report(name: str, measured: str, statement: str, justification: str = "",
               value: float | None = None) -> Claim:
        return Claim(name, measured, statement, REPORTED, EMPIRICAL, justification, value,
                     MEASURED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.name,
            "level": self.level,
            "measured": self.measured,
            "value": self.value,
            "threshold": self.threshold,
            "verdict": self.verdict,
            "rule": self.rule,
            "justification": self.justification,
        }


@dataclass
class Result:
    """An experiment's output.

    ``tables['main']`` is written as ``<stem>.csv`` and is all the figure needs; any other table
    ``name`` is written as ``<stem>_<name>.csv`` (e.g. counterexamples, per-run curves).
    """

    stem: str
    tables: dict[str, Table]
    claims: list[Claim]
    params: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # extra figures for the JSON record
    documents: dict[str, Any] = field(default_factory=dict)  # written as <stem>_<name>.json
    # other files, as bytes (e.g. a compressed certificate): written as <stem>_<name>, the name
    # carrying its suffix
    files: dict[str, bytes] = field(default_factory=dict)
    # facts of this run, not of its inputs (step timings, workers used): <stem>.run.json
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Claim]:
        """The theorem-level claims that FAILED (the data refute them)."""
        return [c for c in self.claims if c.level == THEOREM and c.verdict == FAIL]

    @property
    def undecided(self) -> list[Claim]:
        """The theorem-level claims the data neither establish nor refute (UNDECIDED)."""
        return [c for c in self.claims if c.level == THEOREM and c.verdict == UNDECIDED]

    def counts(self) -> dict[str, int]:
        """How many claims have each verdict: PASS, FAIL, UNDECIDED, REPORTED."""
        return verdict_counts(self.claims)

    def exit_code_for(self, strict: bool = False) -> int:
        """1 when a theorem-level claim FAILED, or (``strict``, --strict) is UNDECIDED; else 0
        (docs/design.md, exit codes)."""
        return 1 if self.failed or (strict and self.undecided) else 0

    @property
    def exit_code(self) -> int:
        """The exit code without --strict: 1 when a theorem-level claim FAILED, else 0 (an
        UNDECIDED claim alone exits 0)."""
        return self.exit_code_for(False)


def verdict_counts(claims) -> dict[str, int]:
    """How many of ``claims`` have each verdict (every verdict listed, zeros included)."""
    return {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
