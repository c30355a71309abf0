"""Wiring for ``privacy-review run`` and ``load``: open the review, compute, track, record, publish.

What a run guarantees when it fails or is killed, where the database lives,
the locks and the privacy scan are described in docs/operations.md.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from pipelines import (
    evidence,
    locking,
    ownership,
    paths,
    records,
    remediation,
    rerun,
    session,
)
from pipelines.contract import SYNTHETIC_MARKER, is_synthetic_export
from pipelines.engines import DUCKDB, open_engine
from pipelines.errors import PipelineFailure
from pipelines.exceptions import warn_invalid
from pipelines.load import LoadReport
from pipelines.policy import load_policy
from pipelines.publish.quarter import (
    ReportRequest,
    add_pdf,
    check_printable,
    publish_quarter,
)
from pipelines.publish.scan import Scan
from pipelines.report import commands as published_commands
from pipelines.report.editions import recorded_languages
from pipelines.results import compute_with_previous
from pipelines.session import NO_OUTPUT, REPORTS, Review, ReviewOptions, open_review

log = logging.getLogger(__name__)

#: the database file of versions before 0.2, inside the published folder
LEGACY_DATABASE = "privacy-review.duckdb"



#: the options of a run: the review session's (pipelines/session.py), one options type for every command
RunOptions = ReviewOptions


def run(options: RunOptions) -> Path:
    """Run the quarterly review end to end; return the published quarter's folder.

    The stages in order: open the review (pipelines/session.py: checks, locks, load, period), compute the
    figures and the findings, track the records behind them, record the evidence, then publish
    (pipelines/publish/quarter.py: results, report, scan, swap, index).
    """
    given = options  # as typed: the published commands print its relative paths (pipelines/report/commands.py)
    options = replace(options, out_kind=REPORTS, hash_exports=True)
    with open_review(options) as review:
        options = review.options
        if is_synthetic_export(options.data_dir):
            log.warning("%s is a synthetic sample (%s): the report shows made-up data and is not evidence",
                        options.data_dir, SYNTHETIC_MARKER)
        legacy = options.out_dir / LEGACY_DATABASE
        if legacy.exists():
            log.warning("%s is a database left by an older version inside the published folder; it holds "
                        "personal data: delete it (the database now lives at %s)", legacy, options.database)
        period, policy = review.period, review.policy
        final = options.out_dir / str(period.quarter)
        ownership.check_replaceable(final)  # before the work, not after it
        digest = rerun.inputs_digest(review)
        unchanged = None if options.force else rerun.unchanged_quarter(final, digest)
        if unchanged is not None and options.report and not (options.out_dir / ownership.INDEX_FILE).is_file():
            unchanged = None  # the index that lists it is gone: publish again, which rebuilds it
        if unchanged is not None:  # docs/operations.md, "An unchanged re-run"
            log.info("%s is unchanged: published at %s from the same exports, policy, parameters and version; "
                     "nothing recomputed (--force to compute it again)", final, unchanged["run"].get("ended_at"))
            return final
        log.info("reviewing %s as of %s under %s", period.quarter, period.as_of, policy.label)
        results = compute_with_previous(review.con, period, policy)  # the figures, then the findings
        warn_invalid(results.tables.get("exceptions_invalid"), review.register)  # they exempt nothing
        # the records behind each finding (the worklist's rows), compared with the history's latest earlier quarter
        tracked = track(review, results.summary)
        results.summary["remediation"] = tracked.summary
        review.close_connection()
        record = evidence_record(review, tracked, digest, commands=team_commands(given, review))
        replacing = evidence.replaced_from_other_exports(final, record)
        if replacing:  # a published quarter computed from other exports (docs/operations.md, "Evidence")
            log.warning("%s", replacing)
        dropped = dropped_languages(final, review.languages if options.report else ())
        if dropped:  # never silent (docs/report.md, "Languages")
            log.warning("%s: replacing it drops its report in %s (published by an earlier run); run without "
                        "--language to publish every language of the policy", final, ", ".join(dropped))
        published = publish_quarter(results, options.out_dir, scan=run_scan(review), record=record,
                                    report=report_request(options, review.languages))
        review.history.record(tracked.current)  # only a published quarter is recorded
        return published


def dropped_languages(final: Path, languages: tuple[str, ...]) -> list[str]:
    """The languages of the published quarter ``final``'s report that a run in ``languages`` will not publish again,
    and the main one when it changes (its ``quarterly-review.html`` will be in another language)."""
    before = recorded_languages(final) if final.is_dir() else ()
    dropped = [lang for lang in before if lang not in languages]
    if before and languages and before[0] != languages[0] and before[0] not in dropped:
        dropped.append(f"{before[0]} as its main report (quarterly-review.html is now in {languages[0]})")
    return dropped


def report_request(options: RunOptions, languages: tuple[str, ...]) -> ReportRequest | None:
    """How the report is rendered (None with ``--no-report``); a Spark run's notebooks get no database."""
    if not options.report:
        return None
    return ReportRequest(language=languages[0], languages=languages[1:], policy_path=options.policy_path,
                         data_dir=options.data_dir,
                         db=options.database if options.engine == DUCKDB else None, pdf=options.prints_pdf)


def pdf(report_dir: Path, *, db: Path | None = None, policy_path: Path | None = None) -> list[Path]:
    """``privacy-review pdf``: the PDF of an already published quarter (pipelines/publish/quarter.py, ``add_pdf``),
    under the reports folder's lock, scanned as a run scans: the database's ids (``--db``, default as for ``run``),
    the policy's contacts allowed, the local paths of this machine refused. Returns the PDF's path."""
    final = check_printable(paths.absolute(report_dir))  # before the lock: nothing written beside a stranger's folder
    policy = load_policy(policy_path)  # a missing or invalid policy: exit 2
    database = paths.absolute(db) or paths.default_database()
    if not database.is_file():
        log.warning("%s does not exist: the PDF is scanned for e-mail and IP addresses and local paths, but not "
                    "for the exports' ids (give --db)", database)
    scan = Scan(database=database if database.is_file() else None, zone=policy.zone,
                allowed_addresses=tuple(policy.controller_contacts),
                local_paths=tuple(dict.fromkeys((final.parent, database, paths.state_dir(), Path.home(), Path.cwd()))))
    with locking.exclusive(locking.out_lock_path(final.parent), str(final.parent)):
        return add_pdf(final, scan=scan)


def run_scan(review: Review) -> Scan:
    """The privacy scan of this run: its database (or Spark's views), the policy's contacts, its own paths."""
    return Scan(database=review.options.database, zone=review.policy.zone, con=review.engine.scan_connection(),
                allowed_addresses=tuple(review.policy.controller_contacts), local_paths=local_paths(review.options))


def track(review: Review, summary: dict) -> remediation.Tracked:
    """This quarter's records behind the findings, keyed and compared with the history (docs/report.md,
    "Remediation"); the same rows as the worklist's (pipelines/records/), each count checked against its figure."""
    found = records.compute(review.con, review.period, review.policy, computed=summary, keys_only=True)
    wrong = records.mismatches(found, summary)
    if wrong:  # the records are the figures' rows by construction: a difference is a bug
        raise PipelineFailure("the records behind the findings differ from the figures: " + "; ".join(wrong))
    return remediation.track(found, review.period, review.history, con=review.con, policy=review.policy,
                             create_key=True)


def local_paths(options: RunOptions) -> tuple[Path, ...]:
    """This run's own paths, which no published file may name (docs/operations.md, "Privacy scan")."""
    found = [options.data_dir, options.out_dir, options.database, paths.state_dir(), options.home, Path.home(),
             Path.cwd()]
    found += [p for p in (options.policy_path, options.mapping_file, options.exceptions_file) if p is not None]
    return tuple(dict.fromkeys(Path(p) for p in found))


def team_commands(given: RunOptions, review: Review) -> dict:
    """The worklist and verify commands of this run, from its options as typed (docs/report.md, "For the privacy
    team"): evidence.json's ``run.commands``, which the report prints."""
    typed = {"--data": given.data_dir, "--db": given.db_path, "--policy": given.policy_path,
             "--exceptions": given.exceptions_file, "--mapping": given.mapping_file, "--input-zone": given.input_zone}
    return published_commands.run_commands(quarter=review.period.quarter, as_of=review.period.as_of, given=typed,
                                 out_dir=given.out_dir, cwd=Path.cwd())


def evidence_record(review: Review, tracked: remediation.Tracked | None = None,
                    inputs_digest: str | None = None, *, commands: dict | None = None) -> dict:
    """The run's ``evidence.json`` (pipelines/evidence.py), once the figures are computed."""
    options, period = review.options, review.period
    hashes = review.hashing.result()
    run = {
        "quarter": str(period.quarter), "as_of": period.as_of.isoformat(), "requested_quarter": options.quarter,
        "input_zone": options.input_zone, "zone": review.policy.zone, "language": review.languages[0],
        "languages": list(review.languages) if options.report else [],
        "engine": options.engine, "report": options.report, "pdf": options.prints_pdf,
        "started_at": review.started_at, "ended_at": None,
        "inputs_digest": inputs_digest,
        **({"commands": commands} if commands is not None else {}),
    }
    return evidence.build(
        hashes=hashes, load_report=review.load, policy=review.policy, policy_path=options.policy_path,
        mapping=evidence.mapping_path(options.data_dir, options.mapping_file), run=run,
        exceptions=register_record(review), remediation=tracked.evidence if tracked is not None else None,
    )


def register_record(review: Review) -> dict | None:
    """evidence.json's ``exceptions``: the register's name, SHA-256 (of the bytes read) and rows; None without one."""
    register = review.register
    if register is None:
        return None
    return {"file": register.name, "sha256": register.sha256, "rows": register.rows.height}


def load(
    data_dir: Path, db: Path | None, *, mapping_file: Path | None = None, input_zone: str = "UTC", reload: bool = False,
) -> LoadReport:
    """``privacy-review load``: the same checks, database home, lock and loader as ``run`` (no period)."""
    options = ReviewOptions(data_dir=data_dir, db_path=db, mapping_file=mapping_file, input_zone=input_zone,
                            reload=reload, out_kind=NO_OUTPUT).resolved()
    session.check(options)
    policy = load_policy(options.policy_path)
    with session.locked(options):
        engine = open_engine(options.engine, zone=policy.zone)
        try:
            report = engine.load(options.data_dir, options.database, mapping_file=options.mapping_file,
                                 input_zone=options.input_zone, reload=options.reload)
        finally:
            engine.close()
    session.log_load(report)
    return report
