"""Redraw every figure of a folder from its CSVs alone and compare the bytes with its PNG and PDF
(:func:`redraw_differences`), with the drawing environment (:func:`drawing_environment`), what
differs from the one the provenance recorded (:func:`environment_notes`) and the pinned versions
(constraints/figures.txt). What a figure's bytes depend on besides the tables and the code:
docs/reproducibility.md, "The figures: what a redraw depends on".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from relucheck.output.writers import source_sha256

#: The distributions whose versions can change a figure's bytes (the provenance JSON's "versions"
#: records some of them; see :func:`environment_notes`).
DRAWING_PACKAGES = ("matplotlib", "numpy", "pillow", "fonttools", "kiwisolver", "contourpy",
                    "pyparsing", "cycler")


def simd_features() -> list[str]:
    """numpy's dispatched SIMD targets that this CPU runs (beyond the build's baseline): the
    ``found`` of ``numpy.show_runtime()``, e.g. ['X86_V3', 'X86_V4', 'AVX512_ICL']."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy < 2
        from numpy.core import _multiarray_umath as umath
    dispatch = getattr(umath, "__cpu_dispatch__", [])
    features = getattr(umath, "__cpu_features__", {})
    return [f for f in dispatch if features.get(f)]


def drawing_environment() -> dict[str, str]:
    """What a figure's bytes depend on besides its tables and the plotting code: the versions of
    :data:`DRAWING_PACKAGES`, matplotlib's FreeType (``freetype``) and numpy's SIMD targets on
    this CPU (``numpy_simd``)."""
    out = {}
    for pkg in DRAWING_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        from matplotlib import ft2font
        out["freetype"] = str(ft2font.__freetype_version__)
    except ImportError:
        out["freetype"] = "unknown"
    out["numpy_simd"] = " ".join(simd_features()) or "baseline only"
    return out


def environment_notes(folder: Path, stems: list[str]) -> list[str]:
    """For figures whose redraw differs: how this drawing environment compares with the one the
    provenance JSONs of ``stems`` recorded (their "drawing" entry if there is one, else their
    "versions"): what differs, what is the same, what was not recorded."""
    here = drawing_environment()
    recorded: dict[str, set[str]] = {}
    code: dict[str, str] = {}  # source digest -> revision, of the code that drew them
    for stem in stems:
        try:
            doc = json.loads((Path(folder) / f"{stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key, value in {**doc.get("versions", {}), **doc.get("drawing", {})}.items():
            recorded.setdefault(key, set()).add(str(value))
        if doc.get("source_sha256"):
            code[doc["source_sha256"]] = _revision(Path(folder), stem, doc)
    differ = [f"{k} {' / '.join(sorted(recorded[k]))} there, {v} here"
              for k, v in here.items() if k in recorded and recorded[k] != {v}]
    same = [f"{k} {v}" for k, v in here.items() if recorded.get(k) == {v}]
    unknown = [f"{k} ({v} here)" for k, v in here.items() if k not in recorded]
    names = ", ".join(f"{s}.json" for s in stems)
    notes = [f"drawing environment: {'; '.join(differ)}" if differ else
             f"drawing environment: no recorded version differs from this one ({names})"]
    if same:
        notes.append(f"    the same as recorded: {', '.join(same)}")
    try:
        ours = source_sha256()
    except OSError:
        ours = None
    for digest, rev in code.items():
        if ours is not None and digest != ours and rev is None:
            notes.append("    drawn by other relucheck code (revision not recorded): if the "
                         "plotting code changed since, regenerate the figures (make figures)")
        elif ours is not None and digest != ours:
            notes.append(f"    drawn by other relucheck code (revision {rev}): if the plotting "
                         f"code changed since (git diff {rev.removesuffix('-dirty')} -- "
                         "relucheck/output), regenerate the figures (make figures)")
    if CONSTRAINTS.is_file():
        pins = read_constraints()
        off = [f"{k} {v} (pinned {pins[k]})" for k, v in here.items() if k in pins and pins[k] != v]
        notes.append(f"    installed, not as pinned in {CONSTRAINTS.name}: {', '.join(off)}; run "
                     "make install" if off else
                     f"    every pinned drawing package is installed as in {CONSTRAINTS.name}")
    if unknown:
        notes.append(f"    not recorded in {names}: {', '.join(unknown)}; pin the versions "
                     "with constraints/figures.txt (make install does) and compare on a CPU "
                     "with the same numpy SIMD targets (redraw with --no-simd to see whether "
                     "a figure depends on them)")
    return notes


def _revision(folder: Path, stem: str, doc: dict) -> str | None:
    """The git revision that wrote ``<stem>.json``: in the record itself (records written before
    the run record existed), in the run record ``<stem>.run.json`` beside it (a fresh run), or
    the last commit of the record (committed figures keep no run record); None if unknown."""
    if doc.get("git_revision"):
        return str(doc["git_revision"])
    try:
        rev = json.loads((folder / f"{stem}.run.json").read_text(encoding="utf-8"))
        if rev.get("git_revision"):
            return str(rev["git_revision"])
    except (OSError, ValueError, AttributeError):
        pass
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%H", "--", f"{stem}.json"],
                             cwd=folder, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


#: The constraints file that pins the drawing environment (``make install`` passes it to pip).
CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints" / "figures.txt"


def _name(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def runtime_versions(root: str = "relucheck", extras: tuple[str, ...] = ("certify",)
                     ) -> dict[str, str]:
    """The installed version of every runtime dependency of ``root`` with ``extras``, and of
    theirs (markers evaluated here): what ``constraints/figures.txt`` pins."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    todo = [(r, extras) for r in metadata.requires(root) or []]
    while todo:
        text, active = todo.pop()
        req = Requirement(text)
        envs = [{"extra": e} for e in active] or [{"extra": ""}]
        if req.marker is not None and not any(req.marker.evaluate(e) for e in envs):
            continue
        name = _name(req.name)
        if name in found:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:  # an extra not installed here (python-flint)
            continue
        found[name] = dist.version
        todo += [(r, tuple(req.extras)) for r in dist.requires or []]
    return dict(sorted(found.items()))


def constraints_text(versions: dict[str, str] | None = None) -> str:
    """``constraints/figures.txt`` for this environment (``scripts/check_figures.py
    --constraints`` prints it): every runtime dependency pinned, on this Python only."""
    import platform

    versions = runtime_versions() if versions is None else versions
    py = ".".join(platform.python_version_tuple()[:2])
    head = [
        "# The versions the committed figures/ were made with, for `make install`",
        "# (pip install -c): with them a figure redrawn from the committed CSVs is the committed",
        "# file byte for byte (docs/reproducibility.md, \"Checking the committed figures\").",
        "# Every runtime dependency of relucheck[certify] and theirs, pinned on the Python they",
        f"# were made with ({py}; another Python installs unpinned). Written by",
        "#   python scripts/check_figures.py --constraints > constraints/figures.txt",
        "# in the environment that made the figures (make figures).",
    ]
    return "\n".join(head + [f'{n}=={v}; python_version == "{py}"'
                             for n, v in versions.items()]) + "\n"


def read_constraints(path: Path = CONSTRAINTS) -> dict[str, str]:
    """The pins of a constraints file (name -> version), for the lines that apply here."""
    from packaging.requirements import Requirement

    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            pins[_name(req.name)] = next(iter(req.specifier)).version
    return pins


def redraw_into(folder: Path, out: Path, stems: list[str] | None = None) -> list[str]:
    """Draw the figures of ``folder`` (those of ``stems``, default all) from its CSVs into
    ``out``; returns the errors, one line per figure that cannot be drawn."""
    # matplotlib loads only when drawing: writers imports this module for its environment
    from relucheck.output.plots import FIGURES, draw
    from relucheck.output.style import save_figure

    errors = []
    for stem in FIGURES if stems is None else stems:
        csv = Path(folder) / f"{stem}.csv"
        if not csv.exists():
            continue  # a folder without that command's output (e.g. without python-flint)
        try:
            _, fig = draw(csv)
            save_figure(fig, Path(out), stem)
        except Exception as exc:  # a defect of the tables: report it, check the others
            if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                raise
            errors.append(f"{stem}: cannot be redrawn from its CSVs: "
                          f"{exc.__class__.__name__}: {exc}")
    return errors


def _redraw_without_simd(folder: Path, out: Path, stems: list[str] | None) -> list[str]:
    """:func:`redraw_into` in a subprocess whose numpy runs no dispatched SIMD kernel (the
    variable is read when numpy is imported, hence the subprocess)."""
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=",".join(simd_features()))
    code = ("import json, sys; from relucheck.output.redraw import redraw_into; "
            "print(json.dumps(redraw_into(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))))")
    run = subprocess.run([sys.executable, "-c", code, str(folder), str(out), json.dumps(stems)],
                         env=env, capture_output=True, text=True)
    if run.returncode != 0:
        return [f"redrawing without numpy's SIMD kernels failed: {run.stderr.strip()[-500:]}"]
    return json.loads(run.stdout.strip().splitlines()[-1])


def redraw_differences(folder: Path, *, simd: bool = True,
                       stems: list[str] | None = None) -> list[str]:
    """Each figure of ``folder`` whose PNG or PDF is not what its CSVs draw (empty: all are).

    ``simd=False`` draws with numpy's SIMD dispatch off (in a subprocess): a figure that then
    differs while the ordinary redraw matches depends on the CPU that draws it."""
    from relucheck.output.plots import FIGURES  # matplotlib: only when drawing

    folder = Path(folder)
    stems = [s for s in (FIGURES if stems is None else stems) if (folder / f"{s}.csv").exists()]
    how = "" if simd else " without numpy's SIMD kernels"
    with tempfile.TemporaryDirectory(prefix="relucheck-redraw-") as tmp:
        out = (redraw_into(folder, Path(tmp), stems) if simd
               else _redraw_without_simd(folder, Path(tmp), stems))
        failed = {line.split(":")[0] for line in out}
        for stem in stems:
            if stem in failed:
                continue
            for ext in ("png", "pdf"):
                path, committed = Path(tmp) / f"{stem}.{ext}", folder / f"{stem}.{ext}"
                if not committed.exists():
                    out.append(f"{committed.name}: missing beside {stem}.csv")
                elif committed.read_bytes() != path.read_bytes():
                    out.append(f"{committed.name}: redrawn{how} from {stem}.csv, its bytes "
                               f"differ ({committed.stat().st_size} committed, "
                               f"{path.stat().st_size} redrawn)")
    return out
