"""Differential: on the same loaded tables, Spark gives DuckDB's summary.json and tables, figure for figure.

The tables are DuckDB's (the shipped sample through the DuckDB loader, or the edge cases of
the metric tests built inline), copied to a Spark working directory (conftest.py's
``work_from_duckdb``), so only the engines differ. Medians, p90s and shares may differ in the
last bits of a float (Spark's percentile sums in another order): within 1e-9.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from pipelines import db as dbmod
from pipelines.dates import Quarter
from pipelines.load import load_exports
from pipelines.metrics import Period
from pipelines.policy import load_policy
from pipelines.results import compute_results, compute_with_previous, resolve_period
from tests.conftest import build_db
from tests.metrics.test_inactivity import account as inactivity_account
from tests.metrics.test_inactivity import session
from tests.metrics.test_retention import account as retention_account
from tests.metrics.test_rights import req
from tests.metrics.test_support import request as ticket_request
from tests.metrics.test_support import ticket

POLICY = load_policy()
SAMPLE = Path(__file__).resolve().parents[2] / "data_samples"
TOLERANCE = 1e-9


def assert_same_figures(spark_value, duckdb_value, path: str = "summary") -> None:
    """Equal, floats within :data:`TOLERANCE`; the path names the first figure that differs."""
    if isinstance(duckdb_value, float) and isinstance(spark_value, float):
        assert math.isclose(spark_value, duckdb_value, rel_tol=0, abs_tol=TOLERANCE), path
    elif isinstance(duckdb_value, dict):
        assert isinstance(spark_value, dict) and list(spark_value) == list(duckdb_value), path
        for key in duckdb_value:
            assert_same_figures(spark_value[key], duckdb_value[key], f"{path}.{key}")
    elif isinstance(duckdb_value, list):
        assert isinstance(spark_value, list) and len(spark_value) == len(duckdb_value), path
        for i, (a, b) in enumerate(zip(spark_value, duckdb_value)):
            assert_same_figures(a, b, f"{path}[{i}]")
    else:
        assert type(spark_value) is type(duckdb_value) and spark_value == duckdb_value, (path, spark_value, duckdb_value)


def assert_same_results(spark_results, duckdb_results) -> None:
    assert_same_figures(spark_results.summary, duckdb_results.summary)
    assert list(spark_results.tables) == list(duckdb_results.tables)
    for name, frame in duckdb_results.tables.items():
        assert_frame_equal(spark_results.tables[name], frame, check_exact=False, rel_tol=0, abs_tol=TOLERANCE)


def test_the_shipped_sample_gives_the_same_figures_and_tables(spark_con, tmp_path):
    db = tmp_path / "sample.duckdb"
    load_exports(SAMPLE, db, zone=POLICY.zone)
    con = dbmod.connect(db, read_only=True, zone=POLICY.zone)
    try:
        sc = spark_con(con)
        today = date(2026, 1, 1)
        period = resolve_period(con, "latest", None, today)
        assert resolve_period(sc, "latest", None, today) == period
        expected = compute_with_previous(con, period, POLICY)
        got = compute_with_previous(sc, period, POLICY)
    finally:
        con.close()
    assert expected.summary["support"]["tickets"] > 0 and expected.summary["rights"]["received"] > 0
    assert_same_results(got, expected)


def edge_exports() -> dict[str, list[dict]]:
    """The metric tests' edge cases in one export (their builders; ids kept apart per case).

    Local midnights and clock changes in Brussels, month ends and leap days, legal hold,
    accounts created after as_of (reading 19), erased accounts' residual rows, unknown
    accounts, impossible ticket orders (readings 4, 15), channel and right spellings
    (reading 17), rights deadlines on weekends and holidays, extensions in and out of time,
    identity verification, completion before the clock start (reading 18), events after as_of.
    """
    accounts = [
        retention_account("late", "2023-09-28 10:00"),
        retention_account("on_as_of", "2023-09-30 10:00"),
        retention_account("held", "2023-01-10 10:00", legal_hold=True),
        retention_account("utc_evening", "2023-09-30 22:30"),  # 1 October in Brussels
        retention_account("winter_night", "2024-03-30 23:30"),  # 31 March, the spring change, in Brussels
        inactivity_account("month_end", created="2023-08-31 10:00"),
        inactivity_account("leap", created="2023-02-28 10:00", last_login_at="2024-02-29 10:00"),
        inactivity_account("future", created="2024-10-05 10:00", erased_at="2024-09-01 10:00"),
        retention_account("erased_late", "2022-06-01 10:00", erased_at="2024-08-15 10:00"),
        retention_account("erased_ok", "2024-06-01 10:00", erased_at="2024-07-10 10:00"),
        retention_account("erased_old", "2023-01-01 10:00", erased_at="2024-01-05 10:00"),
        inactivity_account("fresh", created="2024-09-29 21:59"),  # 23:59 on the 29th in Brussels
    ]
    sessions = [
        session("s_late", "late", "2023-09-28 10:00", ip_address="192.0.2.1"),
        session("s_held", "held", "2023-01-10 10:00", device_id="dev-held-1"),
        session("s_after", "on_as_of", "2024-10-01 10:00", ip_address="192.0.2.2"),  # after as_of
        session("s_erased", "erased_late", "2022-06-01 10:00", device_id="dev-erased-1"),
        session("s_old_erased", "erased_old", "2023-01-01 10:00", ip_address="192.0.2.3"),
        session("s_ghost", "ghost", "2024-05-01 10:00", ip_address="192.0.2.4"),  # unknown account
        session("s_q1_end", "month_end", "2024-03-31 21:59", ip_address="192.0.2.5"),  # 23:59 local
        session("s_q2_start", "month_end", "2024-03-31 22:00"),  # 00:00 on 1 April in Brussels
        session("s_dst", "leap", "2024-03-31 00:30"),  # 01:30 CET, just before the change
        session("s_trend", "utc_evening", "2022-12-31 23:30"),  # 2023 in Brussels
        session("s_fresh", "fresh", "2024-09-30 21:59:59"),  # 23:59:59 local on as_of
    ]
    tickets = [
        ticket("t_timed", "2024-07-02 08:00", first="2024-07-02 09:00", resolved="2024-07-02 10:00", account="late"),
        ticket("t_chat", "2024-07-03 08:00", channel=" Live_Chat ", first="2024-07-03 08:20:30.5",
               resolved="2024-07-05 08:00"),
        ticket("t_phone", "2024-08-01 12:00", channel="phone", first="2024-08-02 12:00"),  # open: backlog
        ticket("t_impossible", "2024-08-10 12:00", first="2024-08-09 12:00", resolved="2024-08-09 13:00"),
        ticket("t_first_before", "2024-08-11 12:00", first="2024-08-11 11:00", resolved="2024-08-12 12:00"),
        ticket("t_privacy", "2024-07-10 12:00", category=" Privacy ", account="held"),  # missed: window closed
        ticket("t_privacy_followed", "2024-08-01 12:00", category="privacy", account="late"),
        ticket("t_privacy_open", "2024-08-25 12:00", category="PRIVACY", account="month_end"),  # window open
        ticket("t_resolved_later", "2024-09-20 12:00", first="2024-09-20 13:00", resolved="2024-10-02 12:00"),
        ticket("t_old_open", "2024-05-01 12:00"),  # backlog from an earlier quarter
        # reading 24: answered by the resolution when there is no valid first response
        ticket("t_resolved_only", "2024-07-03 08:00", resolved="2024-07-05 12:00"),  # answered in time
        ticket("t_resolved_late", "2024-07-03 08:00", resolved="2024-07-12 08:00"),  # answered late
        ticket("t_first_before_open", "2024-07-08 08:00", first="2024-07-07 08:00"),  # unanswered past the standard
        ticket("t_future", "2024-10-01 12:00"),  # after as_of
        ticket("t_erased", "2022-06-02 10:00", account="erased_late", resolved="2022-06-03 10:00"),
        ticket("t_no_account_old", "2020-01-05 10:00", resolved="2020-01-06 10:00"),
        ticket("t_dst", "2024-03-30 23:00", first="2024-03-31 03:00", resolved="2024-03-31 05:00", channel="Email"),
        # categories the policy does not declare: 'other', counted by distinct value (contract.md "Only declared values")
        ticket("t_undeclared", "2024-07-04 12:00", category=" Feature Request"),
        ticket("t_undeclared_again", "2024-08-04 12:00", category="feature request"),
        ticket("t_undeclared_name", "2024-08-05 12:00", category="jan.peeters complaint"),
        ticket("t_declared_case", "2024-08-06 12:00", category="Billing "),
    ]
    requests = [
        req("r_on_day", "2024-07-05", completed="2024-08-05"),
        req("r_day_after", "2024-07-05", completed="2024-08-06"),
        req("r_evening", "2024-07-05", completed="2024-08-05 21:30"),
        req("r_ext_valid", "2024-07-01", notified="2024-07-25", completed="2024-08-20", right="Erasure"),
        req("r_ext_late", "2024-07-01", notified="2024-08-05", completed="2024-08-20", right="erasure"),  # notice late
        req("r_identity", "2024-07-10", verified="2024-07-20", completed="2024-08-19", right="Consent Withdrawal"),
        req("r_before_start", "2024-07-10", completed="2024-07-09", right="consent-withdrawal"),
        req("r_open_overdue", "2024-06-01", right="portability"),
        req("r_open_due_today", "2024-08-30"),  # due 30 Sep, the as_of day: not yet due
        req("r_open", "2024-09-15", right="objection"),
        req("r_unknown_right", "2024-08-01", right="Delete everything", completed="2024-08-02"),
        req("r_holiday", "2024-11-01", completed="2024-12-02"),  # after as_of
        req("r_q1", "2024-02-29", completed="2024-03-29", right="access"),
        # reading 23: consent withdrawals against the 2-working-day standard; Thursday 15 August is a holiday,
        # so Wednesday 14's second working day is Monday 19 (completed 16: within); Tuesday 20's is Thursday 22
        req("r_withdrawal_in_time", "2024-08-14", right="consent_withdrawal", completed="2024-08-16"),
        req("r_withdrawal_open", "2024-08-20", right="consent_withdrawal"),
        ticket_request("r_follow", "late", "2024-08-20 10:00"),
    ]
    marketing = [
        {"contact_id": "m_old", "account_id": None, "last_communication_at": "2023-08-01 10:00"},
        {"contact_id": "m_recent", "account_id": "late", "last_communication_at": "2024-09-01 10:00"},
        {"contact_id": "m_withdrawn", "account_id": None, "consent_withdrawn_at": "2024-05-01 10:00",
         "last_communication_at": "2024-06-01 10:00"},
        {"contact_id": "m_erased", "account_id": "erased_old", "last_communication_at": "2023-12-01 10:00"},
        {"contact_id": "m_unknown", "account_id": "ghost", "last_communication_at": "2022-01-01 10:00"},
    ]
    visits = [
        {"visit_id": "v1", "visitor_id": "visitor-old", "visited_at": "2022-08-01 10:00"},
        {"visit_id": "v2", "visitor_id": "visitor-old", "visited_at": "2022-09-01 10:00"},
        {"visit_id": "v3", "visitor_id": "visitor-recent", "visited_at": "2022-08-01 10:00"},
        {"visit_id": "v4", "visitor_id": "visitor-recent", "visited_at": "2024-08-01 10:00"},
        {"visit_id": "v5", "visitor_id": "visitor-erased", "account_id": "erased_old", "visited_at": "2023-12-20 10:00"},
    ]
    payments = [
        {"payment_id": "p_2013", "account_id": "late", "paid_at": "2013-12-31 22:30"},  # 2014 in Brussels
        {"payment_id": "p_2013b", "account_id": "late", "paid_at": "2013-06-01 10:00"},
        {"payment_id": "p_2020", "account_id": "ghost", "paid_at": "2020-06-01 10:00"},
        # reading 22: the account "late" still needs its payments (its deadline is after as_of); a payment of an
        # account not in the export has the statutory end alone (2013 -> 2024-01-01): a breach
        {"payment_id": "p_ghost_2013", "account_id": "ghost", "paid_at": "2013-03-01 10:00"},
    ]
    return {
        "accounts": accounts, "sessions": sessions, "support_tickets": tickets, "rights_requests": requests,
        "marketing_contacts": marketing, "web_visits": visits, "payments": payments,
    }


#: two quarters (a Spark computation costs about a minute here: each query is a Spark job)
PERIODS = (
    Period.of(Quarter(2024, 3), date(2024, 8, 31)),  # a month end inside the quarter
    Period.of(Quarter(2024, 1)),  # as_of 2024-03-31, the spring clock change
)


def test_the_metric_tests_edge_cases_give_the_same_figures_over_several_periods(spark_con):
    con = build_db(edge_exports())
    try:
        sc = spark_con(con)
        for period in PERIODS:
            expected = compute_results(con, period, POLICY)
            if period == PERIODS[0]:  # the cases reach the figures they are meant for (not a comparison of zeros)
                s = expected.summary
                assert s["support"]["excluded_impossible_order"] > 0 and s["support"]["privacy_tickets"] > 0
                assert s["support"]["answered_late"] > 0 and s["support"]["unanswered_past_standard"] > 0
                assert s["support"]["missed_rights_requests"] > 0 and s["support"]["missed_rights_requests_window_open"] > 0
                assert s["rights"]["completed"] > 0 and s["rights"]["open_overdue"] > 0
                assert s["rights"]["extensions"] == {"valid": 1, "invalid": 1}
                withdrawals = s["rights"]["consent_withdrawals"]
                assert withdrawals["within_standard"] > 0 and withdrawals["open_past_standard"] > 0
                assert withdrawals["completed"] > withdrawals["within_standard"]
                assert s["support"]["category_other_distinct"] == 2 and s["rights"]["right_other_distinct"] == 1
                assert s["retention"]["breaches"]["payments"] > 0 and s["retention"]["late_erasures"] > 0
            assert_same_results(compute_results(sc, period, POLICY), expected)
    finally:
        con.close()


def test_absent_optional_tables_give_null_figures_on_both(spark_con):
    tables = {k: v for k, v in edge_exports().items() if k in ("accounts", "sessions", "support_tickets", "rights_requests")}
    con = build_db(tables, absent=("marketing_contacts", "web_visits", "payments"))
    try:
        sc = spark_con(con)
        expected = compute_results(con, Period.of(Quarter(2024, 3)), POLICY)
        got = compute_results(sc, Period.of(Quarter(2024, 3)), POLICY)
    finally:
        con.close()
    assert expected.summary["retention"]["breaches"]["payments"] is None
    assert_same_results(got, expected)


def test_the_comparison_fails_on_a_changed_figure():
    a = {"x": 1.0, "y": {"z": [1, 2]}}
    assert_same_figures({"x": 1.0 + 1e-12, "y": {"z": [1, 2]}}, a)
    for changed in ({"x": 1.0 + 1e-6, "y": {"z": [1, 2]}}, {"x": 1.0, "y": {"z": [1, 3]}}, {"x": 1, "y": {"z": [1, 2]}}):
        try:
            assert_same_figures(changed, a)
        except AssertionError:
            continue
        raise AssertionError(f"{changed} passed as equal")
    frame = pl.DataFrame({"a": [1.0]})
    assert_frame_equal(pl.DataFrame({"a": [1.0 + 1e-12]}), frame, check_exact=False, rel_tol=0, abs_tol=TOLERANCE)


def test_a_policy_using_every_rule_template_gives_the_same_figures(spark_con, tmp_path):
    """docs/design.md, "Rules as SQL": the generated model is one text for both engines."""
    from pipelines.metrics import retention
    from tests.policy.helpers import EVERY_TEMPLATE, TEXT, write_policy

    policy = load_policy(write_policy(tmp_path, TEXT + EVERY_TEMPLATE))
    con = build_db(edge_exports())
    try:
        sc = spark_con(con)
        period = PERIODS[0]
        expected = retention.compute(con, period, policy).summary
        found = retention.compute(sc, period, policy).summary
        assert sum(v["breaches"] or 0 for v in expected["by_rule"].values()) > 0
        assert_same_figures(found["by_rule"], expected["by_rule"], "by_rule")
        assert_same_figures(found["breaches"], expected["breaches"], "breaches")
    finally:
        con.close()
