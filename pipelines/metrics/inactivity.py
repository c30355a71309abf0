"""Inactivity cohorts (contract §3; policy §1.1, §1.2): who is approaching or past the erasure deadline.

An account's erasure deadline is its last activity plus the account retention
period (``[[retention]] account period_months``), in ``sql/staging/account_deadlines.sql``.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import polars as pl

from pipelines.contract import INACTIVITY_BUCKETS
from pipelines.db import query_all
from pipelines.metrics import FamilyResult, Period, checked
from pipelines.metrics.params import sql_params
from pipelines.policy import Policy

#: the contract's buckets, in order (the inactivity_bucket macro of sql/macros.sql uses the same list)
BUCKETS = INACTIVITY_BUCKETS
PIPELINE_DAYS = 90  # the erasure pipeline chart looks 90 days ahead

TABLES = {
    "inactivity_buckets": pl.Schema({"bucket": pl.String, "accounts": pl.Int64}),
    "inactivity_cohorts": pl.Schema({"signup_quarter": pl.String, "bucket": pl.String, "accounts": pl.Int64}),
    "inactivity_trend": pl.Schema({"quarter_end": pl.Date, "bucket": pl.String, "accounts": pl.Int64}),
    "inactivity_erasure_pipeline": pl.Schema({"deadline": pl.Date, "accounts": pl.Int64}),
    "retention_trend": pl.Schema({"quarter_end": pl.Date, "accounts_past_deadline": pl.Int64}),
}


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    """``summary_only``: the figures alone (the previous quarter's, for the change column), without the trend over
    eight quarter ends, the dearest query of the family (docs/design.md, "Compute once")."""
    params = sql_params(con, period, policy)
    frames = query_all(con, ["inactivity_accounts", *([] if summary_only else ["inactivity_trend"])], **params)
    accounts = frames["inactivity_accounts"]
    counts = dict(accounts.group_by("bucket").len().iter_rows())
    summary = {
        "population": accounts.height,
        "buckets": {b: counts.get(b, 0) for b in BUCKETS},
        "due_next_30d": int(accounts["due_next_30d"].sum()),
    }
    if summary_only:
        return FamilyResult(summary)
    trend = complete_trend(frames["inactivity_trend"], params["quarter_ends"])
    tables = {
        "inactivity_buckets": pl.DataFrame({"bucket": BUCKETS, "accounts": [summary["buckets"][b] for b in BUCKETS]}),
        "inactivity_cohorts": cohort_table(accounts),
        "inactivity_trend": trend.select("quarter_end", "bucket", "accounts"),
        "inactivity_erasure_pipeline": erasure_pipeline(accounts, period),
        "retention_trend": trend.group_by("quarter_end")
        .agg(pl.col("past_deadline").sum().alias("accounts_past_deadline"))
        .sort("quarter_end"),
    }
    return checked(summary, tables, TABLES)


def complete_trend(trend: pl.DataFrame, ends: list) -> pl.DataFrame:
    """Every quarter end x bucket, 0 where no account was in the bucket."""
    grid = pl.DataFrame({"quarter_end": ends}, schema={"quarter_end": pl.Date}).join(
        pl.DataFrame({"bucket": BUCKETS}), how="cross"
    )
    return (
        grid.join(trend, on=["quarter_end", "bucket"], how="left")
        .with_columns(pl.col("accounts", "past_deadline").fill_null(0).cast(pl.Int64))
    )


def cohort_table(accounts: pl.DataFrame) -> pl.DataFrame:
    """Signup quarter x bucket, every bucket present (0 where empty)."""
    counts = accounts.group_by("signup_quarter", "bucket").len("accounts")
    grid = accounts.select("signup_quarter").unique().join(pl.DataFrame({"bucket": BUCKETS}), how="cross")
    return (
        grid.join(counts, on=["signup_quarter", "bucket"], how="left")
        .with_columns(pl.col("accounts").fill_null(0).cast(pl.Int64))
        .with_columns(pl.col("bucket").cast(pl.Enum(BUCKETS)))
        .sort("signup_quarter", "bucket")
        .with_columns(pl.col("bucket").cast(pl.String))
    )


def erasure_pipeline(accounts: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Accounts reaching their erasure deadline in the next 90 days, per day."""
    horizon = period.as_of + timedelta(days=PIPELINE_DAYS)
    return (
        accounts.filter((pl.col("erasure_deadline") > period.as_of) & (pl.col("erasure_deadline") <= horizon))
        .group_by(pl.col("erasure_deadline").alias("deadline"))
        .len("accounts")
        .with_columns(pl.col("accounts").cast(pl.Int64))
        .sort("deadline")
    )
