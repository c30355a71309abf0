"""The register of approved exceptions, as figures: how many rows apply, expired, wait or are invalid.

docs/report.md, "Exceptions". The register (``pipelines/exceptions.py`` reads the CSV) is the table
``exception_register`` in the review's connection: the review session installs it (:func:`install`),
empty when no register is given, and every family that needs it makes sure it is there
(:func:`ensure`), so a connection built without a session computes as with an empty register.
``sql/exceptions_evaluated.sql`` judges each row as of ``as_of``; the retention family takes the
records of the rows in force out of the breaches (``retention_past_deadline_rows.sql``) and counts
them as ``retention.excepted``. This family writes ``summary.json``'s ``exceptions`` block and two
small tables: the rows in force, expired or pending by category, with their expiry dates, and the invalid
rows by line, with their problem (the data-quality section lists them).

Only counts, dates and codes are written: never an id of the register, and never its ``reason`` or
``approved_by``, free text that may name a person ("customer Lotte De Smet asked ...") and that no scan
can recognise as one (docs/report.md, "Exceptions"; docs/operations.md, "Only declared values"). They
reach the privacy team's worklist alone (``exceptions.csv``, pipelines/records/sql/worklist_exceptions.sql).
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.db import query_all, scalar, table_exists
from pipelines.exceptions import PROBLEMS, SCHEMA, empty
from pipelines.metrics import FamilyResult, Period, checked
from pipelines.metrics.params import sql_params
from pipelines.policy import Policy

#: the register's table in a review's connection
REGISTER_TABLE = "exception_register"
GIVEN_TABLE = "exception_register_given"
#: what a row is at as_of (exceptions_evaluated.sql), in the order the summary counts them
STATUSES = ("applied", "expired", "pending", "invalid")

TABLES = {
    # rows of the register in force, expired or pending, by category: how many, and the first and last expiry
    # (no id, no reason, no approver: free text is never published)
    "exceptions_by_category": pl.Schema(
        {
            "category": pl.String,
            "status": pl.String,
            "rows": pl.Int64,
            "first_expiry": pl.Date,
            "last_expiry": pl.Date,
        }
    ),
    # the invalid rows of the register by line: the column and problem (category only when it is a known one)
    "exceptions_invalid": pl.Schema(
        {"line": pl.Int64, "category": pl.String, "problem_column": pl.String, "problem": pl.String}
    ),
}


def install(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame | None) -> None:
    """The register's rows (:data:`pipelines.exceptions.SCHEMA`) as the table ``exception_register``;
    ``None``: no register was given (an empty table, and ``exceptions.register`` is false)."""
    frame = empty() if rows is None else rows.select(list(SCHEMA)).cast(dict(SCHEMA))
    con.register("exception_register_rows", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {REGISTER_TABLE} AS SELECT * FROM exception_register_rows")
    finally:
        con.unregister("exception_register_rows")
    # whether a register file was given (an empty one was): summary.json's exceptions.register
    con.execute(f"CREATE OR REPLACE TEMP TABLE {GIVEN_TABLE} AS SELECT {'true' if rows is not None else 'false'} "
                "AS given")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """An empty register when the connection has none (a connection made without the review session)."""
    if not table_exists(con, REGISTER_TABLE):
        install(con, None)


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    ensure(con)
    evaluated = query_all(con, ["exceptions_evaluated"], **sql_params(con, period, policy))["exceptions_evaluated"]
    unknown = set(evaluated["problem"].drop_nulls().unique()) - set(PROBLEMS)
    if unknown:  # a code the catalogue cannot name is a bug, never shown
        raise AssertionError(f"exceptions_evaluated.sql: unknown problem codes {sorted(unknown)}")

    def count(frame: pl.DataFrame, status: str) -> int:
        return frame.filter(pl.col("status") == status).height

    by_category = {
        c: {s: count(evaluated.filter(pl.col("category") == c), s) for s in STATUSES}
        # a register row names one of retention.breaches' figures (the policy file's retention rules)
        for c in policy.figures
    }
    summary = {
        # whether a register was read (an empty one counts: it was given)
        "register": _given(con),
        "rows": evaluated.height,
        **{s: count(evaluated, s) for s in STATUSES},
        "by_category": by_category,
    }
    valid = evaluated.filter(pl.col("status") != "invalid")
    by_status = (
        valid.group_by("category", "status")
        .agg(pl.len().cast(pl.Int64).alias("rows"), pl.col("expires_on").min().alias("first_expiry"),
             pl.col("expires_on").max().alias("last_expiry"))
        .sort("category", "status")
        .select(list(TABLES["exceptions_by_category"]))
    )
    invalid = (
        evaluated.filter(pl.col("status") == "invalid")
        .sort("line")
        .select("line", "category", "problem_column", "problem")
    )
    tables = {"exceptions_by_category": by_status.cast(dict(TABLES["exceptions_by_category"])),
              "exceptions_invalid": invalid.cast(dict(TABLES["exceptions_invalid"]))}
    return checked(summary, tables, TABLES, {"exceptions": evaluated})


def _given(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, f"SELECT bool_or(given) FROM {GIVEN_TABLE}"))
