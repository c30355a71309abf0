"""An unchanged re-run: the published quarter stands, nothing is recomputed or re-rendered.

docs/operations.md, "An unchanged re-run". A run records in ``evidence.json`` (``run.inputs_digest``)
one SHA-256 over everything its published files depend on: the loaded database (its exports'
fingerprint and load time: the files' names, sizes and modification times, the column mapping, the
zones, the salt), the policy file, the register of exceptions, the resolved quarter and as_of, the
language, the report or not, its PDF or not (``--pdf``), the engine, the earlier quarters of the history of remediation, and the
code (the package's own files and the report's notebooks). A run whose digest equals the published
quarter's, with that quarter whole (every file of its manifest there), stops after the load check
and says so; ``--force`` computes and publishes again. Like the database's reuse, it trusts size and
modification time; ``privacy-review verify`` hashes the exports' bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pipelines
from pipelines import evidence, inputs, ownership
from pipelines.load import fingerprint
from pipelines.remediation import History
from pipelines.report.build import default_notebooks_dir
from pipelines.policy.documents import document_records
from pipelines.session import Review

log = logging.getLogger(__name__)

#: the package's files a published quarter depends on (code, SQL, policy, templates)
CODE_SUFFIXES = (".py", ".sql", ".toml", ".j2", ".tpl", ".css", ".json", ".ipynb", ".txt")


def inputs_digest(review: Review) -> str:
    """The SHA-256 of everything the run's published files depend on (module docstring)."""
    options, period = review.options, review.period
    settings = dict(review.con.execute(
        "SELECT name, value FROM settings WHERE name IN (?, 'loaded_at')", [fingerprint.SETTING]).fetchall())
    parts = {
        "database": settings,
        "policy": _file_digest(options.policy_path) if options.policy_path else "packaged",
        # the published policy texts the rules quote (a changed text may no longer hold a quote)
        "policy_documents": [d["sha256"] for d in document_records(review.policy)],
        "register": review.register.sha256 if review.register is not None else None,
        "period": [str(period.quarter), period.as_of.isoformat()],
        # --pdf is a parameter: a re-run that asks for a PDF the published quarter lacks (or for none where it
        # has one) publishes again (docs/operations.md, "An unchanged re-run")
        "parameters": [review.languages, options.report, options.engine, options.input_zone,
                       options.prints_pdf],
        "history": _history_digest(History(options.home), period.quarter),
        "code": code_digest(options.report),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def unchanged_quarter(final: Path, digest: str) -> dict | None:
    """The published quarter's ``evidence.json`` when it was made from the same inputs and is whole, else None."""
    record = evidence.read(final) if final.is_dir() else None
    if not record or record.get("run", {}).get("inputs_digest") != digest:
        return None
    manifest = ownership.quarter_manifest(final)
    if manifest is None or ownership.foreign_entries(final):
        return None
    if any(not (final / name).is_file() for name in manifest):
        return None
    return record


def code_digest(with_report: bool) -> str:
    """The package's own files (and, for a report, the notebooks it runs), by content."""
    roots = [Path(pipelines.__file__).parent]
    if with_report:
        roots.append(default_notebooks_dir())
    digest = hashlib.sha256(pipelines.__version__.encode())
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """The policy file's SHA-256, read through the one gate as the review read it (pipelines/inputs.py)."""
    return hashlib.sha256(inputs.read_bytes(Path(path), inputs.POLICY)).hexdigest()


def _history_digest(history: History, quarter) -> list:
    """The earlier quarters of the history a run compares with: their names, file sizes and times."""
    earlier = [q for q in history.quarters() if (q.year, q.number) < (quarter.year, quarter.number)]
    files = []
    for q in earlier:
        stat = history.path(q).stat()
        files.append([str(q), stat.st_size, stat.st_mtime_ns])
    return files
