"""Wiring for ``privacy-review run``: load, pick the period, compute, write, report, publish."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines import db as dbmod
from pipelines.dates import Quarter
from pipelines.errors import BadInput
from pipelines.load import load_exports
from pipelines.policy import load_policy
from pipelines.report.build import build_and_publish, publish, staging_dir
from pipelines.results import compute_with_previous, resolve_period, write_results

log = logging.getLogger(__name__)


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

    @property
    def database(self) -> Path:
        return self.db_path or self.out_dir / "privacy-review.duckdb"


def run(options: RunOptions) -> Path:
    """Run the quarterly review end to end; return the published report directory."""
    policy = load_policy(options.policy_path)
    if options.quarter.strip().lower() != "latest":
        try:
            Quarter.parse(options.quarter)  # fail before a long load, not after
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    log.info("loading exports from %s", options.data_dir)
    report = load_exports(
        options.data_dir, options.database, mapping_file=options.mapping_file,
        input_zone=options.input_zone, zone=policy.zone,
    )
    log.info("loaded %s rows, set aside %s", sum(report.rows_loaded.values()), sum(report.rows_rejected.values()))
    for table in report.absent:
        log.info("optional table %s was not exported: its figures are null, not 0", table)
    con = dbmod.connect(options.database, read_only=True, zone=policy.zone)
    try:
        period = resolve_period(con, options.quarter, options.as_of, options.today or date.today())
        log.info("reviewing %s as of %s under %s", period.quarter, period.as_of, policy.label)
        results = compute_with_previous(con, period, policy)
    finally:
        con.close()
    if not options.report:
        final_dir = options.out_dir / str(period.quarter)
        staging = staging_dir(final_dir)
        try:
            write_results(results, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, final_dir)
        log.info("published %s (no report)", final_dir)
        return final_dir
    html = build_and_publish(
        results, options.out_dir, db=options.database, data_dir=options.data_dir,
        as_of=period.as_of.isoformat(), policy_path=options.policy_path or "", language=options.language,
    )
    log.info("published %s", html)
    return html.parent
