"""Certificates of strict local minima (docs/math.md section 10): build them from proofs, and
re-verify a certificate file from its contents alone (``relucheck check-minimum``).

A certificate file is JSON::

    {"format": "relucheck-minimum-certificates", "version": 1,
     "statement": "...", "certificates": [CERT, ...]}

and each CERT names a family and holds, every number as the exact decimal expansion of a
float64 (``str(decimal.Decimal(x))``: a re-check refuses any number that is not exactly a
float, so nothing is rounded on the way in):

- ``k, n, d, family, class``: the census cell and family (class ``spurious_minimum`` or
  ``global_minimum``);
- ``W_star`` (k x d), ``a_star`` (k), ``a`` (n): the teacher and the student's fixed top weights;
- ``representative`` (n x d): the centre W0 of the box; ``radius``: r, a power of two, so the box
  is {W : max |W - W0| <= r};
- ``precision_bits``: arb working precision;
- the claims: ``loss_lo``, ``loss_hi`` (J at the minimum lies between them) and
  ``lambda_min_lo`` (every Hessian on the box has all eigenvalues >= it, which is > 0);
- ``digest``: SHA-256 of the canonical JSON of the other fields (integrity only: the proof is
  the re-computation, the digest catches a file edited after the fact).

A re-check recomputes the proof on the stored box (:func:`relucheck.numerics.minimum_proof.
prove_minimum` with the stored radius and precision) and accepts the certificate only when it
succeeds and implies every stored claim: the recomputed loss enclosure lies inside
[loss_lo, loss_hi], the recomputed eigenvalue bound is >= lambda_min_lo > 0, and a spurious
minimum has loss_lo > 0 (so J > 0 = min J there: the minimum is not global).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from relucheck.numerics.minimum_proof import Proof, prove_minimum

FORMAT = "relucheck-minimum-certificates"
VERSION = 1
SPURIOUS, GLOBAL = "spurious_minimum", "global_minimum"
STATEMENT = (
    "For each certificate: the population loss J(W) = 1/2 E_x[(sum_l a*_l relu(w*_l . x) - "
    "sum_j a_j relu(w_j . x))^2], x ~ N(0, I_d), with the top weights a fixed, has exactly one "
    "critical point W' with max |W' - representative| <= radius; it is a strict local minimum, "
    "every Hessian of J on that box has all eigenvalues >= lambda_min_lo > 0, and "
    "loss_lo <= J(W') <= loss_hi. A spurious_minimum has loss_lo > 0 = min J.")
_FIELDS = ("k", "n", "d", "family", "class", "W_star", "a_star", "a", "representative",
           "radius", "precision_bits", "loss_lo", "loss_hi", "lambda_min_lo", "digest")


class NotACertificate(ValueError):
    """The file is not a minimum-certificate file (exit 2), as opposed to an invalid one."""


def exact_decimal(x: float) -> str:
    """The exact decimal expansion of a float64 (finite)."""
    return str(Decimal(float(x)))


def read_exact(s: Any) -> float:
    """The float64 that the decimal string s is exactly; ValueError if it is not one."""
    if not isinstance(s, str):
        raise ValueError(f"{s!r} is not a decimal string")
    try:
        dec = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"{s!r} is not a decimal number") from None
    x = float(dec)
    if not math.isfinite(x) or Decimal(x) != dec:
        raise ValueError(f"{s!r} is not exactly a float64")
    return x


def digest(cert: dict[str, Any]) -> str:
    body = {k: v for k, v in cert.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _matrix(A: np.ndarray) -> list:
    return [[exact_decimal(x) for x in row] for row in np.asarray(A, dtype=float)]


def certificate(k: int, n: int, d: int, family: int, cls: str, W0: np.ndarray,
                W_star: np.ndarray, a: np.ndarray, a_star: np.ndarray, proof: Proof) -> dict:
    """The certificate of a successful proof."""
    if not proof.ok:
        raise ValueError("only a successful proof has a certificate")
    cert = {
        "k": int(k), "n": int(n), "d": int(d), "family": int(family), "class": cls,
        "W_star": _matrix(W_star), "a_star": [exact_decimal(x) for x in a_star],
        "a": [exact_decimal(x) for x in a], "representative": _matrix(W0),
        "radius": exact_decimal(proof.radius), "precision_bits": int(proof.prec),
        "loss_lo": exact_decimal(proof.loss_lo), "loss_hi": exact_decimal(proof.loss_hi),
        "lambda_min_lo": exact_decimal(proof.lambda_min_lo),
    }
    cert["digest"] = digest(cert)
    return cert


def document(certs: list[dict]) -> dict:
    return {"format": FORMAT, "version": VERSION, "statement": STATEMENT,
            "certificates": certs}


@dataclass(frozen=True)
class Parsed:
    """One certificate's fields as floats and arrays (the numbers already checked exact)."""

    name: str
    cls: str
    W_star: np.ndarray
    a_star: np.ndarray
    a: np.ndarray
    W0: np.ndarray
    radius: float
    prec: int
    loss_lo: float
    loss_hi: float
    lambda_min_lo: float


def parse(doc: Any) -> list[tuple[dict, str]]:
    """The certificates of a parsed JSON document with their names (``k=..,n=..,family=..``);
    NotACertificate when it is not a certificate file."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise NotACertificate(f"not a minimum-certificate file (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise NotACertificate(f"unsupported version {doc.get('version')!r} (expected {VERSION})")
    certs = doc.get("certificates")
    if not isinstance(certs, list) or not certs:
        raise NotACertificate("\"certificates\" is not a non-empty list")
    out = []
    for i, c in enumerate(certs):
        if not isinstance(c, dict):
            raise NotACertificate(f"certificate {i} is not an object")
        missing = [f for f in _FIELDS if f not in c]
        if missing:
            raise NotACertificate(f"certificate {i} lacks {', '.join(missing)}")
        out.append((c, f"certificate {i} (k={c['k']}, n={c['n']}, family={c['family']})"))
    return out


def _shape_ok(x: Any, rows: int, cols: int | None) -> bool:
    if not isinstance(x, list) or len(x) != rows:
        return False
    if cols is None:
        return True
    return all(isinstance(r, list) and len(r) == cols for r in x)


def read_certificate(c: dict, name: str) -> Parsed:
    """Check the shapes (NotACertificate) and exactness of the numbers (ValueError: invalid)."""
    try:
        k, n, d = (int(c[f]) for f in ("k", "n", "d"))
        prec = int(c["precision_bits"])
    except (TypeError, ValueError):
        raise NotACertificate(f"{name}: k, n, d and precision_bits must be integers") from None
    if min(k, n, d) < 1 or not 53 <= prec <= 4096:
        raise NotACertificate(f"{name}: sizes must be >= 1 and precision_bits in [53, 4096]")
    if c["class"] not in (SPURIOUS, GLOBAL):
        raise NotACertificate(f"{name}: class must be {SPURIOUS} or {GLOBAL}")
    shapes = {"W_star": (k, d), "a_star": (k, None), "a": (n, None), "representative": (n, d)}
    for f, (rows, cols) in shapes.items():
        if not _shape_ok(c[f], rows, cols):
            raise NotACertificate(f"{name}: {f} must be a list of shape {(rows, cols or '')}")
    # exactness: a number that is not exactly a float is an edited certificate (invalid)
    W_star = np.array([[read_exact(x) for x in r] for r in c["W_star"]])
    W0 = np.array([[read_exact(x) for x in r] for r in c["representative"]])
    return Parsed(name, c["class"], W_star, np.array([read_exact(x) for x in c["a_star"]]),
                  np.array([read_exact(x) for x in c["a"]]), W0, read_exact(c["radius"]), prec,
                  read_exact(c["loss_lo"]), read_exact(c["loss_hi"]),
                  read_exact(c["lambda_min_lo"]))


def verify(p: Parsed) -> str:
    """Re-prove one certificate; '' when valid, else 'step: reason'."""
    r = p.radius
    if not (r > 0 and math.frexp(r)[0] == 0.5):
        return f"box: radius {r!r} is not a positive power of two"
    proof = prove_minimum(p.W0, p.W_star, p.a, p.a_star, prec=p.prec, radius=r)
    if not proof.ok:
        return f"{proof.step}: {proof.reason}"
    if not (p.loss_lo <= proof.loss_lo and proof.loss_hi <= p.loss_hi):
        return (f"loss claim: the recomputed enclosure [{proof.loss_lo!r}, {proof.loss_hi!r}] "
                f"is not inside the stored [{p.loss_lo!r}, {p.loss_hi!r}]")
    if not (p.lambda_min_lo > 0 and proof.lambda_min_lo >= p.lambda_min_lo):
        return (f"eigenvalue claim: the recomputed bound {proof.lambda_min_lo!r} does not "
                f"imply the stored lambda_min_lo {p.lambda_min_lo!r} > 0")
    if p.cls == SPURIOUS and not p.loss_lo > 0:
        return f"class claim: a spurious minimum needs loss_lo > 0 (stored {p.loss_lo!r})"
    return ""


def _verify_task(p: Parsed) -> str:
    why = verify(p)
    return f"{p.name}: {why}" if why else ""


def check_document(doc: Any, *, workers: int = 1, progress=None) -> tuple[int, list[str]]:
    """Re-verify every certificate of a parsed JSON document.

    Returns (number of certificates, problems), a problem being "certificate i (k, n, family):
    step: reason" for each invalid one. Raises NotACertificate (before any proof) when the
    document or one of its certificates is not shaped like a certificate.
    """
    from relucheck.numerics.certify import pool_map
    from relucheck.numerics.minimum_proof import PREC
    from relucheck.progress import null_progress

    items = parse(doc)
    problems, todo = [], []
    for c, name in items:
        try:
            p = read_certificate(c, name)
        except NotACertificate:
            raise
        except ValueError as exc:
            problems.append(f"{name}: exact floats: {exc}")
            continue
        if digest(c) != c["digest"]:
            problems.append(f"{name}: integrity: the digest does not match the contents "
                            "(edited after certification)")
            continue
        todo.append(p)
    results = pool_map(_verify_task, todo, prec=PREC, workers=workers,
                       progress=progress or null_progress, desc="re-proving")
    problems += [r for r in results if r]
    return len(items), problems
