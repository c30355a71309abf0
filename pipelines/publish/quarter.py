"""Publishing one quarter: the stages after the figures, in order, and nothing else.

docs/design.md, "Publishing". ``OUT/<Q>/`` is built in a staging folder beside it
(:mod:`pipelines.publish.swap`): the results, ``evidence.json``, the report (when asked
for), the quarter's manifest; then the run's end is stamped, the privacy scan reads
every byte (:mod:`pipelines.publish.scan`), and only then is the folder swapped into
place and the index rebuilt. Whatever fails, the published quarter is untouched and the
staging folder is gone; a failed notebook is kept in ``OUT/<Q>/failed/`` when it passes
the scan itself, and deleted when it does not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pipelines import evidence, ownership
from pipelines.errors import PipelineFailure
from pipelines.publish.scan import Scan
from pipelines.publish.swap import drop_failed, keep_failed, publish, staged
from pipelines.report.build import render_report
from pipelines.report.index import REPORT_HTML, build_index
from pipelines.results import Results, write_results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportRequest:
    """What the report's notebooks are run with (docs/report.md): the language, the policy file, and the
    database and exports a notebook may open while it runs (none of them is published)."""

    language: str = "en"
    policy_path: Path | None = None
    db: Path | None = None
    data_dir: Path | None = None
    notebooks_dir: Path | None = None
    jobs: int | None = None


def publish_quarter(results: Results, out_dir: Path, *, scan: Scan, record: dict | None = None,
                    report: ReportRequest | None = None) -> Path:
    """Publish ``results`` as ``out_dir/<period>/`` (module docstring); returns that folder.

    ``record``: the run's ``evidence.json``; ``report``: render the notebooks and the HTML, else
    the results only (``--no-report``).
    """
    out_dir = Path(out_dir).resolve()
    period = str(results.summary.get("period") or "")
    if not period:
        raise PipelineFailure("the results name no period")
    final = out_dir / period
    with staged(final) as folder:
        write_results(results, folder)
        if record is not None:
            evidence.write(folder, record)
        if report is not None:
            render(folder, final, results, report, scan)
        ownership.mark_quarter(folder)
        evidence.finish(folder)  # the run's end, stamped into the very bytes scanned and published
        scan.check(folder)
    publish(folder, final)
    if report is not None:
        build_index(out_dir, language=report.language)
        log.info("published %s", final / REPORT_HTML)
    else:
        log.info("published %s (no report)", final)
    return final


def render(folder: Path, final: Path, results: Results, report: ReportRequest, scan: Scan) -> None:
    """The report into the staging ``folder``; a failed notebook kept beside the published quarter, if it is safe."""
    # deferred: papermill loads only when notebooks run (a --no-report run never needs it)
    from pipelines.report.execute import NotebookFailed

    try:
        render_report(folder, quarter=str(results.summary["period"]), as_of=str(results.summary.get("as_of") or ""),
                      language=report.language,
                      policy_path=report.policy_path, db=report.db, data_dir=report.data_dir,
                      notebooks_dir=report.notebooks_dir, jobs=report.jobs)
    except NotebookFailed as failed:
        kept = keep_failed(folder, final)
        if failed.executed is not None:
            failed.executed = kept / Path(failed.executed).relative_to(folder)
        try:
            scan.check(kept)  # the kept notebooks lie under the published folder: no personal data there either
        except PipelineFailure as leak:
            drop_failed(final)
            log.error("the failed run's notebooks were deleted, not kept: %s", leak)
            failed.executed = None
        raise
