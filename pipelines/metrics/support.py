"""Support-inquiry statistics (contract §3, policy §1.4): tickets created in the quarter.

The SQL in ``sql/support_*.sql`` does the work: ``support_evaluated`` is the model
every other support query reads by name (one row per ticket as of ``as_of``: local
dates, normalised channel, declared category or ``other``, elapsed hours, impossible
orders flagged), so one rule applies to every figure.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import polars as pl

from pipelines.db import install_calendar, query_all
from pipelines.metrics import FamilyResult, Period, checked, first_rows
from pipelines.metrics.params import OLDEST_PER_CATEGORY, sql_params
from pipelines.policy import OTHER, Policy

#: headline figures compared quarter on quarter: columns of support_summary.sql
HEADLINES = (
    "tickets",
    "first_response_median_hours",
    "first_response_p90_hours",
    "resolution_median_hours",
    "resolution_p90_hours",
    "backlog",
    "privacy_share",
)

TABLES = {
    "support_by_channel_month": pl.Schema({"month": pl.Date, "channel": pl.String, "tickets": pl.Int64}),
    # declared categories by name, the rest as 'other' with its number of distinct values only
    # (docs/contract.md, "Only declared values")
    "support_by_category": pl.Schema(
        {
            "category": pl.String,
            "is_privacy": pl.Boolean,
            "tickets": pl.Int64,
            "share": pl.Float64,
            "other_values": pl.Int64,
        }
    ),
    "support_durations": pl.Schema(
        {
            "channel": pl.String,
            "measure": pl.String,
            "tickets": pl.Int64,
            "median_hours": pl.Float64,
            "p90_hours": pl.Float64,
        }
    ),
    "support_duration_histogram": pl.Schema(
        {"channel": pl.String, "measure": pl.String, "bin": pl.String, "bin_order": pl.Int32, "tickets": pl.Int64}
    ),
    "support_quarter_change": pl.Schema(
        {"metric": pl.String, "previous": pl.Float64, "current": pl.Float64, "change": pl.Float64}
    ),
    # the first (oldest) privacy tickets with no request, at most params.OLDEST_PER_CATEGORY per window state
    "support_missed_rights_requests": pl.Schema(
        {
            "ticket_key": pl.String,
            "account_key": pl.String,
            "channel": pl.String,
            "created_on": pl.Date,
            "window_ends": pl.Date,
            "window_open": pl.Boolean,
        }
    ),
}

#: a quarter's headline figures: the previous quarter needs only these
_HEADLINE_QUERIES = ("support_summary", "support_by_channel")
_QUERIES = (
    *_HEADLINE_QUERIES,
    "support_by_channel_month",
    "support_by_category",
    "support_durations",
    "support_duration_histogram",
    "support_missed_rights_requests",
)


def _headline_block(row: dict, by_channel: pl.DataFrame) -> dict:
    """The contract's support block (§4) from one support_summary.sql row and support_by_channel.sql."""
    return {
        "tickets": row["tickets"],
        "by_channel": dict(by_channel.iter_rows()),
        "first_response_hours": {"median": row["first_response_median_hours"], "p90": row["first_response_p90_hours"]},
        "resolution_hours": {"median": row["resolution_median_hours"], "p90": row["resolution_p90_hours"]},
        "backlog": row["backlog"],
        "privacy_share": row["privacy_share"],
    }


def other_distinct(frame: pl.DataFrame, column: str) -> int:
    """The ``other_values`` of a table's ``other`` row, 0 without one (docs/contract.md, "Only declared values")."""
    other = frame.filter(pl.col(column) == OTHER)["other_values"]
    return int(other[0] or 0) if other.len() else 0


def _change(previous, current):
    return None if previous is None or current is None else current - previous


def install_response_calendar(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> None:
    """The working-day ``calendar`` the response standard counts on: from before the quarter's first
    ticket to past the last due date a ticket of the quarter can have (docs/report.md, "Findings")."""
    first = period.start - timedelta(days=1)
    # n working days span at most n weeks plus a fortnight of public holidays
    last = period.as_of + timedelta(days=7 * policy.response_working_days + 14)
    install_calendar(con, first, last, policy.response_calendar)


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    install_response_calendar(con, period, policy)
    frames = query_all(con, _QUERIES, **sql_params(con, period, policy))
    row = frames["support_summary"].row(0, named=True)
    by_category = frames["support_by_category"]
    missed = frames["support_missed_rights_requests"]

    previous_period = period.previous()
    install_response_calendar(con, previous_period, policy)
    before = query_all(con, _HEADLINE_QUERIES, **sql_params(con, previous_period, policy))
    previous = before["support_summary"].row(0, named=True)

    quarter_change = pl.DataFrame(
        [
            {"metric": m, "previous": previous[m], "current": row[m], "change": _change(previous[m], row[m])}
            for m in HEADLINES
        ],
        schema=TABLES["support_quarter_change"],
        orient="row",
    )

    summary = _headline_block(row, frames["support_by_channel"])
    summary.update(
        {
            "privacy_tickets": row["privacy_tickets"],
            "no_first_response": row["no_first_response"],
            # "Inquiries answered" (policy §1.4; docs/report.md, "Findings"): the response standard
            "response_working_days": policy.response_working_days,
            "answered_late": row["answered_late"],
            "unanswered_past_standard": row["unanswered_past_standard"],
            "awaiting_within_standard": row["awaiting_within_standard"],
            "past_response_standard": row["past_response_standard"],
            "first_response_timed": row["first_response_timed"],
            "resolution_timed": row["resolution_timed"],
            "excluded_impossible_order": row["excluded_impossible_order"],
            "excluded_impossible_first_response": row["excluded_impossible_first_response"],
            "excluded_impossible_resolution": row["excluded_impossible_resolution"],
            "by_category": dict(zip(by_category["category"].to_list(), by_category["tickets"].to_list())),
            # how many distinct undeclared categories "other" holds: a count, never the values
            "category_other_distinct": other_distinct(by_category, "category"),
            # missed: the window closed by as_of with no request; a still-open window is not missed yet
            "missed_rights_requests": int((~missed["window_open"]).sum()),
            "missed_rights_requests_window_open": int(missed["window_open"].sum()),
            "missed_request_window_days": policy.missed_request_window_days,
            "previous_quarter": {
                "period": str(previous_period.quarter),
                "as_of": previous_period.as_of.isoformat(),
                **_headline_block(previous, before["support_by_channel"]),
            },
            "quarter_change": {m: _change(previous[m], row[m]) for m in HEADLINES},
        }
    )
    tables = {name: frames[name] for name in TABLES if name in frames}
    tables["support_quarter_change"] = quarter_change
    # the first (oldest) tickets per window state; the counts above come from the whole list
    tables["support_missed_rights_requests"] = first_rows(missed, OLDEST_PER_CATEGORY, by="window_open")
    return checked(summary, tables, TABLES, {"missed_rights_requests": missed})

