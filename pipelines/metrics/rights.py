"""Rights-request turnaround (contract §3, policy §3, GDPR Art. 12(3)).

``sql/staging/rights_evaluated.sql`` is the model: every request the quarter needs, as of
``as_of`` (clock start, deadlines rolled to working days through the ``calendar``
table, extension, due date, status); the summary, by-right and ageing queries read
it by name. The eight-quarter trend is one query of its own, each quarter evaluated
as of its own end. The deadline rule itself (GDPR Art. 12(3)) is written once, in
``sql/rights_deadline.sql`` (``clock_start``, ``legal_deadline``, ``rights_extension``,
``rights_due``), used by both; the lengths are the policy file's ``[rights]``. This module only
installs the calendar those macros read, long enough for the longest deadline.

Reading 23 (docs/contract.md): a consent withdrawal counts in ``received`` and ``by_right`` but in no
other Art. 12(3) figure; it is judged against the company's standard (``Policy.consent_withdrawal_working_days``
working days after the day of receipt, macro ``nth_working_day_after``) in ``consent_withdrawals``.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import polars as pl

from pipelines.dates import add_months
from pipelines.db import install_calendar, query, query_all
from pipelines.metrics import FamilyResult, Period, checked
from pipelines.metrics.params import sql_params
from pipelines.policy import Policy

#: the longest run of non-working days a rolled deadline can cross, with room to spare
ROLL_MARGIN = timedelta(days=14)

#: one row per request of rights_evaluated.sql, under a pseudonymous key: the family's
#: ``detail`` (in memory, never written: a worklist, not a report table)
REQUESTS = pl.Schema(
    {
        "request_key": pl.String,
        "right": pl.String,
        "channel": pl.String,
        "received_on": pl.Date,
        "start": pl.Date,
        "deadline": pl.Date,
        "extended_deadline": pl.Date,
        "extension": pl.String,
        "due": pl.Date,
        "completed_on": pl.Date,
        "days_to_complete": pl.Int64,
        "days_allowed": pl.Int64,
        "on_time": pl.Boolean,
        "status": pl.String,
        # reading 23: a consent withdrawal, its standard's last day and whether it was completed by then
        "consent_withdrawal": pl.Boolean,
        "standard_due": pl.Date,
        "within_standard": pl.Boolean,
    }
)

TABLES = {
    # completed requests by days to spare (days allowed minus days taken) and on time
    "rights_days_spare": pl.Schema({"spare": pl.Int64, "on_time": pl.Boolean, "requests": pl.Int64}),
    # the first-due open requests, at most params.OLDEST_PER_CATEGORY per status
    "rights_open_requests": pl.Schema(
        {
            "request_key": pl.String,
            "right": pl.String,
            "channel": pl.String,
            "received_on": pl.Date,
            "start": pl.Date,
            "due": pl.Date,
            "extension": pl.String,
            "status": pl.String,
            "days_past_due": pl.Int64,
        }
    ),
    # the contract's rights by name, any other as 'other' with its number of distinct values only
    # (docs/contract.md, "Only declared values")
    "rights_by_right": pl.Schema(
        {
            "right": pl.String,
            "received": pl.Int64,
            "completed": pl.Int64,
            "on_time": pl.Int64,
            "other_values": pl.Int64,
        }
    ),
    "rights_open_ageing": pl.Schema(
        {"bucket": pl.String, "bucket_order": pl.Int32, "status": pl.String, "requests": pl.Int64}
    ),
    "rights_on_time_trend": pl.Schema(
        {
            "quarter": pl.String,
            "quarter_start": pl.Date,
            "as_of": pl.Date,
            "completed": pl.Int64,
            "on_time": pl.Int64,
            "on_time_rate": pl.Float64,
        }
    ),
}


class CalendarTooShort(RuntimeError):
    """A deadline fell outside the installed ``calendar`` table (a bug, never bad input)."""


def install_rights_calendar(con: duckdb.DuckDBPyConnection, params: dict) -> None:
    """A calendar from the earliest clock start (or the trend's start) to the latest deadline, the consent
    withdrawals' standard included (reading 23)."""
    first_received = query(con, "rights_calendar_range", **params).item(0, 0)
    first = min(d for d in (first_received, params["trend_start"], params["quarter_start"]) if d is not None)
    months = max(params["deadline_months"], params["extended_deadline_months"])
    # a clock starts on or before as_of, so no deadline lies beyond this; n working days span at most n weeks
    # (plus the margin's public holidays)
    last = max(add_months(params["as_of"], months),
               params["as_of"] + timedelta(days=7 * params["consent_withdrawal_working_days"])) + ROLL_MARGIN
    install_calendar(con, first, last, params["rights_calendar"])


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    params = sql_params(con, period, policy)
    install_rights_calendar(con, params)
    frames = query_all(
        con,
        [
            "rights_evaluated", "rights_summary", "rights_by_right", "rights_open_ageing", "rights_on_time_trend",
            "rights_days_spare", "rights_open_requests",
        ],
        **params,
    )
    evaluated = frames["rights_evaluated"]
    # an Art. 12(3) request has both deadlines, a consent withdrawal its standard's last day (reading 23)
    art12 = evaluated.filter(~pl.col("consent_withdrawal"))
    withdrawals = evaluated.filter(pl.col("consent_withdrawal"))
    if art12["deadline"].null_count() or art12["extended_deadline"].null_count() \
            or withdrawals["standard_due"].null_count():
        raise CalendarTooShort("a rights deadline fell outside the installed calendar table")
    row = frames["rights_summary"].row(0, named=True)
    by_right = frames["rights_by_right"]

    summary = {
        "received": row["received"],
        "by_right": {
            r: n for r, n in zip(by_right["right"].to_list(), by_right["received"].to_list()) if n > 0
        },
        # how many distinct unknown rights by_right's "other" holds: a count, never the values
        "right_other_distinct": row["right_other_distinct"],
        "completed": row["completed"],
        "on_time_rate": row["on_time_rate"],
        "days_to_complete": {"median": row["days_to_complete_median"], "p90": row["days_to_complete_p90"]},
        "extensions": {"valid": row["extensions_valid"], "invalid": row["extensions_invalid"]},
        "open_overdue": row["open_overdue"],
        "open_not_due": row["open_not_due"],
        # reading 23: consent withdrawals, in received and by_right only above, judged against the company's
        # standard: received and completed in the quarter, of those completed within the standard, open at
        # as_of past it
        "consent_withdrawals": {
            "received": row["withdrawals_received"],
            "completed": row["withdrawals_completed"],
            "within_standard": row["withdrawals_within_standard"],
            "open_past_standard": row["withdrawals_open_past_standard"],
        },
        # beyond the contract's keys
        "on_time": row["on_time"],
        "completed_before_start": row["completed_before_start"],
        "overdue_days_max": row["overdue_days_max"],
        "clock_start": policy.clock_start,
        "deadline_months": policy.deadline_months,
        "extended_deadline_months": policy.extended_deadline_months,
        "consent_withdrawal_working_days": policy.consent_withdrawal_working_days,
    }
    tables = {
        "rights_days_spare": frames["rights_days_spare"],
        "rights_open_requests": frames["rights_open_requests"],
        "rights_by_right": by_right,
        "rights_open_ageing": frames["rights_open_ageing"],
        "rights_on_time_trend": frames["rights_on_time_trend"],
    }
    return checked(summary, tables, TABLES, {"rights_requests": evaluated.select(REQUESTS.names())})
