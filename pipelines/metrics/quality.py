"""Data quality: rows in, loaded and set aside per table, reasons, and flagged rows (contract §1, §4)."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.db import query, query_all, table_exists
from pipelines.metrics import FamilyResult, Period, checked
from pipelines.policy import Policy

TABLES = {
    "quality_rejects": pl.Schema({"table_name": pl.String, "reason": pl.String, "rows": pl.Int64}),
    "quality_flags": pl.Schema({"table_name": pl.String, "flag": pl.String, "rows": pl.Int64}),
}


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    """Counts from the load; an absent optional table is missing from them (reading 11)."""
    frames = query_all(con, ["quality_loads", "quality_rejects"])
    loads = frames["quality_loads"]
    present = loads.filter(pl.col("present"))
    rejects = frames["quality_rejects"]
    flags = (
        query(con, "quality_flags")
        if table_exists(con, "load_flags")  # a database built by hand (tests) may have none
        else pl.DataFrame(schema=TABLES["quality_flags"])
    )
    summary = {
        "rows_in": dict(present.select("table_name", "rows_in").iter_rows()),
        "rows_loaded": dict(present.select("table_name", "rows_loaded").iter_rows()),
        "rows_rejected": dict(present.select("table_name", "rows_rejected").iter_rows()),
        "rejected_by_reason": {r: int(n) for r, n in rejects.group_by("reason").agg(pl.col("rows").sum()).sort("reason").iter_rows()},
        "flagged": {f"{t}: {f}": int(n) for t, f, n in flags.iter_rows()},
        "absent_tables": loads.filter(~pl.col("present"))["table_name"].to_list(),
    }
    return checked(summary, {"quality_rejects": rejects, "quality_flags": flags}, TABLES)
