"""Certificates of strict local minima: the JSON format (every real the exact decimal of a
float64), building one from a proof, and re-verifying a file from its contents alone, the arb
proof on the stored box and every label (``relucheck check-minimum``; docs/math.md section 10,
"The certificate file").
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from relucheck.proofs._arb import arb, pool_map
from relucheck.proofs.minimum.proof import PREC, Preconditioner, Proof, prove_on_box
from relucheck.runtime.progress import null_progress

FORMAT = "relucheck-minimum-certificates"
VERSION = 2
SPURIOUS, GLOBAL = "spurious_minimum", "global_minimum"
STATEMENT = (
    "For each certificate: with the teacher W_star = [I_k 0] (k x d) and the top weights "
    "a = a_star = 1 fixed, the population loss J(W) = 1/2 E_x[(sum_l a*_l relu(w*_l . x) - "
    "sum_j a_j relu(w_j . x))^2], x ~ N(0, I_d), has exactly one critical point W' with "
    "max |W' - representative| <= radius; it is a strict local minimum, every Hessian of J on "
    "that box has all eigenvalues >= lambda_min_lo > 0, and loss_lo <= J(W') <= loss_hi. A "
    "spurious_minimum has loss_lo > 0 = min J; a global_minimum (family 0, n = k) is a "
    "permutation of the teacher, J(W') = 0. No two certificates of a file name the same orbit "
    "of the symmetry W -> P W Q^T.")
_FIELDS = ("k", "n", "d", "family", "class", "W_star", "a_star", "a", "representative",
           "radius", "rotation", "eigenvalues", "precision_bits", "loss_lo", "loss_hi",
           "lambda_min_lo", "digest")


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


def encode_rotation(Q_int: np.ndarray) -> str:
    """Q_int (N x N, |entries| <= 2^30) as base64 of little-endian int32, row by row."""
    return base64.b64encode(np.ascontiguousarray(Q_int, dtype="<i4").tobytes()).decode("ascii")


def decode_rotation(text: Any, N: int) -> np.ndarray:
    """The N x N integers of :func:`encode_rotation`; ValueError if the text is not that."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (AttributeError, ValueError, UnicodeEncodeError):
        raise ValueError("rotation is not base64 text") from None
    if len(raw) != 4 * N * N:
        raise ValueError(f"rotation holds {len(raw) // 4} integers, not {N} x {N}")
    return np.frombuffer(raw, dtype="<i4").astype(np.int64).reshape(N, N)


def certificate(k: int, n: int, d: int, family: int, cls: str, W0: np.ndarray,
                W_star: np.ndarray, a: np.ndarray, a_star: np.ndarray, proof: Proof) -> dict:
    """The certificate of a successful proof."""
    if not proof.ok or proof.pre is None:
        raise ValueError("only a successful proof has a certificate")
    cert = {
        "k": int(k), "n": int(n), "d": int(d), "family": int(family), "class": cls,
        "W_star": _matrix(W_star), "a_star": [exact_decimal(x) for x in a_star],
        "a": [exact_decimal(x) for x in a], "representative": _matrix(W0),
        "radius": exact_decimal(proof.radius),
        "rotation": encode_rotation(proof.pre.Q_int),
        "eigenvalues": [exact_decimal(x) for x in proof.pre.lam],
        "precision_bits": int(proof.prec),
        "loss_lo": exact_decimal(proof.loss_lo), "loss_hi": exact_decimal(proof.loss_hi),
        "lambda_min_lo": exact_decimal(proof.lambda_min_lo),
    }
    cert["digest"] = digest(cert)
    return cert


def document(certs: list[dict]) -> dict:
    return {"format": FORMAT, "version": VERSION, "statement": STATEMENT,
            "certificates": certs}


@dataclass(frozen=True)
class _Parsed:
    """One certificate's fields as floats and arrays (the numbers already checked exact)."""

    name: str
    k: int
    n: int
    d: int
    family: int
    cls: str
    W_star: np.ndarray
    a_star: np.ndarray
    a: np.ndarray
    W0: np.ndarray
    radius: float
    pre: Preconditioner
    prec: int
    loss_lo: float
    loss_hi: float
    lambda_min_lo: float


def _parse(doc: Any) -> list[tuple[dict, str]]:
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


def _read_certificate(c: dict, name: str) -> _Parsed:
    """Check the shapes (NotACertificate) and exactness of the numbers (ValueError: invalid)."""
    if not all(type(c[f]) is int for f in ("k", "n", "d", "family", "precision_bits")):
        raise NotACertificate(f"{name}: k, n, d, family and precision_bits must be integers")
    k, n, d, family, prec = (c[f] for f in ("k", "n", "d", "family", "precision_bits"))
    if min(k, n, d) < 1 or not 53 <= prec <= 4096:
        raise NotACertificate(f"{name}: sizes must be >= 1 and precision_bits in [53, 4096]")
    if c["class"] not in (SPURIOUS, GLOBAL):
        raise NotACertificate(f"{name}: class must be {SPURIOUS} or {GLOBAL}")
    shapes = {"W_star": (k, d), "a_star": (k, None), "a": (n, None), "representative": (n, d)}
    for f, (rows, cols) in shapes.items():
        if not _shape_ok(c[f], rows, cols):
            raise NotACertificate(f"{name}: {f} must be a list of shape {(rows, cols or '')}")
    # exactness: a number that is not exactly a float is an edited certificate (invalid)
    N = n * d
    if not _shape_ok(c["eigenvalues"], N, None):
        raise NotACertificate(f"{name}: eigenvalues must be a list of {N} numbers")
    W_star = np.array([[read_exact(x) for x in r] for r in c["W_star"]])
    W0 = np.array([[read_exact(x) for x in r] for r in c["representative"]])
    pre = Preconditioner(decode_rotation(c["rotation"], N),
                         np.array([read_exact(x) for x in c["eigenvalues"]]))
    return _Parsed(name, k, n, d, family, c["class"], W_star,
                  np.array([read_exact(x) for x in c["a_star"]]),
                  np.array([read_exact(x) for x in c["a"]]), W0, read_exact(c["radius"]), pre,
                  prec, read_exact(c["loss_lo"]), read_exact(c["loss_hi"]),
                  read_exact(c["lambda_min_lo"]))


def _verify(p: _Parsed) -> str:
    """Re-prove one certificate on its stored box with its stored preconditioner (arb only);
    '' when it holds and implies the stored claims, else 'step: reason'."""
    r = p.radius
    if not (r > 0 and math.frexp(r)[0] == 0.5):
        return f"box: radius {r!r} is not a positive power of two"
    proof = prove_on_box(p.W0, p.W_star, p.a, p.a_star, radius=r, pre=p.pre, prec=p.prec)
    if not proof.ok:
        return f"{proof.step}: {proof.reason}"
    if not (p.loss_lo <= proof.loss_lo and proof.loss_hi <= p.loss_hi):
        return (f"loss claim: the recomputed enclosure [{proof.loss_lo!r}, {proof.loss_hi!r}] "
                f"is not inside the stored [{p.loss_lo!r}, {p.loss_hi!r}]")
    if not (p.lambda_min_lo > 0 and proof.lambda_min_lo >= p.lambda_min_lo):
        return (f"eigenvalue claim: the recomputed bound {proof.lambda_min_lo!r} does not "
                f"imply the stored lambda_min_lo {p.lambda_min_lo!r} > 0")
    return ""


def _teacher_permutation(W0: np.ndarray, W_star: np.ndarray, r: float) -> np.ndarray | None:
    """A permutation P (rows of W_star) with max |W0 - P W_star| <= r exactly, or None: each row
    of W0 must be within r of a distinct teacher row (every comparison is of floats that are
    exact, and |x - y| <= r is decided exactly by comparing x - r <= y <= x + r in arb)."""
    n, k = W0.shape[0], W_star.shape[0]
    if n != k:
        return None
    perm = []
    for j in range(n):
        near = [m for m in range(k)
                if all(abs(arb(float(x)) - arb(float(y))) <= arb(r)
                       for x, y in zip(W0[j], W_star[m], strict=True))]
        if len(near) != 1 or near[0] in perm:
            return None
        perm.append(near[0])
    return np.array(perm)


def _label_problems(p: _Parsed) -> list[str]:
    """Every label of one certificate against its own numbers: the census setting (W* = [I_k 0],
    a = a* = 1), the class and the family id."""
    out = []
    if not np.array_equal(p.W_star, np.eye(p.k, p.d)):
        out.append("label: W_star is not the census teacher [I_k 0] that k = "
                   f"{p.k}, d = {p.d} name")
    if not (np.all(p.a == 1.0) and np.all(p.a_star == 1.0)):
        out.append("label: the top weights are not a = a* = 1 (the census setting)")
    if p.cls == SPURIOUS:
        if not p.loss_lo > 0:
            out.append(f"class claim: a spurious minimum needs loss_lo > 0 (stored "
                       f"{p.loss_lo!r})")
        if p.family < 1:
            out.append(f"label: a spurious family has an id >= 1, not {p.family}")
    else:  # GLOBAL: the box holds a permutation of the teacher, where J = 0 (and a = a*)
        if p.family != 0:
            out.append(f"label: the global minimum is family 0, not {p.family}")
        if p.n != p.k or _teacher_permutation(p.W0, p.W_star, p.radius) is None \
                or not np.array_equal(p.a, p.a_star):
            out.append("class claim: global_minimum needs n = k and a permutation of the "
                       "teacher inside the box (where J = 0)")
        elif not p.loss_lo <= 0 <= p.loss_hi:
            out.append("class claim: a global minimum has J = 0, outside the stored "
                       f"[{p.loss_lo!r}, {p.loss_hi!r}]")
    return out


def _sorted_entries(p: _Parsed) -> np.ndarray:
    """The sorted entries of W0 W*^T = W0[:, :k]: P W Q^T permutes them (Q permutes the first
    k coordinates and rotates the others), and sorting is 1-Lipschitz in the max norm."""
    return np.sort(p.W0[:, :p.k], axis=None)


def _document_problems(parsed: list[_Parsed]) -> list[str]:
    """Labels across certificates: (k, n, family) unique, and no two certificates of one
    (k, n, d) that may prove the same orbit: they must be told apart by disjoint loss intervals
    or by sorted entries of W[:, :k] further apart than the two radii (every member of an orbit
    has the same loss and the same sorted entries)."""
    out, seen = [], {}
    for i, p in enumerate(parsed):
        key = (p.k, p.n, p.family)
        if key in seen:
            out.append(f"{p.name}: label: family {p.family} of k={p.k}, n={p.n} is also "
                       f"{parsed[seen[key]].name}")
        seen.setdefault(key, i)
        for q in parsed[:i]:
            if (q.k, q.n, q.d) != (p.k, p.n, p.d):
                continue
            apart = p.loss_hi < q.loss_lo or q.loss_hi < p.loss_lo or (
                np.max(np.abs(_sorted_entries(p) - _sorted_entries(q))) > p.radius + q.radius)
            if not apart:
                out.append(f"{p.name}: label: may prove the same orbit as {q.name} (loss "
                           "intervals overlap and the sorted entries agree within the radii)")
    return out


def _verify_task(p: _Parsed) -> str:
    why = _verify(p)
    return f"{p.name}: {why}" if why else ""


def check_shape(doc: Any) -> None:
    """Raise NotACertificate when the document or one of its certificates is not shaped like a
    certificate: what :func:`check_document` raises before any proof, so that a checker given
    several files can refuse a bad one before it proves the others."""
    for c, name in _parse(doc):
        try:
            _read_certificate(c, name)
        except NotACertificate:
            raise
        except ValueError:
            pass  # an inexact float: a problem check_document reports, not a shape


def check_document(doc: Any, *, workers: int = 1, progress=None) -> tuple[int, list[str]]:
    """Re-verify every certificate of a parsed JSON document: the proofs and every label.

    Returns (number of certificates, problems), a problem being "certificate i (k, n, family):
    step: reason". Raises NotACertificate (before any proof) when the document or one of its
    certificates is not shaped like a certificate.
    """
    items = _parse(doc)
    problems, todo, parsed = [], [], []
    for c, name in items:
        try:
            p = _read_certificate(c, name)
        except NotACertificate:
            raise
        except ValueError as exc:
            problems.append(f"{name}: exact floats: {exc}")
            continue
        if digest(c) != c["digest"]:
            problems.append(f"{name}: integrity: the digest does not match the contents "
                            "(edited after certification)")
            continue
        problems += [f"{name}: {why}" for why in _label_problems(p)]
        parsed.append(p)
        todo.append(p)
    problems += _document_problems(parsed)
    results = pool_map(_verify_task, todo, prec=PREC, workers=workers,
                       progress=progress or null_progress, desc="re-proving")
    problems += [r for r in results if r]
    return len(items), problems


#: census_families.csv classes and the certificate class each proved family must carry.
_FAMILY_CLASS = {"spurious_minimum": SPURIOUS, "teacher": GLOBAL}

#: The columns of each families table that name a family and the claims its certificate makes.
_TABLE_COLUMNS = {
    "census_families.csv": ("k", "n", "family", "class", "certified", "radius", "loss_lo",
                            "loss_hi", "lambda_min_lo"),
    "conjecture2_families.csv": ("K", "d", "family", "certified", "radius", "loss_lo",
                                 "loss_hi", "lambda_min_lo"),
}
_BOUNDS = ("radius", "loss_lo", "loss_hi", "lambda_min_lo")


def _table_keys(families: dict[str, np.ndarray], table: str) -> list[tuple[int, int, int]]:
    """(k, n, family) of every row of a families table (conjecture2: k = n = K); ValueError
    when one is not an integer."""
    cols = ("k", "n", "family") if table.startswith("census") else ("K", "K", "family")
    keys = []
    for i in range(len(families[cols[0]])):
        key = []
        for c in cols:
            x = float(families[c][i])
            if not x.is_integer():
                raise ValueError(f"row {i + 1}: {c} = {families[c][i]!r} is not an integer")
            key.append(int(x))
        keys.append(tuple(key))
    return keys


def check_table(families: dict[str, np.ndarray], table: str) -> None:
    """Raise NotACertificate when a families table (census_families.csv or
    conjecture2_families.csv) lacks a column :func:`folder_problems` compares, names a family
    by a non-integer, or names one twice: decided before any proof."""
    if table not in _TABLE_COLUMNS:
        raise NotACertificate(f"{table} is not a families table relucheck writes")
    missing = [c for c in _TABLE_COLUMNS[table] if c not in families]
    if missing:
        raise NotACertificate(f"{table} has no column {', '.join(missing)} (not a --certify run)")
    try:
        keys = _table_keys(families, table)
        certified = [float(x) for x in families["certified"]]
    except (TypeError, ValueError) as exc:
        raise NotACertificate(f"{table}: {exc}") from None
    if any(x not in (0.0, 1.0) for x in certified):
        raise NotACertificate(f"{table}: certified holds a value other than 0 and 1")
    seen = set()
    for key in keys:
        if key in seen:
            raise NotACertificate("{}: k={}, n={}, family={} twice".format(table, *key))
        seen.add(key)


def folder_problems(doc: Any, families: dict[str, np.ndarray],
                    table: str = "census_families.csv") -> list[str]:
    """A folder's families table (checked by :func:`check_table`) against its certificates:
    every family the table marks as proved has a certificate of the same k, n, family, class,
    radius, loss interval and eigenvalue bound (and d, which conjecture2_families.csv names),
    and every certificate is such a family. census_families.csv names k, n and the class;
    conjecture2_families.csv names K (k = n = K) and proves spurious minima only."""
    out = []
    certs = {(c["k"], c["n"], c["family"]): c for c, _ in _parse(doc)}
    census = table.startswith("census")
    keys = _table_keys(families, table)
    marked = set()
    for i in np.flatnonzero(np.asarray(families["certified"], dtype=float) == 1):
        key = keys[i]
        marked.add(key)
        name = "{} k={}, n={}, family={}".format(table, *key)
        c = certs.get(key)
        if c is None:
            out.append(f"{name}: marked proved, but no certificate has it")
            continue
        cls = str(families["class"][i]) if census else "spurious_minimum"
        if c["class"] != _FAMILY_CLASS.get(cls):
            out.append(f"{name}: class {cls} but the certificate says {c['class']}")
        if not census and float(families["d"][i]) != c["d"]:
            out.append(f"{name}: d {families['d'][i]} but the certificate says {c['d']}")
        for f in _BOUNDS:
            try:
                theirs = read_exact(c[f])
            except ValueError as exc:
                out.append(f"{name}: the certificate's {f}: {exc}")
                continue
            if float(families[f][i]) != theirs:
                out.append(f"{name}: {f} {float(families[f][i])!r} but the certificate says "
                           f"{theirs!r}")
    for key in certs.keys() - marked:
        out.append("certificate k={}, n={}, family={}: not a family {} marks as "
                   "proved".format(*key, table))
    return out


def missing_file_problems(families: dict[str, np.ndarray], table: str, name: str) -> list[str]:
    """A families table whose certificate file is not in the folder: every family it marks as
    proved is a problem."""
    keys = _table_keys(families, table)
    return ["{} k={}, n={}, family={}: marked proved, but the folder has no {}".format(
        table, *keys[i], name)
        for i in np.flatnonzero(np.asarray(families["certified"], dtype=float) == 1)]
