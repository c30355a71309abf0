"""DuckDB connections with the project's calendar rules as SQL macros.

The macros mirror :mod:`pipelines.dates` (tests check they agree) and use
names Spark SQL also has (``add_months``), so metric SQL stays portable.
Local dates come from the session time zone: ``CAST(ts AS DATE)`` of a
TIMESTAMPTZ is its date in the controller's zone, as ``to_date`` is in Spark
with ``spark.sql.session.timeZone`` set.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from pipelines.dates import DEFAULT_ZONE, working_day_calendar

_MACROS = (
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
    # contract §3 rights: the clock starts on the day of receipt; under the ICO reading
    # ('identity_verified') it restarts at identity verification, never before receipt
    """CREATE OR REPLACE TEMP MACRO clock_start(received_on, verified_on, reading) AS CASE
        WHEN reading = 'identity_verified' AND verified_on IS NOT NULL THEN greatest(received_on, verified_on)
        ELSE received_on END""",
    # a keyed hash naming a row in a report without its id (see metrics/pseudonym.py)
    "CREATE OR REPLACE TEMP MACRO pseudonym(id, salt) AS substr(sha256(concat(salt, id)), 1, 12)",
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
    con.sql(f"SET TimeZone = '{_checked_zone(zone)}'")
    con.sql(f"SET memory_limit = '{limit.strip()}'")
    try:  # logs, not a terminal bar, report progress
        con.sql("SET enable_progress_bar = false")
    except duckdb.Error:  # in a Jupyter kernel DuckDB wants ipywidgets even to switch the bar off
        pass
    for macro in _MACROS:
        con.sql(macro)
    return con


def _checked_zone(zone: str) -> str:
    from zoneinfo import ZoneInfo

    ZoneInfo(zone)  # raises for an unknown zone: never format an unchecked string into SQL
    return zone


def install_calendar(con: duckdb.DuckDBPyConnection, first: date, last: date) -> None:
    """A temp ``calendar(day, is_working_day, next_working_day)`` table over [first, last], and
    the macro ``legal_deadline(start, months)`` over it: :func:`pipelines.dates.legal_deadline` in SQL."""
    frame = pl.DataFrame(
        working_day_calendar(first, last),
        schema={"day": pl.Date, "is_working_day": pl.Boolean, "next_working_day": pl.Date},
        orient="row",
    )
    with registered(con, "calendar_frame", frame):
        con.sql("CREATE OR REPLACE TEMP TABLE calendar AS SELECT * FROM calendar_frame")
    # GDPR Art. 12(3) with Regulation 1182/71 art. 3(4): months from the start, rolled to a working day
    con.sql(
        "CREATE OR REPLACE TEMP MACRO legal_deadline(start_on, months) AS"
        " (SELECT next_working_day FROM calendar WHERE day = add_months(start_on, months))"
    )


def read_sql(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, package: str, name: str, **params) -> pl.DataFrame:
    """Run one SQL file with named parameters bound by DuckDB (``$as_of``), as a polars frame.

    Only the parameters the file uses are passed: DuckDB rejects unused ones.
    """
    sql = read_sql(package, name)
    return con.sql(sql, params=used_params(sql, params)).pl()


def used_params(sql: str, params: dict) -> dict:
    """The parameters a statement uses (DuckDB rejects unused ones); comments do not count."""
    code = re.sub(r"--[^\n]*", "", sql)
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", code)}


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None):
    """The first value of the first row (None for no row)."""
    # fetchall, not fetchone: DuckDB 2 keeps an unfinished result owning the
    # connection ("Resource In Use") until it is fetched to the end
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """A polars frame visible to SQL as ``name`` for the duration of the block."""
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)
