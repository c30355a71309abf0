"""The review session: the one way into a review, for ``run``, ``worklist``, ``verify`` and the notebooks.

docs/design.md, "The review session". :func:`open_review` does, once and in this order:
resolve every path, validate every parameter and environment variable, keep the exports,
the output, the database, its home and the history of remediation apart (docs/operations.md,
"Safe by construction"), read the policy and the register of exceptions, take the locks (the
output's first, then the database's), clean what a killed run left, start the engine chosen
by name, load the exports (or reuse the database), open the connection, install the register
in it (docs/report.md, "Exceptions"), check that the policy's contact addresses name no one in the exports
(docs/operations.md, "Privacy scan"), resolve the period and check that the exports cover it.
The callers then compute, write and publish; none assembles these steps on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipelines import evidence, inputs, locking, ownership, paths, records
from pipelines.dates import LATEST, Quarter
from pipelines.engines import DUCKDB, Engine, engine_class, open_engine
from pipelines.errors import BadInput
from pipelines.exceptions import Register, read_register
from pipelines.load import LoadReport
from pipelines.load.mapping import mapping_file as find_mapping
from pipelines.metrics import Period
from pipelines.metrics import exceptions as register_table
from pipelines.policy import Policy, load_policy
from pipelines.policy.parse import key_position
from pipelines.publish.scan import identifying_addresses
from pipelines.remediation import HISTORY_DIR, KEY_FILE, History
from pipelines.results import newest_data_date, oldest_data_date, resolve_period

log = logging.getLogger(__name__)

#: what ``--out`` is to a command: a published reports folder, a private worklist folder, or nothing
REPORTS, WORKLIST, NO_OUTPUT = "reports", "worklist", "none"


@dataclass(frozen=True)
class ReviewOptions:
    """Everything a review is opened with: the CLI's options and the notebooks' parameters."""

    data_dir: Path
    out_dir: Path | None = None
    out_kind: str = REPORTS
    quarter: str = LATEST
    as_of: date | None = None
    policy_path: Path | None = None
    db_path: Path | None = None
    mapping_file: Path | None = None
    input_zone: str = "UTC"
    reload: bool = False
    """Load even when the database was loaded from the same exports (docs/operations.md, "Re-using the database")."""
    today: date | None = None
    engine: str = DUCKDB
    """``duckdb`` or ``spark`` (pipelines/engines.py; README, "Running on Spark")."""
    spark_master: str | None = None
    spark_conf: tuple[str, ...] = ()
    language: str | None = None
    """The report's one language (``--language``); None: every language of the policy file, side by side
    (:attr:`Review.languages`; docs/report.md, "Languages")."""
    report: bool = True
    pdf: bool = False
    """Print the report to ``quarterly-review.pdf`` too (``run --pdf``; docs/report.md, "PDF")."""
    force: bool = False
    """Compute and publish even when the published quarter was made from the same inputs (pipelines/rerun.py)."""
    hash_exports: bool = False
    """Hash the exports for evidence.json in a thread while they load (``run`` and ``verify``)."""
    check_coverage: bool = True
    """Refuse a quarter wholly outside the exports' dates (``verify`` recomputes a published one as it is)."""
    exceptions_file: Path | None = None
    """The register of approved exceptions (``--exceptions``; default the policy file's ``[exceptions] register``;
    docs/report.md, "Exceptions")."""
    history_home: Path | None = None
    """The folder holding the history of remediation (``history/``, ``history.key``); default the database's
    home, the folder of the database (docs/operations.md, "The history of remediation")."""

    @property
    def prints_pdf(self) -> bool:
        """A PDF is made: asked for, with a report to print (docs/report.md, "PDF")."""
        return self.report and self.pdf

    @property
    def home(self) -> Path:
        """Where the history of remediation lives: ``history_home``, else the database's folder."""
        return self.history_home or self.database.parent

    @property
    def database(self) -> Path:
        """``--db``, else the engine's default in the database home (docs/operations.md, "Where the database lives")."""
        return self.db_path or engine_class(self.engine).default_database()

    def resolved(self) -> ReviewOptions:
        """The same options with every path absolute, fixed once before anything runs."""
        return replace(
            self, data_dir=paths.absolute(self.data_dir), out_dir=paths.absolute(self.out_dir),
            policy_path=paths.absolute(self.policy_path), db_path=paths.absolute(self.database),
            mapping_file=paths.absolute(self.mapping_file), exceptions_file=paths.absolute(self.exceptions_file),
            history_home=paths.absolute(self.history_home),
        )


@dataclass
class Review:
    """An open review: its options (resolved), policy, load report, connection, period and engine."""

    options: ReviewOptions
    policy: Policy
    load: LoadReport
    con: Any
    period: Period
    engine: Engine
    hashing: evidence.Hashing | None = None
    started_at: str = field(default_factory=evidence.utc_now)
    register: Register | None = None
    """The register of exceptions read (None: none given); installed in ``con`` as ``exception_register``."""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the report's editions, the main one first: ``--language``, else the policy file's."""
        return (self.options.language,) if self.options.language else tuple(self.policy.languages)

    @property
    def history(self) -> History:
        """The history of remediation in the database's home (pipelines/remediation.py)."""
        return History(self.options.home)

    def close_connection(self) -> None:
        """Close the figures' connection (the privacy scan then reads the database on its own)."""
        if self.con is not None:
            self.con.close()
            self.con = None


def check(options: ReviewOptions) -> None:
    """Everything that can be refused before a long load (exit 2); ``options`` are resolved.

    docs/operations.md, "Safe by construction" and "Bad parameters": checked here, once.
    """
    paths.check_environment()
    if not options.data_dir.is_dir():
        raise BadInput(f"--data {options.data_dir}: export directory not found")
    quarter = paths.quarter_text(options.quarter)
    paths.day(options.as_of)
    paths.zone(options.input_zone)
    engine_class(options.engine)
    if quarter != LATEST and options.as_of is not None and options.as_of < Quarter.parse(quarter).start:
        raise BadInput(f"--as-of {options.as_of} is before the start of {quarter} ({Quarter.parse(quarter).start})")
    if options.out_dir is not None:
        paths.check_writable_folder(options.out_dir, "--out")
    paths.check_separate(data=options.data_dir, out=options.out_dir, db=options.database)
    # the column mapping passes the one gate here, before anything is written: the loader reads it after the locks
    # (the policy file and the register pass it where they are read, below; pipelines/inputs.py)
    mapping = find_mapping(options.mapping_file, options.data_dir)
    if mapping is not None:
        inputs.check(mapping, inputs.MAPPING, apart_from=written(options))
    # the history holds keyed pseudonyms of the exports' ids: never under --out, never in the exports
    paths.check_apart({"--data": options.data_dir, "--out": options.out_dir,
                       "the history of remediation": options.home / HISTORY_DIR,
                       "the history's secret": options.home / KEY_FILE})
    engine_class(options.engine).check_database(options.database)
    if options.out_kind == REPORTS and options.out_dir is not None:
        check_own_index(options.out_dir)
        if quarter != LATEST:
            ownership.check_replaceable(options.out_dir / quarter)


def written(options: ReviewOptions) -> dict[str, Path]:
    """The folder the command writes, which no input file may lie in (docs/operations.md, "Safe by construction"):
    ``--out`` of a run or a worklist; none for ``load`` and ``verify``."""
    return {"--out": options.out_dir} if options.out_kind != NO_OUTPUT and options.out_dir is not None else {}


def check_not_worklist(out_dir: Path, policy: Policy) -> None:
    """A run's ``--out`` is published: never a worklist's folder, which holds the exports' own ids (the worklist's
    own ``--out`` is never a reports folder: pipelines/worklist/lists.py, ``reports_folder``)."""
    found = ownership.worklist_folder(out_dir, [spec.name for spec in records.lists_of(policy)])
    if found is not None:
        where = "is" if found == out_dir else "lies inside"
        raise BadInput(f"--out {out_dir}: {where} the worklist folder {found} (it holds {ownership.WORKLIST_MARKER} or "
                       "worklist files: personal data, the exports' own ids), and what --out holds is published: "
                       "choose another --out")


def check_own_index(out_dir: Path) -> None:
    """``OUT/index.html`` is rebuilt by every run: refuse an ``--out`` whose index.html the tool did not write."""
    index = out_dir / ownership.INDEX_FILE
    if (index.exists() or index.is_symlink()) and not ownership.is_own_index(index):
        raise BadInput(f"--out {out_dir}: holds an {ownership.INDEX_FILE} that privacy-review did not write; "
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


def check_contacts(con, policy: Policy) -> None:
    """``[policy] controller_contacts`` identify no one in the exports (docs/operations.md, "Safe by construction"):
    the scan lets those addresses through every published file, so one that is a value of the exports (an account or
    contact id that is a customer's e-mail address) would publish that customer. Exit 2 naming the file, key and
    column, never the address."""
    found = identifying_addresses(con, policy.controller_contacts) if policy.controller_contacts else []
    if found:
        raise BadInput(f"{key_position(policy.source, 'policy', 'controller_contacts')}: [policy] controller_contacts: "
                       f"an address listed is a value of {', '.join(found)} in the exports, so it is someone "
                       "the review is about; list only the controller's own addresses (the privacy scan lets them "
                       "through every published file)")


def log_load(report: LoadReport) -> None:
    log.info("loaded %s rows, set aside %s", sum(report.rows_loaded.values()), sum(report.rows_rejected.values()))
    for table in report.absent:
        log.info("optional table %s was not exported: its figures are null, not 0", table)


@contextmanager
def locked(options: ReviewOptions) -> Iterator[None]:
    """The output's lock (a reports folder), then the database's: two runs never wait on each other in a circle;
    under them, what a killed run left is cleaned (only what carries the tool's marker)."""
    paths.prepare_database_dir(options.database)
    with ExitStack() as stack:
        if options.out_kind == REPORTS and options.out_dir is not None:
            stack.enter_context(locking.exclusive(locking.out_lock_path(options.out_dir), f"--out {options.out_dir}"))
        stack.enter_context(locking.exclusive(locking.db_lock_path(options.database), f"--db {options.database}"))
        if options.out_kind == REPORTS and options.out_dir is not None:
            ownership.mark_reports(options.out_dir)
            locking.clean_output_leftovers(options.out_dir)
        locking.clean_database_leftovers(options.database)
        yield


@contextmanager
def open_review(options: ReviewOptions) -> Iterator[Review]:
    """Open a review (module docstring); everything it opened is closed and unlocked on exit."""
    options = options.resolved()
    check(options)
    policy = load_policy(options.policy_path, apart_from=written(options))
    if options.out_kind == REPORTS and options.out_dir is not None:
        check_not_worklist(options.out_dir, policy)
    if options.out_kind == REPORTS and options.report and options.language not in (None, *policy.languages):
        # a report's promises are the policy's own words: quoted and titled only in the languages it is published in
        raise BadInput(f"--language {options.language}: the policy file {options.policy_path or policy.source} is "
                       f"published in {', '.join(policy.languages)} only ([policy] languages); run with --language "
                       f"{policy.languages[0]}")
    # the register of exceptions, read (and refused when unreadable: exit 2) before the long load
    register_path = options.exceptions_file or policy.exceptions_register
    register = read_register(register_path, apart_from=written(options)) if register_path is not None else None
    if register is not None:
        options = replace(options, exceptions_file=register.path)
    with ExitStack() as stack:
        stack.enter_context(locked(options))
        engine = open_engine(options.engine, zone=policy.zone, spark_master=options.spark_master,
                             spark_conf=options.spark_conf)
        stack.callback(engine.close)
        started_at = evidence.utc_now()
        hashing = evidence.Hashing(options.data_dir) if options.hash_exports else None
        if hashing is not None:
            stack.callback(hashing.stop)
        report = engine.load(options.data_dir, options.database, mapping_file=options.mapping_file,
                             input_zone=options.input_zone, reload=options.reload)
        log_load(report)
        review = Review(options, policy, report, engine.connect(options.database), None, engine, hashing, started_at,
                        register)
        stack.callback(review.close_connection)
        register_table.install(review.con, register.rows if register is not None else None)
        check_contacts(review.con, policy)
        if register is not None:
            log.info("register of exceptions %s: %s rows", register.path, register.rows.height)
        review.period = resolve_period(review.con, options.quarter, options.as_of, options.today or date.today())
        if options.check_coverage:
            check_coverage(review.con, review.period)
        yield review
