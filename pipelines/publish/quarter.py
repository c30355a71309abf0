"""Publishing one quarter: the stages after the figures, in order, and nothing else.

docs/design.md, "Publishing". ``OUT/<Q>/`` is built in a staging folder beside it
(:mod:`pipelines.publish.swap`): the results, ``evidence.json``, the report (when asked
for) and its PDF (when asked for), the quarter's manifest; then the run's end is stamped, the traces JupyterLab
left beside the published quarter are carried over (:func:`~pipelines.publish.swap.carry_traces`), the privacy
scan reads every byte, theirs too (:mod:`pipelines.publish.scan`), and only then is the folder swapped into
place and the index rebuilt. Whatever fails, the published quarter is untouched and the
staging folder is gone; a failed notebook is kept in ``OUT/<Q>/failed/`` when it passes
the scan itself, and deleted when it does not. :func:`add_pdf` (``privacy-review pdf``) gives a
published quarter its PDF through the same staging, scan and swap.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines import evidence, ownership
from pipelines.errors import BadInput, PipelineFailure
from pipelines.publish.scan import PersonalDataFound, Scan
from pipelines.publish.swap import (
    carry_traces,
    drop_failed,
    keep_failed,
    publish,
    staged,
)
from pipelines.report.build import render_report
from pipelines.report.editions import Edition, editions, published_editions
from pipelines.report.index import REPORT_HTML, build_index
from pipelines.report.pdf import find_chromium, write_pdf
from pipelines.results import Results, write_results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportRequest:
    """What the report's notebooks are run with (docs/report.md): the languages (one edition each, the first the
    main one: pipelines/report/editions.py), the policy file, and the database and exports a notebook may open
    while it runs (none of them is published)."""

    language: str = "en"
    """The main edition's language; ``languages`` adds the others."""
    languages: tuple[str, ...] = ()
    policy_path: Path | None = None
    db: Path | None = None
    data_dir: Path | None = None
    notebooks_dir: Path | None = None
    jobs: int | None = None
    pdf: bool = False
    """Print each edition's HTML to its PDF too (``run --pdf``; docs/report.md, "PDF")."""

    @property
    def editions(self) -> tuple[Edition, ...]:
        return editions((self.language, *self.languages))


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
    if report is not None and report.pdf:
        find_chromium()  # no Chromium: exit 2 before any work
    with staged(final) as folder:
        write_results(results, folder)
        if record is not None:
            evidence.write(folder, record)
        if report is not None:
            for edition in report.editions:  # every language reads the same results and findings
                render(folder, final, results, report, scan, edition)
                if report.pdf:
                    print_pdf(folder, edition)
        evidence.record_published(folder)  # every published byte, for verify (docs/operations.md)
        ownership.mark_quarter(folder)
        evidence.finish(folder)  # the run's end, stamped into the very bytes scanned and published
        scan_with_traces(scan, folder, final, carry_traces(final, folder))
        sealed = evidence.seal(folder)
    publish(folder, final)
    if sealed:
        log.info("sealed %s: SHA-256 of its evidence.json %s (keep it: `privacy-review verify %s --seal ...`)",
                 final.name, sealed, final.name)
    if report is not None:
        build_index(out_dir, languages=tuple(e.language for e in report.editions))
        log.info("published %s", ", ".join(str(final / e.html) for e in report.editions))
    else:
        log.info("published %s (no report)", final)
    return final


def scan_with_traces(scan: Scan, folder: Path, final: Path, traces: list[str]) -> None:
    """The privacy scan of the staging ``folder`` of ``final``, the editor's traces carried over into it
    (``traces``) included.

    docs/operations.md, "Safe by construction": a trace carried into a published quarter is published by this
    run, so it is scanned like every file; one holding personal data stops the run (exit 1), the published
    quarter and the trace left as they are, and the message says to move it away.
    """
    if traces:
        log.info("carried over %d editor trace(s) JupyterLab left in %s (not in its manifest; scanned): %s%s",
                 len(traces), final, ", ".join(traces[:3]), ", ..." if len(traces) > 3 else "")
    try:
        scan.check(folder)
    except PersonalDataFound as leak:
        traced = sorted({f.file for f in leak.findings} & set(traces))
        if not traced:
            raise
        raise PersonalDataFound(leak.findings, advice=f"{traced[0]} is an editor's copy (JupyterLab) of a file of "
                                "the published quarter, carried over: move it out of the quarter's folder "
                                "(the published quarter is unchanged)") from None


def print_pdf(folder: Path, edition: Edition) -> Path:
    """An edition's PDF in the staging ``folder``, hashed into its evidence.json; before the manifest and the scan."""
    pdf = write_pdf(folder / edition.html, folder / edition.pdf)
    if not evidence.record_document(folder, edition.pdf):
        log.warning("%s holds no %s: the PDF's SHA-256 is not recorded", folder.name, evidence.EVIDENCE_FILE)
    return pdf


def add_pdf(final: Path, *, scan: Scan) -> list[Path]:
    """``privacy-review pdf``: give the published quarter ``final`` a PDF of each edition; return their paths.

    Only a quarter the tool published (its manifest) with an HTML report; a ``quarterly-review.pdf``
    there that the tool did not write, or any other file it did not write, is refused (exit 2). The
    quarter is copied into a staging folder, the PDFs printed and hashed into evidence.json, the
    manifest rewritten and every file scanned; then the folder is swapped in, as a run publishes.
    """
    final = check_printable(final)
    found = published_editions(final)
    find_chromium()  # no Chromium: exit 2 before any work
    with staged(final) as folder:  # refuses a quarter holding a file the tool did not write (exit 2)
        shutil.copytree(final, folder, symlinks=True, dirs_exist_ok=True)  # an editor's traces too
        for edition in found:
            print_pdf(folder, edition)
        evidence.record_published(folder)
        ownership.mark_quarter(folder)
        scan_with_traces(scan, folder, final, ownership.editor_traces(folder))
        sealed = evidence.seal(folder)
    publish(folder, final)
    if sealed:
        log.info("sealed %s anew: SHA-256 of its evidence.json %s", final.name, sealed)
    printed = [final / e.pdf for e in found]
    log.info("published %s", ", ".join(map(str, printed)))
    return printed


def check_printable(final: Path) -> Path:
    """``final`` (resolved) when it is a quarter the tool published with an HTML report and no PDF it did
    not write (exit 2 otherwise, one line)."""
    final = Path(final).resolve()
    manifest = ownership.quarter_manifest(final) if final.is_dir() and not final.is_symlink() else None
    if manifest is None:
        raise BadInput(f"{final}: not a quarter published by privacy-review (no {ownership.QUARTER_MARKER} "
                       "manifest); give a folder `privacy-review run` wrote, e.g. reports/2024Q3")
    for edition in published_editions(final):
        pdf = final / edition.pdf
        if (pdf.exists() or pdf.is_symlink()) and edition.pdf not in manifest:
            raise BadInput(f"{pdf}: will not replace it, privacy-review did not write it; move it away first")
    if not (final / REPORT_HTML).is_file() or REPORT_HTML not in manifest:
        raise BadInput(f"{final}: holds no {REPORT_HTML} to print (published with --no-report?); run the "
                       "quarter again without --no-report")
    return final


def render(folder: Path, final: Path, results: Results, report: ReportRequest, scan: Scan, edition: Edition) -> None:
    """One edition of the report into the staging ``folder``; a failed notebook kept beside the published quarter,
    if it is safe."""
    # deferred: papermill loads only when notebooks run (a --no-report run never needs it)
    from pipelines.report.execute import NotebookFailed

    try:
        render_report(folder, quarter=str(results.summary["period"]), as_of=str(results.summary.get("as_of") or ""),
                      language=edition.language, edition=edition, beside=report.editions,
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
