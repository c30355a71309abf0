"""Wiring for ``privacy-review run`` and ``load``: check, lock, load, pick the period, compute, write, scan, publish.

What a run guarantees when it fails or is killed, where the database lives,
the locks and the privacy scan are described in docs/operations.md.
"""

from __future__ import annotations

import logging
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from pipelines import db as dbmod
from pipelines import evidence, locking, ownership, paths, privacy_scan
from pipelines.contract import is_synthetic_export
from pipelines.dates import Quarter
from pipelines.errors import BadInput
from pipelines.load import LoadReport, load_exports
from pipelines.metrics import Period
from pipelines.policy import load_policy
from pipelines.publish import publish, staging_dir
from pipelines.report.build import build_and_publish
from pipelines.report.index import INDEX_FILE, is_own_index
from pipelines.results import (
    compute_with_previous,
    newest_data_date,
    oldest_data_date,
    resolve_period,
    write_results,
)

log = logging.getLogger(__name__)

#: the database file of versions before 0.2, inside the published folder
LEGACY_DATABASE = "privacy-review.duckdb"

#: the engines of ``--engine``; Spark's working directory under the database home
DUCKDB, SPARK = "duckdb", "spark"
SPARK_WORK_DIR = "spark"


@dataclass(frozen=True)
class RunOptions:
    data_dir: Path
    out_dir: Path
    quarter: str = "latest"
    as_of: date | None = None
    policy_path: Path | None = None
    db_path: Path | None = None
    mapping_file: Path | None = None
    input_zone: str = "UTC"
    language: str = "en"
    report: bool = True
    today: date | None = None
    reload: bool = False
    """Load even when the database was loaded from the same exports (docs/operations.md, "Re-using the database")."""
    engine: str = DUCKDB
    """``duckdb`` or ``spark`` (README, "Running on Spark"): the same SQL files, the same figures."""
    spark_master: str | None = None
    """Spark's master URL (default ``local[*]``); only with ``engine="spark"``."""
    spark_conf: tuple[str, ...] = ()
    """``key=value`` Spark settings, as spark-submit's ``--conf``; only with ``engine="spark"``."""

    @property
    def database(self) -> Path:
        """``--db``, else the default home (docs/operations.md, "Where the database lives").

        On Spark, the working directory of Parquet tables (default ``<home>/spark``).
        """
        if self.engine == SPARK:
            return self.db_path or paths.state_dir() / SPARK_WORK_DIR
        return self.db_path or paths.default_database()

    def resolved(self) -> RunOptions:
        """The same options with every path absolute, fixed once before anything runs."""
        return replace(
            self,
            data_dir=paths.absolute(self.data_dir),
            out_dir=paths.absolute(self.out_dir),
            policy_path=paths.absolute(self.policy_path),
            db_path=paths.absolute(self.database),
            mapping_file=paths.absolute(self.mapping_file),
        )


def check_parameters(options: RunOptions) -> None:
    """Everything that can be refused before a long load (exit code 2); ``options`` are resolved.

    docs/operations.md, "Safe by construction" and "Bad parameters": every parameter and
    environment variable is checked here, once, before anything is written.
    """
    paths.check_environment()
    check_exports_dir(options.data_dir)
    quarter = paths.quarter_text(options.quarter)
    paths.day(options.as_of)
    paths.zone(options.input_zone)
    if quarter != "latest" and options.as_of is not None and options.as_of < Quarter.parse(quarter).start:
        raise BadInput(f"--as-of {options.as_of} is before the start of {quarter} ({Quarter.parse(quarter).start})")
    paths.check_writable_folder(options.out_dir, "--out")
    paths.check_separate(data=options.data_dir, out=options.out_dir, db=options.database)
    if options.engine == SPARK:
        paths.check_writable_folder(options.database, "--db")
    else:
        paths.check_database_file(options.database)
    check_own_index(options.out_dir)
    if quarter != "latest":
        ownership.check_replaceable(options.out_dir / quarter)


def check_exports_dir(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise BadInput(f"--data {data_dir}: export directory not found")


def check_own_index(out_dir: Path) -> None:
    """``OUT/index.html`` is rebuilt by every run: refuse an ``--out`` whose index.html the tool did not write."""
    index = out_dir / INDEX_FILE
    if (index.exists() or index.is_symlink()) and not is_own_index(index):
        raise BadInput(f"--out {out_dir}: holds an {INDEX_FILE} that privacy-review did not write; "
                       "choose another --out (the tool never overwrites a file it did not create)")


def check_coverage(con, period: Period) -> None:
    """Refuse a quarter that lies wholly outside the exports' dates (docs/operations.md, "Exit codes").

    Without data every promise would read as kept; the report would be evidence of nothing.
    """
    first, last = oldest_data_date(con), newest_data_date(con)
    if first is None or last is None:
        raise BadInput(f"{period.quarter}: the exports hold no dated rows, so there is nothing to review")
    if period.as_of < first or period.quarter.start > last:
        raise BadInput(
            f"{period.quarter} (as of {period.as_of}) lies outside the exports' dates, "
            f"{first} to {last}: nothing to review; choose a quarter within them"
        )


def run(options: RunOptions) -> Path:
    """Run the quarterly review end to end; return the published report directory."""
    options = options.resolved()
    check_parameters(options)
    policy = load_policy(options.policy_path)
    if is_synthetic_export(options.data_dir):
        log.warning("%s is a synthetic sample (%s): the report shows made-up data and is not evidence",
                    options.data_dir, "SYNTHETIC-SAMPLE.txt")
    legacy = options.out_dir / LEGACY_DATABASE
    if legacy.exists():
        log.warning("%s is a database left by an older version inside the published folder; it holds "
                    "personal data: delete it (the database now lives at %s)", legacy, options.database)
    paths.prepare_database_dir(options.database)
    with ExitStack() as locks:
        # always the output first, then the database: two runs never wait on each other in a circle
        locks.enter_context(locking.exclusive(locking.out_lock_path(options.out_dir), f"--out {options.out_dir}"))
        locks.enter_context(locking.exclusive(locking.db_lock_path(options.database), f"--db {options.database}"))
        ownership.mark_reports(options.out_dir)
        locking.clean_output_leftovers(options.out_dir)
        locking.clean_database_leftovers(options.database)
        engine = locks.enter_context(_spark_review(options, policy)) if options.engine == SPARK else None
        return _run_locked(options, policy, engine)


@contextmanager
def _spark_review(options: RunOptions, policy):
    """The run's Spark session and working directory (pipelines/spark/engine.py), closed at the end."""
    from pipelines.spark.engine import SparkReview
    from pipelines.spark.session import parse_conf

    review = SparkReview(options.spark_master, parse_conf(list(options.spark_conf)), zone=policy.zone)
    try:
        yield review
    finally:
        review.close()


def _run_locked(options: RunOptions, policy, engine=None) -> Path:
    # the exports' SHA-256 for evidence.json, read in a thread while they load (docs/operations.md, "Evidence")
    started_at, hashing = evidence.utc_now(), evidence.Hashing(options.data_dir)
    log.info("loading exports from %s into %s", options.data_dir, options.database)
    if engine is not None:  # Spark: the same loading rules and SQL files (docs/design.md, "Spark engine")
        report = engine.load(options.data_dir, options.database, mapping_file=options.mapping_file,
                             input_zone=options.input_zone, reload=options.reload)
    else:
        report = load_exports(
            options.data_dir, options.database, mapping_file=options.mapping_file,
            input_zone=options.input_zone, zone=policy.zone, reload=options.reload,
        )
    _log_load(report)
    con = engine.connect(options.database) if engine is not None else dbmod.connect(
        options.database, read_only=True, zone=policy.zone)
    try:
        period = resolve_period(con, options.quarter, options.as_of, options.today or date.today())
        check_coverage(con, period)
        ownership.check_replaceable(options.out_dir / str(period.quarter))  # before the work, not after it
        log.info("reviewing %s as of %s under %s", period.quarter, period.as_of, policy.label)
        results = compute_with_previous(con, period, policy)
    finally:
        con.close()
    record = _evidence(options, policy, report, period, started_at, hashing)

    def scan(folder: Path) -> None:
        evidence.finish(folder)  # the run's end, stamped into the very bytes scanned and published
        privacy_scan.check(
            folder, options.database, zone=policy.zone, con=engine.con if engine is not None else None,
            allowed_addresses=policy.controller_contacts, local_paths=local_paths(options),
        )

    if not options.report:
        final_dir = options.out_dir / str(period.quarter)
        staging = staging_dir(final_dir)
        try:
            write_results(results, staging)
            evidence.write(staging, record)
            ownership.mark_quarter(staging)
            scan(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, final_dir)
        log.info("published %s (no report)", final_dir)
        return final_dir
    html = build_and_publish(
        results, options.out_dir, db=options.database if engine is None else None, data_dir=options.data_dir,
        as_of=period.as_of.isoformat(), policy_path=options.policy_path or "", language=options.language,
        check=scan, prepare=lambda folder: evidence.write(folder, record),
    )
    log.info("published %s", html)
    return html.parent


def local_paths(options: RunOptions) -> tuple[Path, ...]:
    """This run's own paths, which no published file may name (docs/operations.md, "Privacy scan")."""
    found = [options.data_dir, options.out_dir, options.database, paths.state_dir(), Path.home(), Path.cwd()]
    found += [p for p in (options.policy_path, options.mapping_file) if p is not None]
    return tuple(dict.fromkeys(Path(p) for p in found))


def _evidence(options: RunOptions, policy, report: LoadReport, period: Period, started_at: str,
              hashing: evidence.Hashing) -> dict:
    """The run's ``evidence.json`` (pipelines/evidence.py), once the figures are computed."""
    try:
        hashes = hashing.result()
    finally:
        hashing.stop()
    run = {
        "quarter": str(period.quarter), "as_of": period.as_of.isoformat(), "requested_quarter": options.quarter,
        "input_zone": options.input_zone, "zone": policy.zone, "language": options.language,
        "engine": getattr(options, "engine", None) or "duckdb", "report": options.report,
        "started_at": started_at, "ended_at": None,
    }
    return evidence.build(
        hashes=hashes, load_report=report, policy=policy, policy_path=options.policy_path,
        mapping=evidence.mapping_path(options.data_dir, options.mapping_file), run=run,
    )


def load(
    data_dir: Path, db: Path | None, *, mapping_file: Path | None = None, input_zone: str = "UTC", reload: bool = False,
) -> LoadReport:
    """``privacy-review load``: the same paths, database home and lock as ``run``."""
    data_dir, db = paths.absolute(data_dir), paths.absolute(db) or paths.default_database()
    mapping_file = paths.absolute(mapping_file)
    paths.check_environment()
    paths.zone(input_zone)
    check_exports_dir(data_dir)
    paths.check_separate(data=data_dir, db=db)
    paths.check_database_file(db)
    paths.prepare_database_dir(db)
    with locking.exclusive(locking.db_lock_path(db), f"--db {db}"):
        locking.clean_database_leftovers(db)
        log.info("loading exports from %s into %s", data_dir, db)
        report = load_exports(data_dir, db, mapping_file=mapping_file, input_zone=input_zone, reload=reload)
    _log_load(report)
    return report


def _log_load(report: LoadReport) -> None:
    log.info("loaded %s rows, set aside %s", sum(report.rows_loaded.values()), sum(report.rows_rejected.values()))
    for table in report.absent:
        log.info("optional table %s was not exported: its figures are null, not 0", table)
