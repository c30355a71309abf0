"""Writes the worklist: load (or reuse) the database, compute the records behind each finding, write them.

The rows come from :func:`pipelines.records.compute` (the same function the run keys into the
history of remediation), so a worklist file is exactly the set the run recorded. Beside the
records' own columns, each tracked file gains ``remediation`` (``new``, ``carried over since
2024Q2``, or ``no recorded earlier run``: docs/report.md, "Remediation"), and with a register of
exceptions ``exceptions.csv`` lists its rows as judged at as_of (docs/report.md, "Exceptions").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines import ownership, records, remediation, spreadsheet
from pipelines.errors import BadInput, PipelineFailure
from pipelines.exceptions import warn_invalid
from pipelines.private import private_folder, write_private
from pipelines.records import REGISTER, RecordList
from pipelines.session import WORKLIST, ReviewOptions, open_review

log = logging.getLogger(__name__)

#: file names that mark a folder as published reports (``run``'s --out): never a worklist's home
REPORT_MARKERS = ("index.html", "quarterly-review.html", "summary.json", "evidence.json")
#: a folder with this name is a reports folder (``run``'s default --out)
REPORTS_NAME = "reports"

#: one CSV of the worklist (pipelines/records/: its query, figure and needs); which files a review writes follows
#: from its policy file (records.lists_of)
WorklistFile = RecordList


def WorklistOptions(**options) -> ReviewOptions:
    """The review session's options for a worklist: its ``--out`` is a private folder, never published."""
    return ReviewOptions(out_kind=WORKLIST, **options)


@dataclass(frozen=True)
class Written:
    file: WorklistFile
    path: Path | None
    rows: int | None
    """The file's rows; ``None`` when its table was not exported (no file, the figure is null)."""


def reports_folder(out_dir: Path, default_reports: Path | None = None) -> Path | None:
    """The reports folder ``out_dir`` lies in (itself or an ancestor), else ``None``.

    Decided on the resolved path (``pub/2024Q3/../x`` is ``pub/x``) and first by the tool's own
    markers (:func:`pipelines.ownership.published_folder`: a reports folder or a published quarter,
    ``--no-report`` ones included); then, for folders made by hand or by older versions, ``run``'s
    default --out (``./reports``), any folder named ``reports``, or one holding a published report
    or index (:data:`REPORT_MARKERS`). What is there is published, e-mailed or put on an intranet
    (GDPR Recital 26: rows named by key are still personal data).
    """
    out_dir = Path(out_dir).resolve()
    marked = ownership.published_folder(out_dir)
    if marked is not None:
        return marked
    default_reports = (default_reports or Path(REPORTS_NAME)).resolve()
    for folder in (out_dir, *out_dir.parents):
        if folder == default_reports or folder.name.lower() == REPORTS_NAME:
            return folder
        if any((folder / marker).is_file() for marker in REPORT_MARKERS):
            return folder
    return None


def check_options(options: ReviewOptions) -> None:
    """What only a worklist's ``--out`` must satisfy (exit 2); the session checks the rest
    (docs/operations.md, "Safe by construction")."""
    found = reports_folder(options.out_dir)
    if found is not None:
        raise BadInput(
            f"--out {options.out_dir}: lies inside the reports folder {found}; the worklist holds personal data "
            "(the exports' own ids) and is never written where reports are published: choose a private folder"
        )


def check_own_files(out_dir: Path, files: tuple[RecordList, ...]) -> None:
    """The worklist replaces only files an earlier worklist wrote into ``out_dir`` (its marker lists them)."""
    ours = ownership.worklist_files(out_dir)
    for spec in files:
        path = out_dir / spec.name
        if (path.exists() or path.is_symlink()) and spec.name not in ours:
            raise BadInput(f"--out {out_dir}: holds {spec.name}, not written by privacy-review worklist; "
                           "move it away or choose another folder")


def worklist(options: ReviewOptions) -> list[Written]:
    """Write the worklist of ``options.quarter`` into ``options.out_dir``; the files and their row counts."""
    options = options.resolved()
    check_options(options)
    with open_review(options) as review:
        con, period, policy = review.con, review.period, review.policy
        check_own_files(options.out_dir, records.lists_of(policy))  # before any work: never over a file of someone's
        log.info("worklist of %s as of %s under %s", period.quarter, period.as_of, policy.label)
        found = records.compute(con, period, policy)
        listed = found.frames[records.EXCEPTIONS_LIST]
        warn_invalid(listed.filter(pl.col("status") == "invalid"), review.register)  # they exempt nothing
        # new or carried over since when, against the history's latest quarter before this one (read only)
        tracked = remediation.track(found, period, review.history, con=con, policy=policy, create_key=False,
                                     labels_wanted=True)
    return write_files(options.out_dir, found, tracked.labels)


def write_files(out_dir: Path, found: records.Records, labels: dict[str, list[str]] | None = None) -> list[Written]:
    """Each file whose figure is known, mode 0600; a row count that is not its figure is a bug (exit 1).
    ``labels``: per tracked list (by file name), each row's remediation (a ``remediation`` column)."""
    wrong = records.mismatches(found)
    if wrong:
        raise PipelineFailure("; ".join(wrong))
    if not out_dir.exists():
        private_folder(out_dir)  # 0700 whatever the umask (pipelines/private.py)
    log.warning("the worklist in %s holds personal data (the exports' own ids): keep it to the people who act on it, "
                "never publish or e-mail it, and delete it once done", out_dir)
    written = []
    for spec in found.lists:
        frame = found.rows(spec)
        if frame is None:  # an optional table not exported, or no register: nothing to list
            log.info("%s: not written, %s", spec.name,
                     "no register of exceptions was given" if spec.needs == REGISTER else f"{spec.needs} was not exported")
            stale = out_dir / spec.name
            if stale.exists() and spec.name in ownership.worklist_files(out_dir):  # an earlier worklist's
                stale.unlink()
            written.append(Written(spec, None, None))
            continue
        if labels is not None and spec.name in labels:
            frame = frame.with_columns(pl.Series("remediation", labels[spec.name], dtype=pl.String))
        path = out_dir / spec.name
        write_private_csv(frame, path)
        written.append(Written(spec, path, frame.height))
    ownership.mark_worklist(out_dir, [w.file.name for w in written if w.path is not None])
    return written


def write_private_csv(frame: pl.DataFrame, path: Path) -> None:
    """``frame`` as CSV at ``path``, created with mode 0600 (never wider, never chmod-ed after), safe to open
    in a spreadsheet (:func:`pipelines.spreadsheet.write_csv`: docs/operations.md, "CSV files and spreadsheets").

    Written under a new temporary name opened with ``O_EXCL`` and renamed over
    ``path``, so a file left by an earlier worklist (whatever its mode) is replaced.
    """
    # no cell a spreadsheet runs as a formula
    write_private(path, lambda handle: spreadsheet.write_csv(frame, handle))
