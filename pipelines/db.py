"""DuckDB connections with the project's rules as SQL macros, and the one runner of metric SQL.

The macros are SQL files beside the SQL they serve (``pipelines/metrics/sql/macros.sql``,
and ``rights_deadline.sql`` over the ``calendar`` table), read by :func:`macro_statements`.
The calendar macros mirror :mod:`pipelines.dates` (tests check they agree) and use
names Spark SQL also has (``add_months``), so metric SQL stays portable. The
channel, right and bucket lists are filled in from :mod:`pipelines.contract`, so a
list is written once. :func:`query_all` runs the models of ``pipelines/metrics/sql/staging/``
(intermediate) and ``sql/marts/`` (published figures) by name, building the models a query
reads first (see that folder's README).
Local dates come from the session time zone: ``CAST(ts AS DATE)`` of a
TIMESTAMPTZ is its date in the controller's zone, as ``to_date`` is in Spark
with ``spark.sql.session.timeZone`` set.
"""

from __future__ import annotations

import logging
import os
import time
import re
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import (
    CHANNELS,
    INACTIVITY_BUCKET_BOUNDS,
    RIGHTS,
    TICKET_CHANNELS,
)
from pipelines.dates import DEFAULT_CALENDAR, DEFAULT_ZONE, working_day_calendar
from pipelines.private import spill_folder

log = logging.getLogger(__name__)

#: the macro files (``pipelines/metrics/sql/<name>.sql``): every connection's, and the rights deadline's,
#: defined with the ``calendar`` table they read
CONNECTION_MACROS, DEADLINE_MACROS = "macros", "rights_deadline"
#: a ``{{name}}`` placeholder of a macro file
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _sql_list(values) -> str:
    """Constants of the contract as SQL string literals (never user input)."""
    return ", ".join(f"'{v}'" for v in values)


def _positions(values) -> str:
    return ", ".join(f"('{v}', {i})" for i, v in enumerate(values, start=1))


def _bucket_cases(bounds) -> str:
    cases = [f"WHEN m < {upper} THEN '{label}'" for label, upper in bounds if upper is not None]
    rest = [f"ELSE '{label}'" for label, upper in bounds if upper is None]
    return " ".join(cases + rest)


#: what each placeholder of a macro file stands for: the lists of pipelines/contract.py (macros.sql's header)
MACRO_PLACEHOLDERS = {
    "ticket_channels": _sql_list(TICKET_CHANNELS),
    "channel_positions": _positions(CHANNELS),
    "rights": _sql_list(RIGHTS),
    "right_positions": _positions(RIGHTS),
    "inactivity_bucket_cases": _bucket_cases(INACTIVITY_BUCKET_BOUNDS),
}


def macro_statements(name: str = CONNECTION_MACROS) -> tuple[str, ...]:
    """The ``CREATE OR REPLACE TEMP MACRO`` statements of ``pipelines/metrics/sql/<name>.sql``, in file order,
    comments removed and placeholders filled (:data:`MACRO_PLACEHOLDERS`). Both engines define their macros from
    these statements (DuckDB here, Spark in :mod:`pipelines.spark.functions`), so each rule is written once."""
    text = resources.files(SQL_PACKAGE).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")

    def fill(match: re.Match) -> str:
        if match.group(1) not in MACRO_PLACEHOLDERS:
            raise ValueError(f"{name}.sql: unknown placeholder {match.group(0)}")
        return MACRO_PLACEHOLDERS[match.group(1)]

    code = _PLACEHOLDER.sub(fill, _code(text))
    return tuple(s.strip() for s in re.split(r";\s*(?:\n|$)", code) if s.strip())


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
    spill_of: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a database (in memory when ``path`` is None) with the calendar macros and the controller's zone.

    ``memory_limit`` (e.g. "2GB"; default ``$PRIVACY_REVIEW_MEMORY_LIMIT`` or 2GB) bounds DuckDB's
    memory: past it, large joins and loads spill to a temporary directory: for a database file, the private
    folder ``<database>.tmp`` (:func:`pipelines.private.spill_folder`; ``spill_of``: the database whose folder it
    is, when ``path`` is its build under a temporary name), made 0700 before DuckDB writes rows into it.
    """
    limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    if not MEMORY_SIZE.match(limit.strip()):
        raise ValueError(f"not a memory size (e.g. 2GB, 512MB): {limit!r}")
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    spill = spill_folder(Path(spill_of or path)) if path else None
    if spill is not None:  # a setting, not a connect option: DuckDB refuses a second connection of other options
        con.sql(f"SET temp_directory = {_text_literal(str(spill))}")
    con.sql(f"SET TimeZone = '{checked_zone(zone)}'")
    con.sql(f"SET memory_limit = '{limit.strip()}'")
    try:  # logs, not a terminal bar, report progress
        con.sql("SET enable_progress_bar = false")
    except duckdb.Error:  # in a Jupyter kernel DuckDB wants ipywidgets even to switch the bar off
        pass
    for macro in macro_statements(CONNECTION_MACROS):
        con.sql(macro)
    return con


def _text_literal(text: str) -> str:
    """``text`` as a SQL string literal (a path of the tool's own: the database's spill folder)."""
    return "'" + text.replace("'", "''") + "'"


def checked_zone(zone: str) -> str:
    """``zone`` once Python has checked it: never format an unchecked string into SQL (both engines)."""
    from zoneinfo import ZoneInfo

    ZoneInfo(zone)  # raises for an unknown zone: never format an unchecked string into SQL
    return zone


def install_calendar(con: duckdb.DuckDBPyConnection, first: date, last: date, country: str = DEFAULT_CALENDAR) -> None:
    """A temp ``calendar(day, is_working_day, next_working_day, working_day_index)`` table over [first, last], and the
    macros of ``pipelines/metrics/sql/rights_deadline.sql`` over it: ``clock_start``, ``legal_deadline``,
    ``rights_extension`` and ``rights_due`` (GDPR Art. 12(3), docs/design.md "Support and rights"), and
    ``nth_working_day_after`` (the standards of n working days: support responses, consent withdrawals)."""
    frame = pl.DataFrame(
        working_day_calendar(first, last, country),
        schema={"day": pl.Date, "is_working_day": pl.Boolean, "next_working_day": pl.Date,
                "working_day_index": pl.Int64},
        orient="row",
    )
    con.register("calendar_frame", frame)
    try:
        con.sql("CREATE OR REPLACE TEMP TABLE calendar AS SELECT * FROM calendar_frame")
    finally:
        con.unregister("calendar_frame")
    for macro in macro_statements(DEADLINE_MACROS):
        con.sql(macro)


# --- metric SQL: one file per query, read by name --------------------------------------

#: where the metric SQL lives (``pipelines/metrics/sql/{staging,marts}/<name>.sql``)
SQL_PACKAGE = "pipelines.metrics"
#: a name a statement reads from; a name followed by "(" is a function or table macro
_READS = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()", re.IGNORECASE)


#: the folders of a package's ``sql/`` that hold models besides ``sql/`` itself (dbt's layout, sql/README.md):
#: intermediate models in ``staging/``, published figures in ``marts/``
MODEL_FOLDERS = ("staging", "marts")


def _model_files(package: str) -> dict:
    """Model name -> its file, over ``sql/``, ``sql/staging/`` and ``sql/marts/`` (macro files are no models)."""
    root = resources.files(package).joinpath("sql")
    files = {}
    for folder in (root, *(root.joinpath(f) for f in MODEL_FOLDERS)):
        if not folder.is_dir():
            continue
        for f in folder.iterdir():
            name = f.name[: -len(".sql")]
            if not f.name.endswith(".sql") or (folder == root and name in (CONNECTION_MACROS, DEADLINE_MACROS)):
                continue
            if name in files:
                raise ValueError(f"two SQL models named {name!r} in {package}: a model is found by its name")
            files[name] = f
    return files


def read_sql(package: str, name: str, models: dict[str, str] | None = None) -> str:
    """The text of the model ``name``: one of ``models`` (generated from the policy's rules, pipelines/rules/),
    else the package's ``sql/<name>.sql``, ``sql/staging/<name>.sql`` or ``sql/marts/<name>.sql``."""
    if models and name in models:
        return models[name]
    files = _model_files(package)
    if name not in files:
        raise FileNotFoundError(f"no SQL model {name!r} in {package} (sql/, sql/staging/, sql/marts/)")
    return files[name].read_text(encoding="utf-8")


def sql_names(package: str = SQL_PACKAGE, models: dict[str, str] | None = None) -> frozenset[str]:
    """The models of a package: its ``sql/*.sql``, ``sql/staging/*.sql`` and ``sql/marts/*.sql`` file names, and
    the generated ``models``."""
    return frozenset(_model_files(package)) | frozenset(models or ())


def _code(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def models_read(sql: str, names: frozenset[str]) -> list[str]:
    """The other queries a statement reads by name (``FROM support_evaluated``), in order of mention."""
    return list(dict.fromkeys(n for n in _READS.findall(_code(sql)) if n in names))


def build_order(package: str, targets: list[str], models: dict[str, str] | None = None) -> list[str]:
    """Every model the targets read, directly or not, each after the models it reads (dbt's DAG)."""
    names = sql_names(package, models)
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"SQL models read each other in a cycle: {' -> '.join((*path, name))}")
        if name in order:
            return
        for model in models_read(read_sql(package, name, models), names):
            visit(model, (*path, name))
        order.append(name)

    for target in targets:
        for model in models_read(read_sql(package, target, models), names):
            visit(model, (target,))
    return order


def query_all(
    con: duckdb.DuckDBPyConnection,
    names: list[str] | tuple[str, ...],
    *,
    package: str = SQL_PACKAGE,
    models: dict[str, str] | None = None,
    **params,
) -> dict[str, pl.DataFrame]:
    """Run ``sql/<name>.sql`` for each name, with named parameters bound by DuckDB (``$as_of``).

    A query reads an earlier query's result by its file name (``FROM support_evaluated``):
    every model the queries read is built first, once, as a TEMP TABLE of that name, with
    the same parameters (so one call is one consistent set of figures). ``models`` are models
    generated from the policy's rules (pipelines/rules/: ``retention_rule_rows``), built like the
    files. Each statement gets only the parameters it uses: DuckDB rejects unused ones.
    """
    built = build_order(package, list(names), models)
    for model in built:
        sql = read_sql(package, model, models)
        started = time.monotonic()
        con.sql(f"CREATE OR REPLACE TEMP TABLE {model} AS\n{sql}", params=used_params(sql, params))
        log.debug("model %s built in %.2f s", model, time.monotonic() - started)  # where the time goes: -v
    frames = {}
    for name in names:
        sql = f"SELECT * FROM {name}" if name in built else read_sql(package, name, models)
        started = time.monotonic()
        frames[name] = con.sql(sql, params=used_params(sql, params)).pl()
        log.debug("query %s: %s rows in %.2f s", name, f"{frames[name].height:,}", time.monotonic() - started)
    return frames


def query(con: duckdb.DuckDBPyConnection, name: str, *, package: str = SQL_PACKAGE,
          models: dict[str, str] | None = None, **params) -> pl.DataFrame:
    """The rows of one query (:func:`query_all` with one name)."""
    return query_all(con, [name], package=package, models=models, **params)[name]


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
