"""DuckDB connections with the project's rules as SQL macros, and the one runner of metric SQL.

The calendar macros mirror :mod:`pipelines.dates` (tests check they agree) and use
names Spark SQL also has (``add_months``), so metric SQL stays portable. The
channel and right macros are built from :mod:`pipelines.contract`'s lists, so a
list is written once. :func:`query_all` runs ``pipelines/metrics/sql/<name>.sql``
files, building the models a query reads by name first (see that folder's README).
Local dates come from the session time zone: ``CAST(ts AS DATE)`` of a
TIMESTAMPTZ is its date in the controller's zone, as ``to_date`` is in Spark
with ``spark.sql.session.timeZone`` set.
"""

from __future__ import annotations

import os
import re
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import RIGHTS, TICKET_CHANNELS
from pipelines.dates import DEFAULT_ZONE, working_day_calendar


def _sql_list(values) -> str:
    """Constants of the contract as SQL string literals (never user input)."""
    return ", ".join(f"'{v}'" for v in values)


def _positions(values) -> str:
    return ", ".join(f"('{v}', {i})" for i, v in enumerate(values, start=1))


#: support channels in report order: the contract's three, then everything else (contract §1.4)
CHANNELS = (*TICKET_CHANNELS, "other")

#: the SQL macros every connection defines; the Spark engine defines the same ones from this text
#: (pipelines/spark/functions.py), so each rule is written once
MACROS = (
    # contract §2: same day n months later, clamped to the month's last day
    "CREATE OR REPLACE TEMP MACRO add_months(d, n) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)",
    # the largest m with add_months(d, m) <= e
    """CREATE OR REPLACE TEMP MACRO whole_months(d, e) AS (
        (year(e) - year(d)) * 12 + month(e) - month(d)
        - CASE WHEN add_months(d, (year(e) - year(d)) * 12 + month(e) - month(d)) > e THEN 1 ELSE 0 END)""",
    "CREATE OR REPLACE TEMP MACRO local_date(ts) AS CAST(ts AS DATE)",
    # contract §3 inactivity buckets: 0-3m (m < 3), 3-6m, 6-9m, 9-12m, 12m+ (m >= 12)
    """CREATE OR REPLACE TEMP MACRO inactivity_bucket(m) AS CASE
        WHEN m < 3 THEN '0-3m' WHEN m < 6 THEN '3-6m' WHEN m < 9 THEN '6-9m' WHEN m < 12 THEN '9-12m' ELSE '12m+' END""",
    # reading 17: a channel is compared trimmed and lower-cased; outside the contract's list it is 'other'
    f"""CREATE OR REPLACE TEMP MACRO normal_channel(c) AS CASE
        WHEN lower(trim(c)) IN ({_sql_list(TICKET_CHANNELS)}) THEN lower(trim(c)) ELSE 'other' END""",
    f"CREATE OR REPLACE TEMP MACRO channels() AS TABLE SELECT * FROM (VALUES {_positions(CHANNELS)}) AS c (channel, position)",
    # reading 17: a right is compared trimmed and lower-cased, with a space or hyphen for '_'
    # ('consent withdrawal' is consent_withdrawal)
    "CREATE OR REPLACE TEMP MACRO right_code(r) AS replace(replace(lower(trim(r)), ' ', '_'), '-', '_')",
    # outside the contract's list a right is 'other': only declared values reach the output
    # (docs/contract.md, "Only declared values"); right_code counts the distinct undeclared ones
    f"""CREATE OR REPLACE TEMP MACRO normal_right(r) AS CASE
        WHEN right_code(r) IN ({_sql_list(RIGHTS)}) THEN right_code(r) ELSE 'other' END""",
    f"CREATE OR REPLACE TEMP MACRO rights() AS TABLE SELECT * FROM (VALUES {_positions(RIGHTS)}) AS r (\"right\", position)",
    # contract §3 rights: the clock starts on the day of receipt; under the ICO reading
    # ('identity_verified') it restarts at identity verification, never before receipt
    """CREATE OR REPLACE TEMP MACRO clock_start(received_on, verified_on, reading) AS CASE
        WHEN reading = 'identity_verified' AND verified_on IS NOT NULL THEN greatest(received_on, verified_on)
        ELSE received_on END""",
    # a keyed hash naming a row in a report without its id (see metrics/pseudonym.py)
    "CREATE OR REPLACE TEMP MACRO pseudonym(id, salt) AS substr(sha256(concat(salt, id)), 1, 12)",
    # the worklist's note on an exception of the register that no longer (or not yet) exempts a record
    # (docs/report.md, "Exceptions")
    """CREATE OR REPLACE TEMP MACRO exception_note(expired_on, pending_from) AS CASE
        WHEN expired_on IS NOT NULL THEN 'exception expired on ' || CAST(expired_on AS VARCHAR)
        WHEN pending_from IS NOT NULL THEN 'exception not in force until ' || CAST(pending_from AS VARCHAR) END""",
)

#: the rights deadline rule, over the ``calendar`` table (so created by :func:`install_calendar`)
DEADLINE_MACROS = (
    # GDPR Art. 12(3) with Regulation 1182/71 art. 3(4): months from the start, rolled to a working day
    """CREATE OR REPLACE TEMP MACRO legal_deadline(start_on, months) AS
        (SELECT next_working_day FROM calendar WHERE day = add_months(start_on, months))""",
    # GDPR Art. 12(3): an extension counts only when notified within the first period
    # (notified_on NULL: no notice, or none yet)
    """CREATE OR REPLACE TEMP MACRO rights_extension(start_on, notified_on, months) AS CASE
        WHEN notified_on IS NULL THEN 'none'
        WHEN notified_on <= legal_deadline(start_on, months) THEN 'valid'
        ELSE 'invalid' END""",
    # the day a request is due: the extended deadline after a valid extension, else the first one
    """CREATE OR REPLACE TEMP MACRO rights_due(start_on, notified_on, months, extended_months) AS CASE
        WHEN rights_extension(start_on, notified_on, months) = 'valid' THEN legal_deadline(start_on, extended_months)
        ELSE legal_deadline(start_on, months) END""",
)


#: DuckDB's own default is 80% of RAM; a bounded limit makes large loads spill to disk instead.
DEFAULT_MEMORY_LIMIT = "2GB"
MEMORY_LIMIT_ENV = "PRIVACY_REVIEW_MEMORY_LIMIT"
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    zone: str = DEFAULT_ZONE,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a database (in memory when ``path`` is None) with the calendar macros and the controller's zone.

    ``memory_limit`` (e.g. "2GB"; default ``$PRIVACY_REVIEW_MEMORY_LIMIT`` or 2GB) bounds DuckDB's
    memory: past it, large joins and loads spill to a temporary directory.
    """
    limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    if not MEMORY_SIZE.match(limit.strip()):
        raise ValueError(f"not a memory size (e.g. 2GB, 512MB): {limit!r}")
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.sql(f"SET TimeZone = '{checked_zone(zone)}'")
    con.sql(f"SET memory_limit = '{limit.strip()}'")
    try:  # logs, not a terminal bar, report progress
        con.sql("SET enable_progress_bar = false")
    except duckdb.Error:  # in a Jupyter kernel DuckDB wants ipywidgets even to switch the bar off
        pass
    for macro in MACROS:
        con.sql(macro)
    return con


def checked_zone(zone: str) -> str:
    """``zone`` once Python has checked it: never format an unchecked string into SQL (both engines)."""
    from zoneinfo import ZoneInfo

    ZoneInfo(zone)  # raises for an unknown zone: never format an unchecked string into SQL
    return zone


def install_calendar(con: duckdb.DuckDBPyConnection, first: date, last: date) -> None:
    """A temp ``calendar(day, is_working_day, next_working_day, working_day_index)`` table over [first, last], and the
    macros over it: ``legal_deadline(start, months)`` (:func:`pipelines.dates.legal_deadline` in SQL),
    ``rights_extension`` and ``rights_due`` (the rights deadline rule, docs/design.md "Support and rights")."""
    frame = pl.DataFrame(
        working_day_calendar(first, last),
        schema={"day": pl.Date, "is_working_day": pl.Boolean, "next_working_day": pl.Date,
                "working_day_index": pl.Int64},
        orient="row",
    )
    con.register("calendar_frame", frame)
    try:
        con.sql("CREATE OR REPLACE TEMP TABLE calendar AS SELECT * FROM calendar_frame")
    finally:
        con.unregister("calendar_frame")
    for macro in DEADLINE_MACROS:
        con.sql(macro)


# --- metric SQL: one file per query, read by name --------------------------------------

#: where the metric SQL lives (``pipelines/metrics/sql/<name>.sql``)
SQL_PACKAGE = "pipelines.metrics"
#: a name a statement reads from; a name followed by "(" is a function or table macro
_READS = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()", re.IGNORECASE)


def read_sql(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def sql_names(package: str = SQL_PACKAGE) -> frozenset[str]:
    """The queries of a package: its ``sql/*.sql`` file names."""
    folder = resources.files(package).joinpath("sql")
    return frozenset(f.name[: -len(".sql")] for f in folder.iterdir() if f.name.endswith(".sql"))


def _code(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def models_read(sql: str, names: frozenset[str]) -> list[str]:
    """The other queries a statement reads by name (``FROM support_evaluated``), in order of mention."""
    return list(dict.fromkeys(n for n in _READS.findall(_code(sql)) if n in names))


def build_order(package: str, targets: list[str]) -> list[str]:
    """Every model the targets read, directly or not, each after the models it reads (dbt's DAG)."""
    names = sql_names(package)
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"SQL models read each other in a cycle: {' -> '.join((*path, name))}")
        if name in order:
            return
        for model in models_read(read_sql(package, name), names):
            visit(model, (*path, name))
        order.append(name)

    for target in targets:
        for model in models_read(read_sql(package, target), names):
            visit(model, (target,))
    return order


def query_all(
    con: duckdb.DuckDBPyConnection, names: list[str] | tuple[str, ...], *, package: str = SQL_PACKAGE, **params
) -> dict[str, pl.DataFrame]:
    """Run ``sql/<name>.sql`` for each name, with named parameters bound by DuckDB (``$as_of``).

    A query reads an earlier query's result by its file name (``FROM support_evaluated``):
    every model the queries read is built first, once, as a TEMP TABLE of that name, with
    the same parameters (so one call is one consistent set of figures). Each statement gets
    only the parameters it uses: DuckDB rejects unused ones.
    """
    built = build_order(package, list(names))
    for model in built:
        sql = read_sql(package, model)
        con.sql(f"CREATE OR REPLACE TEMP TABLE {model} AS\n{sql}", params=used_params(sql, params))
    frames = {}
    for name in names:
        sql = f"SELECT * FROM {name}" if name in built else read_sql(package, name)
        frames[name] = con.sql(sql, params=used_params(sql, params)).pl()
    return frames


def query(con: duckdb.DuckDBPyConnection, name: str, *, package: str = SQL_PACKAGE, **params) -> pl.DataFrame:
    """The rows of one query (:func:`query_all` with one name)."""
    return query_all(con, [name], package=package, **params)[name]


def used_params(sql: str, params: dict) -> dict:
    """The parameters a statement uses (DuckDB rejects unused ones); comments do not count."""
    code = _code(sql)
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", code)}


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None):
    """The first value of the first row (None for no row)."""
    # fetchall, not fetchone: DuckDB 2 keeps an unfinished result owning the
    # connection ("Resource In Use") until it is fetched to the end
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
