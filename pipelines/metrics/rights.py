"""Rights-request turnaround (contract §3, policy §3, GDPR Art. 12(3)).

``sql/rights_evaluated.sql`` evaluates every request the quarter needs as of
``as_of`` (clock start, deadlines rolled to working days through the
``calendar`` table, extension, due date, status); the summary, by-right and
ageing queries aggregate that frame, registered under the same name for the
duration of :func:`compute`. The eight-quarter trend is one query of its own,
each quarter evaluated as of its own end.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from pipelines.dates import add_months
from pipelines.db import install_calendar, query, registered
from pipelines.metrics import FamilyResult, Period
from pipelines.metrics.pseudonym import SALT_PARAM, salt
from pipelines.policy import Policy

PACKAGE = "pipelines.metrics"
EVALUATED = "rights_evaluated"
TREND_QUARTERS = 8
#: the longest run of non-working days a rolled deadline can cross, with room to spare
ROLL_MARGIN = timedelta(days=14)

#: columns of the per-request table (``rights_requests``)
REQUEST_COLUMNS = (
    "request_key",
    "right",
    "channel",
    "received_on",
    "start",
    "deadline",
    "extended_deadline",
    "extension",
    "due",
    "completed_on",
    "days_to_complete",
    "days_allowed",
    "on_time",
    "status",
)


class CalendarTooShort(RuntimeError):
    """A deadline fell outside the installed ``calendar`` table (a bug, never bad input)."""


def _install_calendar(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, trend_start: date) -> None:
    """A calendar from the earliest clock start (or the trend's start) to the latest deadline."""
    first_received = query(con, PACKAGE, "rights_calendar_range", as_of=period.as_of).item(0, 0)
    first = min(d for d in (first_received, trend_start, period.start) if d is not None)
    months = max(policy.deadline_months, policy.extended_deadline_months)
    # a clock starts on or before as_of, so no deadline lies beyond this
    last = add_months(period.as_of, months) + ROLL_MARGIN
    install_calendar(con, first, last)


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> FamilyResult:
    trend_start = period.quarter.shift(-(TREND_QUARTERS - 1)).start
    _install_calendar(con, period, policy, trend_start)
    rules = {
        "clock_start": policy.clock_start,
        "deadline_months": policy.deadline_months,
        "extended_months": policy.extended_deadline_months,
    }

    evaluated = query(
        con,
        PACKAGE,
        "rights_evaluated",
        quarter_start=period.start,
        as_of=period.as_of,
        **rules,
        **{SALT_PARAM: salt(con)},
    )
    if evaluated["deadline"].null_count() or evaluated["extended_deadline"].null_count():
        raise CalendarTooShort("a rights deadline fell outside the installed calendar table")

    with registered(con, EVALUATED, evaluated):
        row = query(con, PACKAGE, "rights_summary").row(0, named=True)
        by_right = query(con, PACKAGE, "rights_by_right")
        ageing = query(con, PACKAGE, "rights_open_ageing")

    trend = query(
        con,
        PACKAGE,
        "rights_on_time_trend",
        trend_start=trend_start,
        quarter_start=period.start,
        as_of=period.as_of,
        **rules,
    )

    summary = {
        "received": row["received"],
        "by_right": {
            r: n for r, n in zip(by_right["right"].to_list(), by_right["received"].to_list()) if n > 0
        },
        "completed": row["completed"],
        "on_time_rate": row["on_time_rate"],
        "days_to_complete": {"median": row["days_median"], "p90": row["days_p90"]},
        "extensions": {"valid": row["extensions_valid"], "invalid": row["extensions_invalid"]},
        "open_overdue": row["open_overdue"],
        "open_not_due": row["open_not_due"],
        # beyond the contract's keys
        "on_time": row["on_time"],
        "completed_before_start": row["completed_before_start"],
        "overdue_days_max": row["overdue_days_max"],
        "clock_start": policy.clock_start,
        "deadline_months": policy.deadline_months,
        "extended_deadline_months": policy.extended_deadline_months,
    }
    return FamilyResult(
        summary=summary,
        tables={
            "rights_requests": evaluated.select(REQUEST_COLUMNS),
            "rights_by_right": by_right,
            "rights_open_ageing": ageing,
            "rights_on_time_trend": trend,
        },
    )
