"""What privacy-review made itself: marker files, so that it only ever replaces or removes its own work.

docs/operations.md, "Safe by construction". The tool never overwrites, deletes,
renames or hides a file it did not create. Every folder it makes under ``--out``
carries a marker:

- ``OUT/.privacy-review-reports``: the reports folder (``run``'s ``--out``) itself;
- ``OUT/index.html`` names privacy-review as its generator (:func:`is_own_index`);
- ``OUT/<Q>/.privacy-review-quarter``: a published quarter, listing every file the
  run wrote there (its manifest); the same marker goes into the hidden staging
  folder from the moment it is made, so a leftover of a killed run is recognised.

Before replacing ``OUT/<Q>/`` the tool checks that the folder is its own and holds
nothing but what the manifest lists and the traces an editor leaves beside a file it
opens (:func:`is_editor_trace`: JupyterLab's checkpoints); anything else (a user's
``notes.txt``, a file in place of the folder, a folder without a marker) is refused
with exit code 2. A worklist folder (personal data) carries ``.privacy-review-worklist``
the same way, and a folder of ``privacy-review notebooks`` copies
``.privacy-review-notebooks``, with the SHA-256 of each copy as written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from pipelines.errors import BadInput
from pipelines.private import write_private

REPORTS_MARKER = ".privacy-review-reports"
QUARTER_MARKER = ".privacy-review-quarter"
WORKLIST_MARKER = ".privacy-review-worklist"
NOTEBOOKS_MARKER = ".privacy-review-notebooks"
MADE_BY = "privacy-review"
#: where a failed run's notebooks are kept, inside ``OUT/<Q>/`` (docs/operations.md, "Publishing")
FAILED_DIR = "failed"

#: the layout a quarter published before markers existed (version 0.1) can hold, nothing else
_LEGACY_TOP = {"summary.json", "evidence.json", "quarterly-review.html"}
_LEGACY_DIRS = {"tables": ".csv", "notebooks": ".ipynb", FAILED_DIR: ".ipynb"}


def _write_json(path: Path, record: dict, *, private: bool = False) -> None:
    """``record`` as ``path``; ``private``: mode 0600 whatever the umask (a marker beside personal data)."""
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    if private:
        write_private(path, lambda handle: handle.write(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")


def _read_json(path: Path) -> dict | None:
    try:
        if not path.is_file() or path.is_symlink():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("made_by") == MADE_BY else None


def files_under(folder: Path) -> list[str]:
    """Every entry below ``folder`` that is not a directory (files, links, FIFOs …), relative, ``/``-separated."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.append(Path(os.path.relpath(os.path.join(root, name), folder)).as_posix())
    return sorted(found)


# --- an editor's traces -------------------------------------------------------------------

#: the folder where JupyterLab keeps a checkpoint of each file it opens or saves, beside the file
#: (jupyter_server's ``FileCheckpoints.checkpoint_dir``): ``notebooks/.ipynb_checkpoints/<stem>-checkpoint<ext>``
CHECKPOINTS_DIR = ".ipynb_checkpoints"
#: the shadow copies of opened notebooks that jupyter-lsp writes under JupyterLab's root folder
#: (``LanguageServerManager.virtual_documents_dir``), when a language server runs
VIRTUAL_DOCUMENTS_DIR = ".virtual_documents"
_CHECKPOINT_NAME = re.compile(r"^.+-checkpoint(\.[^./]*)?$")


def is_editor_trace(folder: Path, name: str) -> bool:
    """True when ``name`` (relative to ``folder``, ``/``-separated) is an editor's trace: a regular file (no link)
    named ``<stem>-checkpoint<ext>`` right inside a ``.ipynb_checkpoints/`` folder, or any regular file under a
    ``.virtual_documents/`` folder, each a real folder.

    JupyterLab writes these beside a published notebook (or summary.json, or the HTML) merely opened or saved;
    they are the user's, never the tool's: not in the manifest, tolerated by :func:`foreign_entries`, carried
    over when a quarter is published again (docs/operations.md, "Safe by construction"). Only these names:
    any other file the tool did not write still stops a run.
    """
    parts = name.split("/")
    traced = (len(parts) >= 2 and parts[-2] == CHECKPOINTS_DIR and bool(_CHECKPOINT_NAME.match(parts[-1]))) or (
        VIRTUAL_DOCUMENTS_DIR in parts[:-1])
    if not traced:
        return False
    path = Path(folder) / name
    return path.is_file() and not any(
        (Path(folder) / "/".join(parts[:i])).is_symlink() for i in range(1, len(parts) + 1))


def editor_traces(folder: Path) -> list[str]:
    """The editor's traces under ``folder`` (:func:`is_editor_trace`), relative, sorted."""
    return [name for name in files_under(folder) if is_editor_trace(folder, name)]


def own_files(folder: Path) -> list[str]:
    """Every file under ``folder`` but the editor's traces: what a quarter's manifest lists and its evidence hashes."""
    return [name for name in files_under(folder) if not is_editor_trace(folder, name)]


# --- a published quarter ----------------------------------------------------------------


def mark_quarter(folder: Path) -> None:
    """Write ``folder``'s manifest: every file now under it (the marker included), an editor's traces excepted
    (:func:`own_files`): the manifest names what the tool wrote."""
    files = [f for f in own_files(folder) if f != QUARTER_MARKER]
    _write_json(Path(folder) / QUARTER_MARKER, {"made_by": MADE_BY, "files": sorted(files + [QUARTER_MARKER])})


def quarter_manifest(folder: Path) -> list[str] | None:
    record = _read_json(Path(folder) / QUARTER_MARKER)
    files = record.get("files") if record else None
    return [str(f) for f in files] if isinstance(files, list) else None


def is_own_quarter(folder: Path) -> bool:
    """True when ``folder`` carries the tool's quarter marker (whatever else it holds)."""
    return quarter_manifest(folder) is not None


def _legacy_layout(folder: Path, files: list[str]) -> bool:
    """A quarter published by version 0.1 (no marker): only its own file names, and its summary."""
    if "summary.json" not in files:
        return False
    for name in files:
        parts = name.split("/")
        if len(parts) == 1 and parts[0] in _LEGACY_TOP:
            continue
        if len(parts) == 2 and parts[0] in _LEGACY_DIRS and parts[1].endswith(_LEGACY_DIRS[parts[0]]):
            continue
        return False
    return True


def foreign_entries(folder: Path) -> list[str]:
    """What under an existing ``folder`` the tool did not make (empty: the tool may replace it), an editor's traces
    excepted (:func:`is_editor_trace`: they are carried over, not in the way).

    ``[folder]`` itself when it is a file, a link or a folder without the tool's marker.
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return [folder.name]
    files = own_files(folder)
    manifest = quarter_manifest(folder)
    if manifest is None:
        return [] if _legacy_layout(folder, files) else [folder.name]
    listed = set(manifest)
    return [f for f in files if f not in listed]


def check_replaceable(folder: Path) -> None:
    """Refuse (exit 2) to replace ``folder`` unless it is absent or wholly the tool's own work."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    foreign = foreign_entries(folder)
    if foreign:
        what = (
            "it was not made by privacy-review" if foreign == [folder.name]
            else f"it holds {len(foreign)} file(s) privacy-review did not write, e.g. {foreign[0]}"
        )
        raise BadInput(
            f"{folder}: will not replace it, {what}; move them (or the folder) away, or choose another --out"
        )
    from pipelines.evidence import edited_since_published  # evidence imports this module

    edited = edited_since_published(folder)
    if edited:
        more = f" (and {len(edited) - 1} other file(s): privacy-review verify lists them)" if len(edited) > 1 else ""
        raise BadInput(
            f"{folder / edited[0]}: changed since privacy-review published it{more}; a re-run would replace it, even "
            "with --force: copy your edited file out of the quarter's folder, then run again"
        )


# --- the reports folder -------------------------------------------------------------------


def mark_reports(folder: Path) -> None:
    """Mark ``folder`` as a reports folder (``run``'s ``--out``), once."""
    marker = Path(folder) / REPORTS_MARKER
    if not marker.exists():
        _write_json(marker, {"made_by": MADE_BY, "kind": "reports"})


def is_reports_folder(folder: Path) -> bool:
    return _read_json(Path(folder) / REPORTS_MARKER) is not None


def published_folder(path: Path) -> Path | None:
    """The reports folder or published quarter that ``path`` (resolved) is or lies in, by the tool's markers."""
    path = Path(path).resolve()
    for folder in (path, *path.parents):
        if is_reports_folder(folder) or is_own_quarter(folder):
            return folder
    return None


# --- the index page ----------------------------------------------------------------------

INDEX_FILE = "index.html"
#: ``OUT/index.html`` names its maker, so that a run replaces only an index it wrote; the
#: Content-Security-Policy line identifies an index of version 0.1
GENERATOR_META = '<meta name="generator" content="privacy-review">'
_LEGACY_INDEX_MARK = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"


def is_own_index(path: Path) -> bool:
    """True when ``path`` is an index.html this tool wrote (a regular file naming the tool as its generator)."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return GENERATOR_META in head or _LEGACY_INDEX_MARK in head


# --- a worklist folder ----------------------------------------------------------------------


def mark_worklist(folder: Path, files: list[str]) -> None:
    _write_json(Path(folder) / WORKLIST_MARKER, {"made_by": MADE_BY, "files": sorted(files)}, private=True)


def worklist_files(folder: Path) -> set[str]:
    """The files an earlier worklist wrote into ``folder`` (it may replace those, and only those)."""
    record = _read_json(Path(folder) / WORKLIST_MARKER)
    files = record.get("files") if record else None
    return {str(f) for f in files} if isinstance(files, list) else set()


def worklist_folder(path: Path, names: Iterable[str] = ()) -> Path | None:
    """The worklist folder that ``path`` (resolved) is or lies in, else None: a folder holding the worklist marker,
    ``path`` itself or one above it, or ``path`` itself holding a file a worklist writes (``names``: the files of
    the review's worklist, for one whose marker was deleted). A worklist holds personal data, so such a folder is
    never a reports folder (docs/operations.md, "Safe by construction"). Files above ``path`` are not judged by
    name: a register named ``exceptions.csv`` beside a reports folder is the user's, not a worklist."""
    path = Path(path).resolve()
    for folder in (path, *path.parents):
        marker = folder / WORKLIST_MARKER
        if marker.exists() or marker.is_symlink():
            return folder
    if any((path / name).exists() or (path / name).is_symlink() for name in names):
        return path
    return None


# --- a folder of analyst notebooks ------------------------------------------------------------


def mark_notebooks(folder: Path, written: dict[str, str]) -> None:
    """Record in ``folder`` the SHA-256 of each notebook ``privacy-review notebooks`` wrote there (name -> hash),
    beside those recorded before: a later run replaces a copy only while it still holds those bytes."""
    _write_json(Path(folder) / NOTEBOOKS_MARKER,
                {"made_by": MADE_BY, "files": dict(sorted({**notebook_copies(folder), **written}.items()))})


def notebook_copies(folder: Path) -> dict[str, str]:
    """The notebooks ``privacy-review notebooks`` wrote into ``folder``, each with the SHA-256 it wrote (empty when
    there is no record, or one the tool did not write)."""
    record = _read_json(Path(folder) / NOTEBOOKS_MARKER)
    files = record.get("files") if record else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def foreign_notebooks_marker(folder: Path) -> bool:
    """True when ``folder`` holds a ``.privacy-review-notebooks`` the tool did not write (it is never overwritten)."""
    path = Path(folder) / NOTEBOOKS_MARKER
    return (path.exists() or path.is_symlink()) and _read_json(path) is None
