"""Retention breaches (contract §3; readings 9, 10, 12, 19) on tiny inline databases, expectations computed by hand.

As of 2024-09-30 unless said otherwise; a breach is a deadline before as_of.
"""

from datetime import date

import polars as pl

from pipelines.dates import Quarter
from pipelines.metrics import Period, retention
from pipelines.policy import load_policy

POLICY = load_policy()
Q3 = Period.of(Quarter.parse("2024Q3"))


def account(account_id, last_login=None, **extra):
    row = {"account_id": account_id, "created_at": "2022-01-10 10:00", "plan": "free", "status": "active", **extra}
    if last_login:
        row["last_login_at"] = last_login
    return row


def compute(make_db, period=Q3, **tables):
    return retention.compute(make_db(tables), period, POLICY)


def test_account_breach_and_legal_hold_exempts_every_row_of_the_account(make_db):
    result = compute(
        make_db,
        accounts=[
            account("late", "2023-09-28 10:00"),      # deadline 2024-09-28: 2 days overdue
            account("on_as_of", "2023-09-30 10:00"),  # deadline = as_of: not yet a breach
            account("held", "2023-01-10 10:00", legal_hold=True),
        ],
        sessions=[{"session_id": "s1", "account_id": "held", "started_at": "2023-01-10 09:00", "ip_address": "192.0.2.1"}],
    )
    assert result.summary["breaches"]["account"] == 1
    assert result.summary["oldest_days_overdue"]["account"] == 2
    assert result.summary["breaches"]["logs"] == 0  # reading 21: a hold exempts every row of the account


def test_logs_need_ip_or_device_and_a_known_live_account(make_db):
    result = compute(
        make_db,
        accounts=[account("old", "2023-01-10 10:00"), account("fresh", "2024-09-01 10:00")],
        sessions=[
            {"session_id": "s1", "account_id": "old", "started_at": "2023-01-05 10:00", "ip_address": "192.0.2.1"},
            {"session_id": "s2", "account_id": "old", "started_at": "2023-01-06 10:00", "device_id": "d-1"},
            {"session_id": "s3", "account_id": "old", "started_at": "2023-01-07 10:00"},  # anonymised
            {"session_id": "s4", "account_id": "fresh", "started_at": "2023-01-07 10:00", "ip_address": "192.0.2.2"},
            {"session_id": "s5", "account_id": "ghost", "started_at": "2023-01-07 10:00", "ip_address": "192.0.2.3"},
        ],
    )
    # old's deadline is 2024-01-10 (its last login); fresh is active; ghost is an orphan
    assert result.summary["breaches"]["logs"] == 2
    assert result.summary["oldest_days_overdue"]["logs"] == (date(2024, 9, 30) - date(2024, 1, 10)).days


def test_support_tickets_with_and_without_account(make_db):
    result = compute(
        make_db,
        accounts=[account("old", "2023-01-10 10:00")],
        support_tickets=[
            {"ticket_id": "t1", "account_id": "old", "channel": "email", "category": "bug", "created_at": "2023-01-01 10:00"},
            {"ticket_id": "t2", "account_id": "old", "channel": "email", "category": "bug",
             "created_at": "2023-01-01 10:00", "anonymized_at": "2023-06-01 10:00"},
            # prospect: 12 months after resolution 2023-09-29 -> 2024-09-29: breach by 1 day
            {"ticket_id": "t3", "channel": "email", "category": "bug",
             "created_at": "2023-08-01 10:00", "resolved_at": "2023-09-29 10:00"},
            # prospect resolved after as_of: anchored on creation 2023-10-01 -> not yet due
            {"ticket_id": "t4", "channel": "email", "category": "bug",
             "created_at": "2023-10-01 10:00", "resolved_at": "2024-10-02 10:00"},
            # anonymised only after as_of: still held at as_of
            {"ticket_id": "t5", "account_id": "old", "channel": "email", "category": "bug",
             "created_at": "2023-01-01 10:00", "anonymized_at": "2024-10-02 10:00"},
            # unknown account: kept out (reading 12)
            {"ticket_id": "t6", "account_id": "ghost", "channel": "email", "category": "bug", "created_at": "2022-01-01 10:00"},
        ],
    )
    assert result.summary["breaches"]["support"] == 3  # t1, t3, t5


def test_marketing_period_and_withdrawn_consent(make_db):
    result = compute(
        make_db,
        accounts=[account("live", "2024-09-01 10:00")],
        marketing_contacts=[
            {"contact_id": "m1", "last_communication_at": "2023-09-29 10:00"},  # deadline 2024-09-29: breach
            {"contact_id": "m2", "last_communication_at": "2023-09-30 10:00"},  # deadline = as_of: not yet
            {"contact_id": "m3", "account_id": "live", "consent_withdrawn_at": "2024-03-01 10:00",
             "last_communication_at": "2024-03-02 10:00"},                       # written to after withdrawal
            {"contact_id": "m4", "consent_withdrawn_at": "2024-03-01 10:00",
             "last_communication_at": "2024-02-28 10:00"},                       # before withdrawal: fine
            {"contact_id": "m5", "account_id": "ghost", "last_communication_at": "2020-01-01 10:00"},  # unknown account
            {"contact_id": "m6", "last_communication_at": "2024-10-01 10:00"},  # after as_of: not yet there
        ],
    )
    assert result.summary["breaches"]["marketing"] == 1
    assert result.summary["withdrawn_consent_contacted"] == 1
    assert result.tables["retention_withdrawn_consent"].height == 1


def test_the_report_table_keeps_the_ten_latest_contacts_written_to_after_withdrawal(make_db):
    contacts = [
        {"contact_id": f"m{d}", "consent_withdrawn_at": "2024-03-01 10:00", "last_communication_at": f"2024-04-{d:02d} 10:00"}
        for d in range(1, 13)
    ]
    result = compute(make_db, accounts=[account("live", "2024-09-01 10:00")], marketing_contacts=contacts)
    assert result.summary["withdrawn_consent_contacted"] == 12
    shown = result.tables["retention_withdrawn_consent"]["last_communication_on"].to_list()
    assert shown == [date(2024, 4, d) for d in range(12, 2, -1)]  # the most recent ten


def test_analytics_uses_the_visitors_last_visit(make_db):
    result = compute(
        make_db,
        accounts=[account("a", "2024-09-01 10:00")],
        web_visits=[
            {"visit_id": "v1", "visitor_id": "both", "visited_at": "2021-01-01 10:00"},
            {"visit_id": "v2", "visitor_id": "both", "visited_at": "2024-06-01 10:00"},
            {"visit_id": "v3", "visitor_id": "old", "visited_at": "2022-09-28 10:00"},  # deadline 2024-09-28
            {"visit_id": "v4", "visitor_id": "old", "visited_at": "2022-09-01 10:00"},
            {"visit_id": "v5", "visitor_id": "later", "visited_at": "2022-01-01 10:00"},
            {"visit_id": "v6", "visitor_id": "later", "visited_at": "2024-10-01 10:00"},  # after as_of: ignored
        ],
    )
    # old: both rows; later: its only visit by as_of is 2022-01-01 -> deadline 2024-01-01
    assert result.summary["breaches"]["analytics"] == 3
    assert result.summary["oldest_days_overdue"]["analytics"] == (date(2024, 9, 30) - date(2024, 1, 1)).days


def test_residual_rows_of_erased_accounts_inside_and_past_grace(make_db):
    result = compute(
        make_db,
        accounts=[
            account("past", status="deleted", erased_at="2024-08-30 10:00"),    # grace ends 2024-09-29: breach
            account("inside", status="deleted", erased_at="2024-08-31 10:00"),  # grace ends 2024-09-30: not yet
            account("later", status="deleted", erased_at="2024-10-01 10:00", last_login="2023-01-01 10:00"),
        ],
        sessions=[
            {"session_id": f"s-{a}", "account_id": a, "started_at": "2022-02-01 10:00", "ip_address": "192.0.2.9"}
            for a in ("past", "inside", "later")
        ],
        support_tickets=[{"ticket_id": "t1", "account_id": "past", "channel": "email", "category": "bug",
                          "created_at": "2022-02-01 10:00"}],
        marketing_contacts=[{"contact_id": "m1", "account_id": "past", "last_communication_at": "2024-08-01 10:00"}],
        web_visits=[{"visit_id": "v1", "visitor_id": "x", "account_id": "past", "visited_at": "2024-08-01 10:00"}],
    )
    b = result.summary["breaches"]
    # reading 20: "past" was last active 2022-02-01, so its session and ticket were due 2023-02-01, before the
    # erasure: breaches of logs and support, not leftovers; its marketing row (due 2025-08-01) and visit (due
    # 2026-08-01) are not due under their own rules: leftovers, the purge window ending 2024-09-29
    assert b["residual"] == 2
    assert result.summary["oldest_days_overdue"]["residual"] == 1
    # "inside" (erased 2024-08-31) and "later" (erased after as_of) were due 2023-02-01 and 2024-01-01 too
    assert (b["logs"], b["support"], b["marketing"], b["analytics"]) == (3, 1, 0, 0)
    assert b["account"] == 1  # "later": last login 2023-01-01, erased only after as_of


def test_account_created_after_as_of_is_not_erased_whatever_its_erased_at(make_db):
    # reading 19: created 2024-10-01 00:30 in Brussels (after as_of), "erased" 2024-07-05 (before it)
    future = account("future", "2022-01-01 10:00", created_at="2024-09-30 22:30",
                     status="deleted", erased_at="2024-07-05 10:00")
    result = compute(
        make_db,
        accounts=[future],
        sessions=[{"session_id": "s1", "account_id": "future", "started_at": "2022-01-01 10:00",
                   "ip_address": "192.0.2.1"}],
        support_tickets=[{"ticket_id": "t1", "account_id": "future", "channel": "email", "category": "bug",
                          "created_at": "2022-01-01 10:00"}],
        marketing_contacts=[{"contact_id": "m1", "account_id": "future", "consent_withdrawn_at": "2022-12-01 10:00",
                             "last_communication_at": "2023-01-01 10:00"}],   # deadline 2024-01-01
        web_visits=[{"visit_id": "v1", "visitor_id": "x", "account_id": "future",
                     "visited_at": "2022-01-01 10:00"}],                      # deadline 2024-01-01
    )
    b = result.summary["breaches"]
    # its sessions and tickets are kept out (no account yet); marketing and visits count as such
    assert (b["account"], b["logs"], b["support"], b["residual"]) == (0, 0, 0, 0)
    assert (b["marketing"], b["analytics"]) == (1, 1)
    assert result.summary["oldest_days_overdue"]["marketing"] == (date(2024, 9, 30) - date(2024, 1, 1)).days
    assert result.summary["late_erasures"] == 0  # not an erasure in the quarter (last activity 2022)
    assert result.summary["withdrawn_consent_contacted"] == 1  # whatever the account's state


def test_payments_statutory_period(make_db):
    result = compute(
        make_db,
        period=Period.of(Quarter.parse("2024Q1"), date(2024, 1, 2)),
        accounts=[account("a")],
        payments=[
            # 1 January of the year after payment + 10 years
            {"payment_id": "p1", "account_id": "a", "paid_at": "2013-12-31 10:00"},  # deadline 2024-01-01: breach
            {"payment_id": "p2", "account_id": "a", "paid_at": "2014-01-01 10:00"},  # deadline 2025-01-01
            {"payment_id": "p3", "account_id": "a", "paid_at": "2013-12-31 23:30"},  # 2014-01-01 in Brussels
        ],
    )
    assert result.summary["breaches"]["payments"] == 1
    assert result.summary["oldest_days_overdue"]["payments"] == 1


def test_late_erasures_in_the_quarter(make_db):
    result = compute(
        make_db,
        accounts=[
            account("late", "2023-07-01 10:00", status="deleted", erased_at="2024-07-11 10:00"),  # 10 days late
            account("ontime", "2023-08-01 10:00", status="deleted", erased_at="2024-07-11 10:00"),
            account("earlier", "2022-07-01 10:00", status="deleted", erased_at="2024-06-11 10:00"),  # previous quarter
            account("held", "2023-07-01 10:00", status="deleted", erased_at="2024-07-02 10:00", legal_hold=True),
        ],
    )
    late = result.tables["retention_late_erasures"]
    assert result.summary["late_erasures"] == 2
    assert sorted(late["days_late"].to_list()) == [1, 10]
    assert "account_id" not in late.columns


def test_the_report_table_keeps_the_ten_latest_erasures_and_the_count_keeps_all(make_db):
    # 12 accounts erased 1..12 days after their deadline (2024-07-01 + 12 months + n days)
    accounts = [
        account(f"late{n}", "2023-07-01 10:00", status="deleted", erased_at=f"2024-07-{1 + n:02d} 10:00")
        for n in range(1, 13)
    ]
    result = compute(make_db, accounts=accounts)
    assert result.summary["late_erasures"] == 12
    assert result.summary["late_erasures_max_days"] == 12
    late = result.tables["retention_late_erasures"]
    assert late["days_late"].to_list() == list(range(12, 2, -1))  # the ten most late, most late first
    assert result.detail["late_erasures"].height == 12


def test_absent_optional_tables_give_null(make_db):
    con = make_db({"accounts": [account("a")]}, absent=("marketing_contacts", "web_visits", "payments"))
    result = retention.compute(con, Q3, POLICY)
    b = result.summary["breaches"]
    assert (b["marketing"], b["analytics"], b["payments"]) == (None, None, None)
    assert result.summary["withdrawn_consent_contacted"] is None
    assert b["residual"] == 0
    assert result.summary["absent_tables"] == ["marketing_contacts", "web_visits", "payments"]


def test_detail_is_keyed_pseudonymously(make_db):
    result = compute(make_db, accounts=[account("alice@example.com", "2022-02-01 10:00")])
    detail = result.tables["retention_oldest_breaches"]
    assert detail.height == 1
    assert "alice" not in detail.write_csv()


def test_the_report_table_names_only_the_ten_most_overdue_subjects_per_category(make_db):
    # last login 2023-09-01 + d days: deadline 12 months later, overdue 29 - d days on 2024-09-30
    accounts = [account(f"acct{d:02d}", f"2023-09-{1 + d:02d} 10:00") for d in range(12)]
    result = compute(make_db, accounts=accounts)
    assert result.summary["breaches"]["account"] == 12  # the figure counts every breach
    oldest = result.tables["retention_oldest_breaches"].filter(pl.col("category") == "account")
    assert oldest["days_overdue"].to_list() == [29, 28, 27, 26, 25, 24, 23, 22, 21, 20]
    assert oldest["rows"].to_list() == [1] * 10


def test_logs_and_support_periods_are_read_from_the_policy_file(make_db, tmp_path):
    """Each rule's period is the policy file's (docs/policy-file.md): logs and support count from the account's
    erasure deadline, a ticket without an account from its resolution."""
    from tests.conftest import policy_with

    con = make_db({
        "accounts": [account("a", last_login="2023-05-01 10:00")],
        "sessions": [{"session_id": "s", "account_id": "a", "started_at": "2023-05-01 09:00", "ip_address": "10.0.0.1"}],
        "support_tickets": [
            {"ticket_id": "t1", "account_id": "a", "channel": "email", "category": "bug", "created_at": "2023-04-01 10:00"},
            {"ticket_id": "t2", "channel": "email", "category": "bug", "created_at": "2023-06-01 10:00",
             "resolved_at": "2023-06-02 10:00"},
        ],
    }, absent=("marketing_contacts", "web_visits", "payments"))
    shipped = retention.compute(con, Q3, POLICY).summary["breaches"]
    assert (shipped["logs"], shipped["support"]) == (1, 2)
    # the logs rule six months after the account's deadline (2024-05-01 + 6 months: not yet)
    logs = policy_with(tmp_path / "p.toml", 'rule = "account_erasure"\nperiod = "none"\nexempt',
                       'rule = "account_erasure"\nperiod = "6 months"\nexempt')
    assert "logs_retention" in logs.read_text().split('period = "6 months"')[0].rsplit("[[rule]]", 1)[1]
    # a ticket without an account 24 months after its resolution (2023-06-02 + 24 months: not yet)
    tickets = policy_with(tmp_path / "q.toml", 'columns = ["resolved_at", "created_at"]\nperiod = "12 months"',
                          'columns = ["resolved_at", "created_at"]\nperiod = "24 months"')
    longer_logs = retention.compute(con, Q3, load_policy(logs)).summary["breaches"]
    longer_tickets = retention.compute(con, Q3, load_policy(tickets)).summary["breaches"]
    assert (longer_logs["logs"], longer_logs["support"]) == (0, 2)
    assert (longer_tickets["logs"], longer_tickets["support"]) == (1, 1)

def test_a_rule_whose_export_lacks_a_column_it_reads_has_no_count(tmp_path):
    """docs/contract.md, "Optional columns": read as empty, the column would make breaches up."""
    from pipelines import db as dbmod
    from pipelines.load import load_exports
    from tests.load.helpers import write_exports

    # the minimal headers: accounts without erased_at, sessions without IP or device, tickets without anonymized_at
    data = write_exports(tmp_path / "x", {"sessions": "session_id,account_id,started_at,ip_address\n"
                                                      "S1,A1,2022-02-01T10:00:00Z,192.0.2.1\n"})
    load_exports(data, tmp_path / "db.duckdb")
    with dbmod.connect(tmp_path / "db.duckdb", read_only=True) as con:
        s = retention.compute(con, Period.of(Quarter.parse("2024Q1")), load_policy()).summary
    assert s["by_rule"]["account_erasure"]["breaches"] is None          # reads accounts.erased_at
    assert s["by_rule"]["support_data_retention"]["breaches"] is None   # reads support_tickets.anonymized_at
    assert s["breaches"]["support"] is None and s["breaches"]["account"] is None
    # the IP address is there (the device id is not): judged on it. A1 created 2024-01-01, its session
    # 2022-02-01 is older than the account, so its last activity is that session: due 2023-02-01, past
    assert s["by_rule"]["logs_retention"]["breaches"] == 1
