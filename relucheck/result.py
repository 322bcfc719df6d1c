"""What every experiment returns: tables, claims and parameters (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

THEOREM = "theorem"
EMPIRICAL = "empirical"
PASS, FAIL, REPORTED = "PASS", "FAIL", "REPORTED"

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


@dataclass(frozen=True)
class Claim:
    """One checked statement.

    ``level`` is ``theorem`` (a formula, bound, fixed point or sign pattern: PASS or FAIL, and a
    FAIL makes the run exit 1) or ``empirical`` (a statement the paper makes from experiments:
    always REPORTED, with the measurement). ``justification`` says where the threshold comes from.
    """

    name: str
    measured: str
    threshold: str
    verdict: str
    level: str = THEOREM
    justification: str = ""
    value: float | None = None

    @staticmethod
    def check(name: str, ok: bool, measured: str, threshold: str, justification: str,
              value: float | None = None) -> Claim:
        return Claim(name, measured, threshold, PASS if ok else FAIL, THEOREM, justification,
                     value)

    @staticmethod
    def report(name: str, measured: str, statement: str, justification: str = "",
               value: float | None = None) -> Claim:
        return Claim(name, measured, statement, REPORTED, EMPIRICAL, justification, value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.name,
            "level": self.level,
            "measured": self.measured,
            "value": self.value,
            "threshold": self.threshold,
            "verdict": self.verdict,
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
    # facts of this run, not of its inputs (step timings, workers used): <stem>.run.json
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Claim]:
        return [c for c in self.claims if c.level == THEOREM and c.verdict != PASS]

    @property
    def exit_code(self) -> int:
        """0 when every theorem-level claim holds, 1 otherwise (docs/design.md, exit codes)."""
        return 1 if self.failed else 0
