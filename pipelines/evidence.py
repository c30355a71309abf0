"""``evidence.json``: what a published quarter was computed from, so an auditor can check it.

Written with every run into the staging folder, beside ``summary.json``, before
the privacy scan and the atomic publish (docs/operations.md, "Evidence"):

- ``exports``: per contract table, the files read (``accounts.csv``; a table folder's files
  as ``sessions/#1``, ``sessions/#2`` in file order: never a name the user chose),
  their size and SHA-256, and rows in, loaded and set aside;
- ``column_mapping``: the mapping file read, if any (name and SHA-256);
- ``policy``: the policy file's name and SHA-256, and the policy's name and version;
- ``exceptions``: the register of exceptions read, if any (name, SHA-256, rows);
- ``remediation``: the quarter the history was compared with and the SHA-256 of that quarter's
  recorded set and of this quarter's (sets of keyed pseudonyms: nothing can be read back from them);
- ``software``: the versions of privacy-review and of the libraries that shape a figure;
- ``run``: the parameters and when the run started and ended (UTC);
- ``documents``: only when a PDF was made (``run --pdf``, ``privacy-review pdf``): each such
  published document's name, size, SHA-256 and when it was made (:func:`record_document`).

It holds file names, hashes, counts and versions: no personal data (the privacy scan
reads it like every other file). The SHA-256 of the exports is separate from the
database-reuse fingerprint (``pipelines/load/fingerprint.py``: names, sizes and
modification times): hashing reads every byte, so it runs once per run, in a thread
(:class:`Hashing`) while the load and the figures are computed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pipelines
from pipelines import inputs
from pipelines.errors import BadInput
from pipelines.load.mapping import mapping_file as find_mapping
from pipelines.load.sources import find_sources
from pipelines.policy import default_policy_path
from pipelines.policy.documents import document_records

EVIDENCE_FILE = "evidence.json"
#: evidence.json's layout; raise it when a field changes meaning
FORMAT = 1
#: the length of a hash as the report shows it
SHORT = 12
#: read size for hashing: large enough that hashlib (which releases the GIL) does the work
CHUNK = 1 << 20

#: the libraries whose version can change a figure: the engine, the frames, Parquet and CSV
#: parsing, the working-day calendar, the time-zone rules, and the report's number formatting
LIBRARIES = ("duckdb", "polars", "pyarrow", "holidays", "tzdata", "babel")


@dataclass(frozen=True)
class FileHash:
    name: str
    """The export's name (``sessions.csv``), or its table and place in a table folder (``sessions/#1``)."""
    bytes: int
    sha256: str

    def as_dict(self) -> dict:
        return {"name": self.name, "bytes": self.bytes, "sha256": self.sha256}


class Stopped(Exception):
    """Hashing was stopped (the run failed before it needed the hashes)."""


def sha256_file(path: Path, stop: threading.Event | None = None, *,
                kind: inputs.Input = inputs.PUBLISHED) -> tuple[int, str]:
    """(size in bytes, hex SHA-256) of a file, read once in :data:`CHUNK` pieces, opened through the one gate
    (:func:`pipelines.inputs.open_binary`: a regular file only; ``kind`` names it in a refusal)."""
    digest, size = hashlib.sha256(), 0
    with inputs.open_binary(path, kind) as handle:
        while chunk := handle.read(CHUNK):
            if stop is not None and stop.is_set():
                raise Stopped(str(path))
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def relative_name(path: Path, data_dir: Path) -> str:
    """A file's name as the evidence gives it: relative to the export directory, ``/``-separated."""
    try:
        return Path(os.path.relpath(path, data_dir)).as_posix()
    except ValueError:  # another drive (Windows): the name alone
        return Path(path).name


def export_files(data_dir: Path) -> dict[str, list[Path]]:
    """The files of each contract table (an absent optional table: no files), as the loader reads them."""
    return {table: (source.files if source is not None else []) for table, source in find_sources(data_dir).items()}


def published_name(table: str, path: Path, data_dir: Path, position: int) -> str:
    """A file's name as evidence.json gives it: only words the tool declared, never the user's own.

    An export file directly in ``--data`` is named after its table (``accounts.csv``); a file of
    a table folder by its table and its place in file order (``sessions/#3``): the names inside a
    folder are the user's and may hold anything (docs/operations.md, "Evidence").
    """
    name = relative_name(path, data_dir)
    if "/" not in name:
        return name
    return f"{table}/#{position}"


def hash_exports(data_dir: Path, stop: threading.Event | None = None) -> dict[str, list[FileHash]]:
    """Every export file's size and SHA-256, per table."""
    data_dir = Path(data_dir)
    hashed = {}
    for table, files in export_files(data_dir).items():
        hashed[table] = []
        for position, path in enumerate(files, 1):
            size, sha = sha256_file(path, stop, kind=inputs.EXPORT)
            hashed[table].append(FileHash(published_name(table, path, data_dir, position), size, sha))
    return hashed


class Hashing:
    """:func:`hash_exports` in a background thread: started before the load, joined when the evidence is written.

    Hashing reads each file once at about 1 GB/s; beside DuckDB's load it costs about
    the time of that read on a busy machine (docs/operations.md, "Evidence"). A failed
    run calls :meth:`stop`; the thread is a daemon and never keeps the process alive.
    """

    def __init__(self, data_dir: Path):
        self._stop = threading.Event()
        self._result: dict[str, list[FileHash]] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, args=(Path(data_dir),), name="evidence-hash", daemon=True)
        self._thread.start()

    def _work(self, data_dir: Path) -> None:
        try:
            self._result = hash_exports(data_dir, self._stop)
        except BaseException as exc:  # noqa: BLE001 - handed to result(), raised there
            self._error = exc

    def result(self) -> dict[str, list[FileHash]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def stop(self) -> None:
        self._stop.set()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def software() -> dict[str, str | None]:
    """privacy-review's version, Python's and each of :data:`LIBRARIES` (``None`` when not installed)."""
    found: dict[str, str | None] = {"privacy-review": pipelines.__version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def file_record(path: Path | None, kind: inputs.Input) -> dict | None:
    """A single input file (policy, column mapping, register: ``kind``): its name and SHA-256; None when there is
    none. Read through the one gate, as the review read it."""
    if path is None or not (Path(path).exists() or Path(path).is_symlink()):
        return None
    return {"file": Path(path).name, "sha256": sha256_file(Path(path), kind=kind)[1]}


def mapping_path(data_dir: Path, mapping_file: Path | None) -> Path | None:
    """The column mapping a load reads: ``--mapping``, else ``<data>/column-mapping.toml`` if present."""
    return find_mapping(mapping_file, data_dir)


def exports_record(hashes: dict[str, list[FileHash]], load_report) -> dict:
    """``exports``: per table, its files and rows in / loaded / set aside (``LoadReport``)."""
    record = {}
    for table, files in hashes.items():
        exported = table not in load_report.absent and table in load_report.rows_in
        record[table] = {
            "exported": exported,
            "files": [f.as_dict() for f in files],
            "rows_in": load_report.rows_in.get(table) if exported else None,
            "rows_loaded": load_report.rows_loaded.get(table) if exported else None,
            "rows_set_aside": load_report.rows_rejected.get(table) if exported else None,
        }
    return record


def build(
    *,
    hashes: dict[str, list[FileHash]],
    load_report,
    policy,
    policy_path: Path | None,
    mapping: Path | None,
    run: dict,
    exceptions: dict | None = None,
    remediation: dict | None = None,
) -> dict:
    """The whole evidence record (module docstring); ``run`` holds the parameters and ``started_at``;
    ``exceptions`` the register read (``file``, ``sha256``, ``rows``; None: none given), ``remediation``
    what the history was compared with (pipelines/remediation.py, ``Tracked.evidence``)."""
    policy_file = file_record(policy_path or default_policy_path(), inputs.POLICY)
    return {
        "format": FORMAT,
        "exports": exports_record(hashes, load_report),
        "column_mapping": file_record(mapping, inputs.MAPPING),
        # the policy file and the published policy texts its quotes were checked against (docs/policy-file.md)
        "policy": {**(policy_file or {}), "name": policy.name, "version": policy.version,
                   "documents": document_records(policy)},
        "exceptions": exceptions,
        "remediation": remediation,
        "software": software(),
        "run": dict(run),
    }


def write(folder: Path, evidence: dict) -> Path:
    """``folder/evidence.json``."""
    path = Path(folder) / EVIDENCE_FILE
    path.write_text(json.dumps(evidence, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def record_document(folder: Path, name: str) -> bool:
    """Record ``folder/name`` (a published document: the PDF) in ``folder/evidence.json``'s ``documents``:
    its name, size, SHA-256 and the time, replacing an earlier entry of that name. False when the folder
    holds no evidence.json (nothing to record it in)."""
    record = read(folder)
    if record is None:
        return False
    size, sha = sha256_file(Path(folder) / name)
    documents = [d for d in record.get("documents") or [] if isinstance(d, dict) and d.get("name") != name]
    documents.append({"name": name, "bytes": size, "sha256": sha, "made_at": utc_now()})
    record["documents"] = sorted(documents, key=lambda d: str(d.get("name")))
    write(folder, record)
    return True


#: what ``published`` does not hash: evidence.json itself, and the manifest naming every file (pipelines/ownership.py)
UNHASHED = (EVIDENCE_FILE, ".privacy-review-quarter")


def record_published(folder: Path) -> bool:
    """Record every file of the quarter ``folder`` (but :data:`UNHASHED`, and an editor's traces, which the run did
    not write: pipelines/ownership.py) in its evidence.json's ``published``: name -> bytes and SHA-256, so ``verify``
    finds any byte changed, a file removed or one added (docs/operations.md, "Verifying a report"). False when the
    folder holds no evidence.json."""
    from pipelines.ownership import own_files

    record = read(folder)
    if record is None:
        return False
    published = {}
    for name in own_files(Path(folder)):
        if name not in UNHASHED:
            size, sha = sha256_file(Path(folder) / name)
            published[name] = {"bytes": size, "sha256": sha}
    record["published"] = published
    write(folder, record)
    return True


def edited_since_published(folder: Path) -> list[str]:
    """The files of the published quarter ``folder`` whose bytes differ from the SHA-256 its evidence.json recorded
    when they were published: someone edited them since (a notebook opened and saved in JupyterLab). A re-run never
    replaces them, not even with ``--force`` (docs/operations.md, "Safe by construction"). Empty for a quarter
    published before ``published`` was recorded."""
    try:
        record = read(folder)
    except (OSError, ValueError):
        return []
    published = record.get("published") if isinstance(record, dict) else None
    if not isinstance(published, dict):
        return []
    edited = []
    for name, recorded in sorted(published.items()):
        path = Path(folder) / name
        if not isinstance(recorded, dict) or not path.is_file() or path.is_symlink():
            continue  # a file gone or replaced by another kind is not an edit kept here (the manifest check sees it)
        try:
            if sha256_file(path)[1] != recorded.get("sha256"):
                edited.append(name)
        except BadInput:
            continue
    return edited


def seal(folder: Path) -> str | None:
    """The SHA-256 of ``folder/evidence.json``: the quarter's seal, logged by the run where the published folder's
    writer cannot change it (``verify --seal``); None without the file."""
    path = Path(folder) / EVIDENCE_FILE
    return sha256_file(path)[1] if path.is_file() else None


def finish(folder: Path) -> None:
    """Stamp ``run.ended_at`` into ``folder/evidence.json`` (if there is one): called just before publishing."""
    evidence = read(folder)
    if evidence is None:
        return
    evidence.setdefault("run", {})["ended_at"] = utc_now()
    write(folder, evidence)


def read(folder: Path | str | None) -> dict | None:
    """``folder/evidence.json``, or ``None`` (a report published before evidence was recorded)."""
    if folder is None or not str(folder):
        return None
    path = Path(folder) / EVIDENCE_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def exports_fingerprint(evidence: dict | None) -> str | None:
    """The exports a run read, as one hash: the SHA-256 of its files' ``name sha256`` lines, sorted by name
    and joined by newlines (``None`` when the record names no file). The same exports give the same
    fingerprint; the index page shows its first :data:`SHORT` digits per quarter and a run that replaces
    a quarter computed from other exports says so (docs/operations.md, "Evidence")."""
    lines = sorted(f"{name} {sha}" for name, sha in export_hashes(evidence).items())
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest() if lines else None


def export_hashes(evidence: dict | None) -> dict[str, str]:
    """``{file name: sha256}`` of every export file an evidence record names (none for a malformed one)."""
    exports = evidence.get("exports") if isinstance(evidence, dict) else None
    tables = exports.values() if isinstance(exports, dict) else ()
    files = [f for t in tables if isinstance(t, dict) for f in t.get("files") or [] if isinstance(f, dict)]
    return {str(f.get("name")): str(f.get("sha256")) for f in files}


def _started(evidence: dict) -> str:
    run = evidence.get("run")
    return str(run.get("started_at") or "an unknown date") if isinstance(run, dict) else "an unknown date"


def replaced_from_other_exports(published: Path, evidence: dict) -> str | None:
    """A warning when ``published`` (the quarter a run is about to replace) was computed from other exports
    than ``evidence``'s: both runs' start times and the files that differ; ``None`` when nothing is published
    there, its evidence is missing or unreadable, or the exports are the same (docs/operations.md, "Evidence")."""
    try:
        before = read(published)
    except (OSError, ValueError):
        return None
    then, now = exports_fingerprint(before), exports_fingerprint(evidence)
    if then is None or now is None or then == now:
        return None
    old, new = export_hashes(before), export_hashes(evidence)
    differing = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
    return (
        f"{published} was computed by the run of {_started(before)} from other exports (exports {short(then)}); "
        f"this run of {_started(evidence)} reads exports {short(now)} and replaces it: the exports differ "
        f"({', '.join(differing)})"
    )


def short(sha: str | None) -> str:
    """The first :data:`SHORT` hex digits of a hash, as the report shows it."""
    return (sha or "")[:SHORT]
