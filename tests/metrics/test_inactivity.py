"""Inactivity cohorts (contract §3) on tiny inline databases, expectations computed by hand."""

from datetime import date

import pytest

from pipelines.dates import Quarter
from pipelines.db import query
from pipelines.metrics import Period, inactivity
from pipelines.metrics.params import sql_params
from pipelines.policy import load_policy

POLICY = load_policy()
Q3 = Period.of(Quarter.parse("2024Q3"))  # as_of 2024-09-30


def account(account_id, created="2023-01-10 10:00", **extra):
    return {"account_id": account_id, "created_at": created, "plan": "free", "status": "active", **extra}


def session(session_id, account_id, started, **extra):
    return {"session_id": session_id, "account_id": account_id, "started_at": started, **extra}


def deadlines(con, period=Q3):
    frame = query(con, "account_deadlines", **sql_params(con, period, POLICY))
    return {
        r[0]: r[1:]
        for r in frame.select("account_id", "last_activity_on", "erasure_deadline", "months_inactive").iter_rows()
    }


def test_last_activity_is_the_latest_session_or_login_else_creation(make_db):
    con = make_db({
        "accounts": [
            account("sessions", last_login_at="2024-01-05 10:00"),
            account("login", last_login_at="2024-05-05 10:00"),
            account("nothing", created="2024-02-10 10:00"),
        ],
        "sessions": [session("s1", "sessions", "2024-03-01 10:00"), session("s2", "login", "2024-02-01 10:00")],
    })
    got = deadlines(con)
    assert got["sessions"][0] == date(2024, 3, 1)
    assert got["login"][0] == date(2024, 5, 5)
    assert got["nothing"] == (date(2024, 2, 10), date(2025, 2, 10), 7)


def test_utc_evening_is_the_next_local_day_in_summer_and_winter(make_db):
    con = make_db({
        "accounts": [account("summer"), account("winter")],
        "sessions": [
            session("s1", "summer", "2024-06-30 22:30"),  # 00:30 CEST on 1 July
            session("s2", "winter", "2023-12-31 23:30"),  # 00:30 CET on 1 January
        ],
    })
    got = deadlines(con)
    assert got["summer"][:2] == (date(2024, 7, 1), date(2025, 7, 1))
    assert got["winter"][:2] == (date(2024, 1, 1), date(2025, 1, 1))


def test_month_end_deadlines_clamp(make_db):
    con = make_db({
        "accounts": [account("jan31"), account("feb29")],
        "sessions": [session("s1", "jan31", "2023-01-31 10:00"), session("s2", "feb29", "2024-02-29 10:00")],
    })
    got = deadlines(con, Period.of(Quarter.parse("2025Q1"), date(2025, 2, 28)))
    # 31 January + 25 months = 28 February 2025 (clamped), on as_of
    assert got["jan31"] == (date(2023, 1, 31), date(2024, 1, 31), 25)
    # 29 February + 12 months = 28 February: due on as_of, 12 whole months inactive
    assert got["feb29"] == (date(2024, 2, 29), date(2025, 2, 28), 12)


def test_events_after_as_of_are_ignored(make_db):
    con = make_db({
        "accounts": [account("a", last_login_at="2024-10-01 08:00")],  # 10:00 Brussels on 1 October
        "sessions": [session("s1", "a", "2024-01-15 10:00"), session("s2", "a", "2024-09-30 22:30")],
    })
    # the second session is on 1 October in Brussels: after as_of
    assert deadlines(con)["a"][0] == date(2024, 1, 15)


def test_population_buckets_and_due_next_30d(make_db):
    con = make_db({
        "accounts": [
            account("recent"),                                          # active 2024-09-01: 0 months
            account("three", last_login_at="2024-06-30 10:00"),         # exactly 3 months: 3-6m
            account("almost3", last_login_at="2024-07-01 10:00"),       # 2 months 29 days: 0-3m
            account("nine", last_login_at="2023-12-15 10:00"),          # 9 months: 9-12m
            account("due30", last_login_at="2023-10-30 10:00"),         # deadline 2024-10-30 = as_of + 30
            account("due31", last_login_at="2023-10-31 10:00"),         # deadline 2024-10-31 = as_of + 31
            account("held", last_login_at="2023-10-15 10:00", legal_hold=True),  # due in 15 days, on hold
            account("old", last_login_at="2023-06-01 10:00"),           # 15 months: 12m+
            account("erased_later", erased_at="2024-10-05 10:00", status="deleted"),  # still in population
            account("erased", erased_at="2024-09-01 10:00", status="deleted"),        # not in population
            account("future", created="2024-10-02 10:00"),                              # does not exist yet
        ],
        "sessions": [session("s1", "recent", "2024-09-01 10:00"), session("s2", "erased_later", "2024-08-01 10:00")],
    })
    result = inactivity.compute(con, Q3, POLICY)
    assert result.summary["population"] == 9
    assert result.summary["buckets"] == {"0-3m": 3, "3-6m": 1, "6-9m": 0, "9-12m": 4, "12m+": 1}
    # due30 and held (legal hold does not matter here: reading 10); not due31
    assert result.summary["due_next_30d"] == 2


def test_cohort_table_and_eight_quarter_trend(make_db):
    con = make_db({
        "accounts": [
            account("a", created="2023-02-01 10:00"),
            account("b", created="2024-08-01 10:00"),
            account("gone", created="2023-02-01 10:00", erased_at="2024-02-01 10:00", status="deleted"),
        ],
        "sessions": [session("s1", "a", "2023-05-01 10:00")],
    })
    result = inactivity.compute(con, Q3, POLICY)
    cohorts = {(r["signup_quarter"], r["bucket"]): r["accounts"] for r in result.tables["inactivity_cohorts"].iter_rows(named=True)}
    assert cohorts[("2023Q1", "12m+")] == 1 and cohorts[("2024Q3", "0-3m")] == 1
    assert sum(cohorts.values()) == 2
    trend = result.tables["inactivity_trend"]
    assert trend["quarter_end"].unique().sort().to_list()[0] == date(2022, 12, 31)
    assert trend.height == 8 * 5
    at = {(r["quarter_end"], r["bucket"]): r["accounts"] for r in trend.iter_rows(named=True)}
    assert sum(v for (e, _), v in at.items() if e == date(2022, 12, 31)) == 0
    # 2023-12-31: a (last session 2023-05-01, 7 months) and gone (created 2023-02-01, 10 months)
    assert at[(date(2023, 12, 31), "6-9m")] == 1 and at[(date(2023, 12, 31), "9-12m")] == 1
    # 2024-03-31: gone was erased on 2024-02-01; a is 10 months inactive
    assert sum(v for (e, _), v in at.items() if e == date(2024, 3, 31)) == 1
    assert at[(date(2024, 9, 30), "12m+")] == 1 and at[(date(2024, 9, 30), "0-3m")] == 1
    past = dict(result.tables["retention_trend"].iter_rows())
    assert past[date(2024, 6, 30)] == 1 and past[date(2024, 3, 31)] == 0  # a's deadline is 2024-05-01
    # the trend at the last quarter end equals the buckets at as_of
    assert {b: at[(date(2024, 9, 30), b)] for b in inactivity.BUCKETS} == result.summary["buckets"]


@pytest.mark.parametrize("as_of, expected", [(date(2024, 8, 15), date(2024, 6, 30)), (date(2024, 9, 30), date(2024, 9, 30))])
def test_trend_ends_at_the_last_quarter_end_on_or_before_as_of(make_db, as_of, expected):
    con = make_db({"accounts": [account("a")]})
    result = inactivity.compute(con, Period.of(Quarter.parse("2024Q3"), as_of), POLICY)
    assert result.tables["inactivity_trend"]["quarter_end"].max() == expected


def test_erasure_pipeline_looks_90_days_ahead(make_db):
    con = make_db({"accounts": [
        account("in", last_login_at="2023-12-29 10:00"),    # deadline 2024-12-29: 90 days after as_of
        account("out", last_login_at="2023-12-30 10:00"),   # 91 days
        account("past", last_login_at="2023-01-30 10:00"),
    ]})
    pipeline = inactivity.compute(con, Q3, POLICY).tables["inactivity_erasure_pipeline"]
    assert pipeline.rows() == [(date(2024, 12, 29), 1)]


def test_the_trend_query_writes_out_one_branch_per_quarter_end_bound():
    """inactivity_trend.sql names each quarter end of ``$quarter_ends_end`` by position (a CASE branch per end):
    as many branches as the trend has quarters, so a change of TREND_QUARTERS cannot leave an end unread."""
    import re

    from pipelines.db import read_sql
    from pipelines.metrics.params import TREND_QUARTERS

    sql = read_sql("pipelines.metrics", "inactivity_trend")
    positions = sorted({int(i) for i in re.findall(r"\$quarter_ends_end\[(\d+)\]", sql)})
    assert positions == list(range(1, TREND_QUARTERS + 1))


@pytest.mark.parametrize("started", ["2022-06-01 10:00", "2022-12-31 22:59", "2022-12-31 23:00", "2024-09-30 21:59",
                                     "2024-09-30 22:00", "2023-03-31 21:30"])
def test_a_session_counts_at_the_first_quarter_end_after_it_by_local_day(make_db, started):
    """The first end a session is before (Brussels local days; 2022-12-31 23:00 UTC is 1 January locally, so that
    session counts at 2023-03-31): the bucket counts at each end equal the inactivity buckets computed as of that
    end, account by account."""
    con = make_db({"accounts": [account("a1", created="2022-01-05 10:00")],
                   "sessions": [session("s1", "a1", started)]})
    result = inactivity.compute(con, Q3, POLICY)
    trend = result.tables["inactivity_trend"]
    for end in trend["quarter_end"].unique().to_list():
        as_of_end = inactivity.compute(con, Period.of(Quarter(end.year, (end.month - 1) // 3 + 1), end), POLICY)
        expected = {b: n for b, n in as_of_end.summary["buckets"].items() if n}
        at_end = {r["bucket"]: r["accounts"] for r in trend.filter(trend["quarter_end"] == end).iter_rows(named=True)
                  if r["accounts"]}
        assert at_end == expected, end
