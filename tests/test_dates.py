"""GDPR deadlines: add_months and next_working_day (pipelines.dates), and legal_deadline, the one rule of
pipelines/metrics/sql/rights_deadline.sql, called through a DuckDB connection with the working-day calendar.

Regulation 1182/71 art. 3 and EDPB Guidelines 01/2022 §159-161 (contract §3
"Rights-request turnaround"): a month from the day of receipt, the same date in
the next month or that month's last day, moved to the next working day when it
is a Saturday, Sunday or Belgian public holiday (not Good Friday, not 26 December).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db
from pipelines.dates import add_months, is_working_day, next_working_day

#: a connection with the working-day calendar over every start the tests below draw, plus the longest deadline
DEADLINES = db.connect()
db.install_calendar(DEADLINES, date(1999, 12, 1), date(2061, 6, 30))


def legal_deadline(start: date, months: int) -> date:
    """rights_deadline.sql's ``legal_deadline(start, months)``: the rule as the SQL counts it."""
    return DEADLINES.execute("SELECT legal_deadline(?, ?)", [start, months]).fetchall()[0][0]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # the month's last day when it has no such day: leap and non-leap February
        (date(2024, 1, 31), date(2024, 2, 29)),  # a Thursday
        (date(2023, 1, 31), date(2023, 2, 28)),  # a Tuesday
        # EDPB Guidelines 01/2022 §160 examples
        (date(2024, 3, 5), date(2024, 4, 5)),
        (date(2024, 8, 31), date(2024, 9, 30)),
        # received on a Saturday: the day of receipt is the start, not the Monday after
        (date(2024, 8, 3), date(2024, 9, 3)),
        # the deadline falls on a Sunday (2024-09-29): the Monday
        (date(2024, 8, 29), date(2024, 9, 30)),
        # the deadline falls on 21 July, Belgian national day (a Monday in 2025): the Tuesday
        (date(2025, 6, 21), date(2025, 7, 22)),
        # the deadline falls on Easter Monday 2024-04-01: the Tuesday
        (date(2024, 3, 1), date(2024, 4, 2)),
        # a Friday holiday followed by a weekend: All Saints' Day 2024-11-01 -> Monday 4 November
        (date(2024, 10, 1), date(2024, 11, 4)),
        # Armistice Day, a Monday in 2024
        (date(2024, 10, 11), date(2024, 11, 12)),
        # Good Friday (2024-03-29) and 26 December are working days for deadlines
        (date(2024, 2, 29), date(2024, 3, 29)),
        (date(2024, 11, 26), date(2024, 12, 26)),
    ],
)
def test_one_month_deadline(start, expected):
    assert legal_deadline(start, 1) == expected


def test_february_deadlines_are_working_days_as_they_stand():
    assert date(2024, 2, 29).weekday() == 3 and is_working_day(date(2024, 2, 29))
    assert date(2023, 2, 28).weekday() == 1 and is_working_day(date(2023, 2, 28))


def test_extended_deadline_runs_from_the_start_not_from_the_first_deadline():
    # 31 January + 3 months = 30 April (a Tuesday); not 29 February + 2 months = 29 April
    assert legal_deadline(date(2024, 1, 31), 3) == date(2024, 4, 30)
    assert add_months(legal_deadline(date(2024, 1, 31), 1), 2) == date(2024, 4, 29)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 11, 4), date(2024, 11, 4)),  # a working Monday is itself
        (date(2024, 11, 1), date(2024, 11, 4)),  # Friday holiday, then the weekend
        (date(2024, 11, 2), date(2024, 11, 4)),  # Saturday
        (date(2024, 12, 25), date(2024, 12, 26)),  # Christmas -> 26 December, a working day
        (date(2024, 3, 29), date(2024, 3, 29)),  # Good Friday is a working day
        (date(2024, 3, 30), date(2024, 4, 2)),  # Saturday, Easter Sunday, Easter Monday
        (date(2024, 12, 31), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 2)),  # New Year's Day, across the year boundary
    ],
)
def test_next_working_day(day, expected):
    assert next_working_day(day) == expected


def test_calendar_table_agrees_with_dates():
    con = db.connect()
    try:
        db.install_calendar(con, date(2023, 12, 1), date(2025, 1, 31))
        rows = con.sql("SELECT day, is_working_day, next_working_day FROM calendar ORDER BY day").fetchall()
    finally:
        con.close()
    assert len(rows) == (date(2025, 1, 31) - date(2023, 12, 1)).days + 1
    assert all(nwd == next_working_day(day) and work == is_working_day(day) for day, work, nwd in rows)


starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=starts, months=st.sampled_from([1, 3]))
def test_deadline_is_a_working_day_at_least_28_days_on(start, months):
    deadline = legal_deadline(start, months)
    assert is_working_day(deadline)
    assert deadline >= start + timedelta(days=28 * months)
    # never more than the few non-working days after the plain date
    assert add_months(start, months) <= deadline <= add_months(start, months) + timedelta(days=5)


@settings(max_examples=300, deadline=None)
@given(start=starts, later_by=st.integers(min_value=0, max_value=40), months=st.sampled_from([1, 3]))
def test_deadline_is_monotone(start, later_by, months):
    assert legal_deadline(start, months) <= legal_deadline(start + timedelta(days=later_by), months)


# --- add_months, whole_months, local dates, quarters (contract §2) -----------

from datetime import datetime, timezone  # noqa: E402

from pipelines.dates import (  # noqa: E402
    Quarter,
    latest_complete_quarter,
    local_date,
    quarter_ends,
    whole_months,
)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
    ],
)
def test_add_months_examples(d, n, expected):
    assert add_months(d, n) == expected


any_date = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@settings(max_examples=500)
@given(d=any_date, n=st.integers(min_value=0, max_value=600))
def test_add_months_properties(d, n):
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n  # lands in the right month
    assert r.day == d.day or (r.day < d.day and (r + timedelta(days=1)).month != r.month)  # same day or month end
    assert add_months(d, n + 1) >= r  # monotone in n


@settings(max_examples=500)
@given(start=any_date, end=any_date)
def test_whole_months_is_the_largest_m_with_add_months_not_after_end(start, end):
    m = whole_months(start, end)
    assert add_months(start, m) <= end < add_months(start, m + 1)


def test_whole_months_examples():
    assert whole_months(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert whole_months(date(2024, 1, 31), date(2024, 2, 28)) == 0
    assert whole_months(date(2024, 2, 29), date(2025, 2, 28)) == 12
    assert whole_months(date(2024, 6, 30), date(2024, 9, 30)) == 3


def test_local_date_in_summer_and_winter():
    assert local_date(datetime(2024, 6, 30, 22, 30, tzinfo=timezone.utc)) == date(2024, 7, 1)
    assert local_date(datetime(2024, 6, 30, 21, 30, tzinfo=timezone.utc)) == date(2024, 6, 30)
    assert local_date(datetime(2023, 12, 31, 23, 30, tzinfo=timezone.utc)) == date(2024, 1, 1)
    assert local_date(datetime(2023, 12, 31, 22, 30, tzinfo=timezone.utc)) == date(2023, 12, 31)


def test_quarters():
    q = Quarter.parse("2024Q3")
    assert (q.start, q.end) == (date(2024, 7, 1), date(2024, 9, 30))
    assert str(q.previous()) == "2024Q2" and str(Quarter.parse("2024q1").previous()) == "2023Q4"
    with pytest.raises(ValueError):
        Quarter.parse("2024Q5")


def test_latest_is_complete_by_today_and_by_the_data():
    assert latest_complete_quarter(date(2026, 11, 22)) == Quarter(2026, 3)
    assert latest_complete_quarter(date(2026, 11, 22), date(2026, 9, 30)) == Quarter(2026, 2)
    assert latest_complete_quarter(date(2026, 11, 22), date(2026, 10, 1)) == Quarter(2026, 3)
    assert latest_complete_quarter(date(2026, 10, 1), date(2027, 5, 1)) == Quarter(2026, 3)


def test_quarter_ends_are_the_last_eight_on_or_before_as_of():
    assert quarter_ends(date(2024, 9, 30))[-1] == date(2024, 9, 30)
    assert quarter_ends(date(2024, 9, 29))[-1] == date(2024, 6, 30)
    assert quarter_ends(date(2024, 9, 30))[0] == date(2022, 12, 31)


def test_working_days_after_skips_weekends_and_belgian_public_holidays():
    from pipelines.dates import working_days_after

    assert working_days_after(date(2024, 8, 9), 5) == date(2024, 8, 19)  # 15 August (Assumption) skipped
    assert working_days_after(date(2024, 9, 21), 1) == date(2024, 9, 23)  # a Saturday's next working day
    assert working_days_after(date(2024, 12, 24), 2) == date(2024, 12, 27)  # 25 December skipped, 26th is not a holiday
    assert working_days_after(date(2024, 9, 30), 0) == date(2024, 9, 30)


def test_calendar_working_day_index_agrees_with_working_days_after():
    from pipelines.dates import working_days_after

    con = db.connect()
    try:
        db.install_calendar(con, date(2024, 1, 1), date(2025, 3, 31))
        rows = con.sql(
            "SELECT s.day, min(d.day) FROM calendar s JOIN calendar d"
            " ON d.working_day_index = s.working_day_index + 5 AND d.is_working_day"
            " WHERE s.day <= DATE '2024-12-31' GROUP BY s.day ORDER BY s.day"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 366
    assert all(due == working_days_after(day, 5) for day, due in rows)
