"""Writes the worklist: load (or reuse) the database, compute the figures, write each category's rows.

The figures come from the families' own ``compute`` (the same code as ``run``); their
SQL leaves the metric models (``retention_breach_rows``, ``account_deadlines``,
``retention_withdrawn_consent_rows``, ``rights_evaluated``) in the connection as TEMP
tables (:func:`pipelines.db.query_all`), which the worklist's queries read by name.
``retention_breach_rows`` is built once more with ``$row_ids`` true, so that it names
each row's own id (the report's runs leave those ids out: reading them costs time).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines import db as dbmod
from pipelines import ownership, spreadsheet
from pipelines.errors import BadInput, PipelineFailure
from pipelines.findings import WORKLISTS
from pipelines.metrics import retention, rights, support
from pipelines.metrics.params import sql_params
from pipelines.session import WORKLIST, ReviewOptions, open_review

log = logging.getLogger(__name__)

SQL_PACKAGE = "pipelines.worklist"
#: the metric models the worklist's queries read; each must exist once the families computed
MODELS = (
    "retention_breach_rows", "account_deadlines", "retention_withdrawn_consent_rows", "support_evaluated",
    "rights_evaluated",
)
#: file names that mark a folder as published reports (``run``'s --out): never a worklist's home
REPORT_MARKERS = ("index.html", "quarterly-review.html", "summary.json", "evidence.json")
#: a folder with this name is a reports folder (``run``'s default --out)
REPORTS_NAME = "reports"


@dataclass(frozen=True)
class WorklistFile:
    """One CSV of the worklist: its query, the summary.json figure its row count equals, the table it needs."""

    name: str
    query: str
    figure: str
    needs: str | None = None  # an optional export table; not exported -> no file, the figure is null


FILES = (
    WorklistFile(WORKLISTS["account_erasure"], "worklist_accounts", "retention.breaches.account"),
    WorklistFile(WORKLISTS["logs_retention"], "worklist_logs", "retention.breaches.logs"),
    WorklistFile(WORKLISTS["support_data_retention"], "worklist_support", "retention.breaches.support"),
    WorklistFile(WORKLISTS["marketing_retention"], "worklist_marketing", "retention.breaches.marketing",
                 "marketing_contacts"),
    WorklistFile(WORKLISTS["analytics_retention"], "worklist_analytics", "retention.breaches.analytics", "web_visits"),
    WorklistFile(WORKLISTS["erased_account_leftovers"], "worklist_residual", "retention.breaches.residual"),
    WorklistFile(WORKLISTS["payments_retention"], "worklist_payments", "retention.breaches.payments", "payments"),
    WorklistFile(WORKLISTS["withdrawn_consent"], "worklist_withdrawn_consent", "retention.withdrawn_consent_contacted",
                 "marketing_contacts"),
    WorklistFile(WORKLISTS["inquiries_answered"], "worklist_inquiries", "support.past_response_standard"),
    WorklistFile(WORKLISTS["rights_on_time"], "worklist_rights_overdue", "rights.open_overdue"),
)


def WorklistOptions(**options) -> ReviewOptions:  # noqa: N802 - reads as the options type it makes
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
    check_own_files(options.out_dir)


def check_own_files(out_dir: Path) -> None:
    """The worklist replaces only files an earlier worklist wrote into ``out_dir`` (its marker lists them)."""
    ours = ownership.worklist_files(out_dir)
    for spec in FILES:
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
        log.info("worklist of %s as of %s under %s", period.quarter, period.as_of, policy.label)
        figures = {"retention": retention.compute(con, period, policy).summary,
                   "support": support.compute(con, period, policy).summary,
                   "rights": rights.compute(con, period, policy).summary}
        params = {**sql_params(con, period, policy), "row_ids": True}
        # the figures' breach rows again, now naming each row's own id (the report leaves them out)
        dbmod.query_all(con, ["retention_by_category"], **params)
        # the support model again for this quarter (support.compute last built it for the one before)
        support.install_response_calendar(con, period, policy)
        dbmod.query_all(con, ["support_summary"], **params)  # rebuilds the model it reads
        missing = [m for m in MODELS if not dbmod.table_exists(con, m)]
        if missing:
            raise PipelineFailure(f"the metric models {', '.join(missing)} were not built; the worklist reads them")
        frames = dbmod.query_all(con, [f.query for f in FILES], package=SQL_PACKAGE, **params)
    return write_files(options.out_dir, frames, figures)


def figure(figures: dict, name: str):
    node = figures
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def write_files(out_dir: Path, frames: dict[str, pl.DataFrame], figures: dict) -> list[Written]:
    """Each file whose figure is known, mode 0600; a row count that is not its figure is a bug (exit 1)."""
    if not out_dir.exists():
        out_dir.mkdir(parents=True, mode=0o700)
    log.warning("the worklist in %s holds personal data (the exports' own ids): keep it to the people who act on it, "
                "never publish or e-mail it, and delete it once done", out_dir)
    written = []
    for spec in FILES:
        expected = figure(figures, spec.figure)
        if expected is None:  # an optional table not exported: nothing to list
            log.info("%s: not written, %s was not exported", spec.name, spec.needs)
            stale = out_dir / spec.name
            if stale.exists() and spec.name in ownership.worklist_files(out_dir):  # an earlier worklist's
                stale.unlink()
            written.append(Written(spec, None, None))
            continue
        frame = frames[spec.query]
        if frame.height != expected:
            raise PipelineFailure(f"{spec.name}: {frame.height} rows, but {spec.figure} is {expected}")
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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            spreadsheet.write_csv(frame, handle)  # no cell a spreadsheet runs as a formula
        os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
