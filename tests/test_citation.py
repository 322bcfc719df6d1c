"""Citing: CITATION.cff is valid CFF 1.2.0 and names this version, and every provenance JSON
records a source identity that needs no git (source_sha256 over the package's .py files)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml  # PyYAML: a direct requirement of the dev extra (setup.cfg)

import relucheck
from relucheck.output import writers

ROOT = Path(__file__).resolve().parent.parent

#: Keys CFF 1.2.0 allows at the top level and in a reference (schema.json of the format):
#: a misspelt key is not an error to YAML, so it is checked here.
TOP_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi",
            "identifiers", "keywords", "license", "license-url", "message",
            "preferred-citation", "references", "repository", "repository-artifact",
            "repository-code", "title", "type", "url", "version"}
REFERENCE_KEYS = {
    "abbreviation", "abstract", "authors", "collection-doi", "collection-title",
    "collection-type", "commit", "conference", "contact", "copyright", "data-type", "database",
    "database-provider", "date-accessed", "date-downloaded", "date-published", "date-released",
    "department", "doi", "edition", "editors", "editors-series", "end", "entry", "filename",
    "format", "identifiers", "institution", "isbn", "issn", "issue", "issue-date",
    "issue-title", "journal", "keywords", "languages", "license", "license-url", "loc-end",
    "loc-start", "location", "medium", "month", "nihmsid", "notes", "number", "number-volumes",
    "pages", "patent-states", "pmcid", "publisher", "recipients", "repository",
    "repository-artifact", "repository-code", "scope", "section", "senders", "start", "status",
    "term", "thesis-type", "title", "translators", "type", "url", "version", "volume",
    "volume-title", "year", "year-original"}
REFERENCE_TYPES = {"article", "book", "conference", "conference-paper", "proceedings", "report",
                   "software", "thesis", "generic", "unpublished", "website"}  # those we may use
DOI = re.compile(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-.()\[\]\\]+$")
PERSON_KEYS = {"family-names", "given-names", "name-particle", "name-suffix", "affiliation",
               "orcid", "email", "alias", "website", "address", "city", "country"}
ENTITY_KEYS = {"name", "address", "city", "country", "email", "website", "orcid", "alias",
               "date-start", "date-end", "location", "region", "post-code", "tel", "fax"}


def check_cff(cff: dict) -> list[str]:
    """The structural rules of CFF 1.2.0 that this file can break; returns the problems."""
    bad = [f"unknown top-level key {k!r}" for k in set(cff) - TOP_KEYS]
    for key in ("cff-version", "message", "title", "authors"):  # required by the schema
        if key not in cff:
            bad.append(f"missing required key {key!r}")
    if cff.get("cff-version") != "1.2.0":
        bad.append(f"cff-version is {cff.get('cff-version')!r}, not '1.2.0'")
    if cff.get("type", "software") not in ("software", "dataset"):
        bad.append("type must be software or dataset")
    bad += _authors(cff.get("authors"), "authors")
    for i, ref in enumerate(cff.get("references", [])):
        where = f"references[{i}]"
        bad += [f"{where}: unknown key {k!r}" for k in set(ref) - REFERENCE_KEYS]
        for key in ("type", "title", "authors"):
            if key not in ref:
                bad.append(f"{where}: missing required key {key!r}")
        if ref.get("type") not in REFERENCE_TYPES:
            bad.append(f"{where}: type {ref.get('type')!r}")
        bad += _authors(ref.get("authors"), f"{where}.authors")
        for ident in ref.get("identifiers", []):
            if ident.get("type") == "doi" and not DOI.match(str(ident.get("value"))):
                bad.append(f"{where}: {ident.get('value')!r} is not a DOI")
        if not isinstance(ref.get("year", 0), int):
            bad.append(f"{where}: year must be an integer")
    return bad


def _authors(authors, where: str) -> list[str]:
    if not isinstance(authors, list) or not authors:
        return [f"{where} must be a non-empty list"]
    bad = []
    for a in authors:
        keys = set(a)
        if "name" in keys:
            bad += [f"{where}: entity key {k!r}" for k in keys - ENTITY_KEYS]
        elif "family-names" in keys or "given-names" in keys:
            bad += [f"{where}: person key {k!r}" for k in keys - PERSON_KEYS]
        else:
            bad.append(f"{where}: {a!r} is neither a person nor an entity")
    return bad


def load_cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_cff_is_valid_and_names_this_version():
    cff = load_cff()
    assert check_cff(cff) == []
    assert cff["title"] == "relucheck"
    assert cff["version"] == relucheck.__version__ and isinstance(cff["version"], str)
    assert cff["license"] == "MIT"
    assert cff["authors"] == [{"name": "relucheck developers"}]
    refs = {r["authors"][0]["family-names"]: r for r in cff["references"]}
    assert refs["Tian"]["year"] == 2017 and refs["Tian"]["volume"] == 70
    assert refs["Tian"]["title"].startswith("An Analytical Formula of Population Gradient for "
                                            "two-layered ReLU network")
    assert refs["Tian"]["authors"] == [{"family-names": "Tian", "given-names": "Yuandong"}]
    assert [a["family-names"] for a in refs["Safran"]["authors"]] == ["Safran", "Shamir"]
    assert refs["Safran"]["title"] == ("Spurious Local Minima are Common in Two-Layer ReLU "
                                       "Neural Networks")


def test_the_structural_check_has_power():
    cff = load_cff()
    broken = [
        {**cff, "cff-version": "1.1.0"},
        {k: v for k, v in cff.items() if k != "message"},
        {**cff, "licence": "MIT"},  # misspelt key
        {**cff, "authors": [{"nom": "x"}]},
        {**cff, "authors": []},
        {**cff, "references": [{**cff["references"][0], "journal-title": "x"}]},
        {**cff, "references": [{**cff["references"][0], "type": "paper"}]},
        {**cff, "references": [{**cff["references"][0],
                                "identifiers": [{"type": "doi", "value": "arXiv:1703.00560"}]}]},
    ]
    for b in broken:
        assert check_cff(b), b


def _package_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "relucheck"
    shutil.copytree(writers.PACKAGE_ROOT, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def test_source_sha256_is_stable_and_sees_every_change(tmp_path):
    copy = _package_copy(tmp_path)
    digest = writers.source_sha256(copy)
    assert digest == writers.source_sha256(writers.PACKAGE_ROOT) == writers.source_sha256(copy)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    # caches and other files do not count: they do not change what runs
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.py").write_text("cached")
    (copy / "notes.txt").write_text("not code")
    assert writers.source_sha256(copy) == digest
    target = copy / "theory" / "angles.py"
    text = target.read_text()
    target.write_text(text + "\n")  # one byte more
    assert writers.source_sha256(copy) != digest
    i = text.index("def ")
    target.write_text(text[:i] + "DEF " + text[i + 4:])  # the same length, other bytes
    assert writers.source_sha256(copy) != digest
    target.write_text(text)
    assert writers.source_sha256(copy) == digest
    target.rename(copy / "theory" / "angles2.py")  # same bytes, another name
    assert writers.source_sha256(copy) != digest
    with pytest.raises(FileNotFoundError, match="not the relucheck package"):
        writers.source_sha256(tmp_path / "nowhere")


def test_source_sha256_is_in_every_provenance_record_and_cheap(monkeypatch):
    """Cheap because it reads the package's own .py files once each and nothing else (no
    caches, no other file types): a fixed, small amount of work, however busy the machine."""
    from relucheck.result import Result
    result = Result(stem="x", tables={}, claims=[], params={})
    record = writers.provenance(result, {"command": "relucheck test"})
    assert record["source_sha256"] == writers.source_sha256()
    assert list(record).index("source_sha256") == list(record).index("versions") + 1
    read, original = [], Path.read_bytes

    def counting(path):
        read.append(path)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", counting)
    writers.source_sha256()
    sources = {p for p in writers.PACKAGE_ROOT.rglob("*.py") if "__pycache__" not in p.parts}
    assert sorted(read) == sorted(sources)  # each source once, nothing else
    assert sum(p.stat().st_size for p in read) < 2_000_000  # 0.5 MB today


def test_the_record_holds_the_inputs_and_the_run_record_the_run(tmp_path):
    """<stem>.json: what follows from the code, parameters and versions (rewritten identically
    by a rerun); <stem>.run.json: time, machine, wall times and the experiment's run facts."""
    from relucheck.result import Result
    result = Result(stem="x", tables={}, claims=[],
                    params={"n": 3, "sweep_seconds": 1.5},
                    summary={"boxes": 7, "certify_seconds": [{"k": 4, "seconds": 0.1}]},
                    run={"workers_used": 2})
    context = {"command": "relucheck x", "seed": 0, "outputs": []}
    record = writers.provenance(result, context)
    assert record["parameters"] == {"n": 3} and record["summary"] == {"boxes": 7}
    for key in ("started_utc", "wall_seconds", "git_revision", "platform", "threads", "run"):
        assert key not in record
    assert writers.provenance(result, context) == record  # nothing of the moment in it
    path = tmp_path / "x.json"
    writers.write_json(path, record)
    run = writers.run_record(result, path, started="2026-12-07T00:00:00+00:00",
                             wall_seconds=1.23456, command="relucheck x")
    assert run["record"] == {"file": "x.json", "sha256": writers.sha256(path)}
    assert run["run"] == {"sweep_seconds": 1.5, "certify_seconds": [{"k": 4, "seconds": 0.1}],
                          "workers_used": 2}
    assert run["wall_seconds"] == 1.235 and run["started_utc"].startswith("2026-12-07")
    assert {"git_revision", "platform", "threads"} <= set(run)
    assert writers.run_record_name("x") == "x.run.json"
