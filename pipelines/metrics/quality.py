"""Data quality: rows in, loaded and set aside per table, reasons, and flagged rows (contract §1, §4)."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.db import query, table_exists
from pipelines.metrics import FamilyResult, Period
from pipelines.policy import Policy

PACKAGE = "pipelines.metrics"


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> FamilyResult:
    """Counts from the load; an absent optional table is missing from them (reading 11)."""
    loads = con.sql("SELECT * FROM load_tables ORDER BY table_name").pl()
    present = loads.filter(pl.col("present"))
    rejects = query(con, PACKAGE, "quality_rejects")
    flags = (
        con.sql("SELECT table_name, flag, rows FROM load_flags ORDER BY table_name, flag").pl()
        if table_exists(con, "load_flags")
        else pl.DataFrame(schema={"table_name": pl.String, "flag": pl.String, "rows": pl.Int64})
    )
    summary = {
        "rows_in": dict(present.select("table_name", "rows_in").iter_rows()),
        "rows_loaded": dict(present.select("table_name", "rows_loaded").iter_rows()),
        "rows_rejected": dict(present.select("table_name", "rows_rejected").iter_rows()),
        "rejected_by_reason": {r: int(n) for r, n in rejects.group_by("reason").agg(pl.col("rows").sum()).sort("reason").iter_rows()},
        "flagged": {f"{t}: {f}": int(n) for t, f, n in flags.iter_rows()},
        "absent_tables": loads.filter(~pl.col("present"))["table_name"].to_list(),
    }
    return FamilyResult(summary, {"quality_rejects": rejects, "quality_flags": flags})
