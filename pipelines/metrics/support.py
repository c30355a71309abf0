"""Support-inquiry statistics (contract §3, policy §1.4): tickets created in the quarter.

The SQL in ``sql/support_*.sql`` does the work: ``support_evaluated`` turns the
tickets into one row each as of ``as_of`` (local dates, elapsed hours, impossible
orders flagged); the other queries aggregate that frame, registered under the
same name for the duration of :func:`compute`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.db import query, registered
from pipelines.metrics import FamilyResult, Period
from pipelines.metrics.pseudonym import SALT_PARAM, salt
from pipelines.policy import Policy

PACKAGE = "pipelines.metrics"
EVALUATED = "support_evaluated"
CHANNELS = ("help_center", "live_chat", "email", "other")

#: headline figures compared quarter on quarter: (metric, column of support_summary.sql)
HEADLINES = (
    ("tickets", "tickets"),
    ("first_response_median_hours", "first_response_median"),
    ("first_response_p90_hours", "first_response_p90"),
    ("resolution_median_hours", "resolution_median"),
    ("resolution_p90_hours", "resolution_p90"),
    ("backlog", "backlog"),
    ("privacy_share", "privacy_share"),
)


def _evaluated(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> pl.DataFrame:
    return query(
        con,
        PACKAGE,
        "support_evaluated",
        quarter_start=period.start,
        as_of=period.as_of,
        privacy_category=policy.privacy_category,
    )


def _summary_row(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> dict:
    with registered(con, EVALUATED, _evaluated(con, period, policy)):
        return query(con, PACKAGE, "support_summary").row(0, named=True)


def _headline_block(row: dict) -> dict:
    """The contract's support block (§4) from one support_summary.sql row."""
    return {
        "tickets": row["tickets"],
        "by_channel": {c: row[c] for c in CHANNELS},
        "first_response_hours": {"median": row["first_response_median"], "p90": row["first_response_p90"]},
        "resolution_hours": {"median": row["resolution_median"], "p90": row["resolution_p90"]},
        "backlog": row["backlog"],
        "privacy_share": row["privacy_share"],
    }


def _change(previous, current):
    return None if previous is None or current is None else current - previous


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> FamilyResult:
    evaluated = _evaluated(con, period, policy)
    with registered(con, EVALUATED, evaluated):
        row = query(con, PACKAGE, "support_summary").row(0, named=True)
        by_channel_month = query(
            con, PACKAGE, "support_by_channel_month", quarter_start=period.start, as_of=period.as_of
        )
        by_category = query(con, PACKAGE, "support_by_category")
        with registered(con, "support_duration_values", query(con, PACKAGE, "support_duration_values")):
            durations = query(con, PACKAGE, "support_durations")
            histogram = query(con, PACKAGE, "support_duration_histogram")

    previous_period = period.previous()
    previous = _summary_row(con, previous_period, policy)

    missed = query(
        con,
        PACKAGE,
        "support_missed_rights_requests",
        quarter_start=period.start,
        as_of=period.as_of,
        privacy_category=policy.privacy_category,
        window_days=policy.missed_request_window_days,
        **{SALT_PARAM: salt(con)},
    )

    quarter_change = pl.DataFrame(
        [
            {
                "metric": metric,
                "previous": previous[column],
                "current": row[column],
                "change": _change(previous[column], row[column]),
            }
            for metric, column in HEADLINES
        ],
        schema={"metric": pl.String, "previous": pl.Float64, "current": pl.Float64, "change": pl.Float64},
        orient="row",
    )

    summary = _headline_block(row)
    summary.update(
        {
            "privacy_tickets": row["privacy_tickets"],
            "no_first_response": row["no_first_response"],
            "first_response_timed": row["first_response_timed"],
            "resolution_timed": row["resolution_timed"],
            "excluded_impossible_order": row["excluded_impossible_order"],
            "excluded_impossible_first_response": row["excluded_impossible_first_response"],
            "excluded_impossible_resolution": row["excluded_impossible_resolution"],
            "by_category": dict(zip(by_category["category"].to_list(), by_category["tickets"].to_list())),
            # missed: the window closed by as_of with no request; a still-open window is not missed yet
            "missed_rights_requests": int((~missed["window_open"]).sum()),
            "missed_rights_requests_window_open": int(missed["window_open"].sum()),
            "missed_request_window_days": policy.missed_request_window_days,
            "previous_quarter": {
                "period": str(previous_period.quarter),
                "as_of": previous_period.as_of.isoformat(),
                **_headline_block(previous),
            },
            "quarter_change": {
                metric: _change(previous[column], row[column]) for metric, column in HEADLINES
            },
        }
    )
    return FamilyResult(
        summary=summary,
        tables={
            "support_by_channel_month": by_channel_month,
            "support_by_category": by_category,
            "support_durations": durations,
            "support_duration_histogram": histogram,
            "support_quarter_change": quarter_change,
            "support_missed_rights_requests": missed,
        },
    )
