"""The retention rules as SQL (pipelines/rules/): each anchor, period, action and scope, and contract readings 20-22.

Tiny inline databases as of 2024-09-30 (2024Q3); every expectation is computed by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.dates import Quarter
from pipelines.errors import BadInput
from pipelines.metrics import Period, retention
from pipelines.policy import load_policy
from pipelines.rules import rule_rows_sql
from tests.policy.helpers import RULE, TEXT, replaced, write_policy

POLICY = load_policy()
Q3 = Period.of(Quarter.parse("2024Q3"))
AS_OF = date(2024, 9, 30)


def account(account_id, last_login=None, **extra):
    row = {"account_id": account_id, "created_at": "2022-01-10 10:00", "plan": "free", "status": "active", **extra}
    if last_login:
        row["last_login_at"] = last_login
    return row


def rules(make_db, policy=POLICY, **tables) -> dict:
    summary = retention.compute(make_db(tables), Q3, policy).summary
    return {rule_id: block["breaches"] for rule_id, block in summary["by_rule"].items()} | {
        f"figure:{k}": v for k, v in summary["breaches"].items()}


def test_reading_20_an_erased_accounts_log_past_its_own_deadline_counts_under_logs_not_residual(make_db):
    found = rules(
        make_db,
        accounts=[
            # last login 2023-01-10: deadline 2024-01-10; erased 2024-06-01, already past it: the policy was broken
            account("late", "2023-01-10 10:00", status="deleted", erased_at="2024-06-01 10:00"),
            # last login 2024-01-10: deadline 2025-01-10 not passed; erased 2024-06-01, purge due 2024-07-01: residual
            account("purge", "2024-01-10 10:00", status="deleted", erased_at="2024-06-01 10:00"),
            # erased 2024-09-15: purge due 2024-10-15, not yet; deadline 2025-01-10 not yet: nothing
            account("recent", "2024-01-10 10:00", status="deleted", erased_at="2024-09-15 10:00"),
        ],
        sessions=[
            {"session_id": "s1", "account_id": "late", "started_at": "2022-12-01 10:00", "ip_address": "192.0.2.1"},
            {"session_id": "s2", "account_id": "purge", "started_at": "2023-12-01 10:00", "device_id": "d-2"},
            {"session_id": "s3", "account_id": "recent", "started_at": "2023-12-01 10:00", "device_id": "d-3"},
        ],
        support_tickets=[
            {"ticket_id": "t1", "account_id": "late", "channel": "email", "category": "bug",
             "created_at": "2022-11-01 10:00"},
        ],
    )
    assert found["logs_retention"] == 1            # s1, not also residual
    assert found["support_data_retention"] == 1    # t1: the account's deadline passed (reading 20)
    assert found["erased_account_leftovers"] == 1  # s2 alone
    assert found["figure:residual"] == 1 and found["figure:logs"] == 1


def test_reading_21_legal_hold_exempts_every_row_of_the_account(make_db):
    found = rules(
        make_db,
        accounts=[account("held", "2020-01-10 10:00", legal_hold=True), account("free", "2020-01-10 10:00")],
        sessions=[
            {"session_id": "s1", "account_id": "held", "started_at": "2020-01-05 10:00", "ip_address": "192.0.2.1"},
            {"session_id": "s2", "account_id": "free", "started_at": "2020-01-05 10:00", "ip_address": "192.0.2.2"},
        ],
        marketing_contacts=[
            {"contact_id": "m1", "account_id": "held", "last_communication_at": "2021-01-01 10:00"},
            {"contact_id": "m2", "account_id": "free", "last_communication_at": "2021-01-01 10:00"},
        ],
        payments=[
            # paid 2012: statutory end 2023-01-01; the account's deadline 2021-01-10: due 2023-01-01, both overdue
            {"payment_id": "p1", "account_id": "held", "paid_at": "2012-05-01 10:00"},
            {"payment_id": "p2", "account_id": "free", "paid_at": "2012-05-01 10:00"},
        ],
    )
    # one of each: the held account's account row, log, contact and payment are all exempt
    assert (found["account_erasure"], found["logs_retention"], found["marketing_retention"],
            found["payments_retention"]) == (1, 1, 1, 1)


def test_reading_22_a_payment_is_kept_while_its_account_needs_it_then_the_statutory_period(make_db):
    found = rules(
        make_db,
        accounts=[account("active", "2024-09-01 10:00"), account("gone", "2020-01-10 10:00")],
        payments=[
            # statutory end 2023-01-01 (paid 2012), but the account is active until 2025-09-01: not due
            {"payment_id": "p1", "account_id": "active", "paid_at": "2012-05-01 10:00"},
            # statutory end 2023-01-01, the account's deadline 2021-01-10: due 2023-01-01, overdue
            {"payment_id": "p2", "account_id": "gone", "paid_at": "2012-05-01 10:00"},
            # statutory end 2025-01-01 (paid 2014): not due, whatever the account
            {"payment_id": "p3", "account_id": "gone", "paid_at": "2014-12-31 10:00"},
            # an account not in the export: the statutory end alone, 2023-01-01: overdue
            {"payment_id": "p4", "account_id": "unknown", "paid_at": "2012-05-01 10:00"},
        ],
    )
    assert found["payments_retention"] == 2


def policy_with(tmp_path, extra: str, *, replace: tuple[str, str] | None = None):
    text = replaced(*replace) if replace else TEXT
    return load_policy(write_policy(tmp_path, text + extra))


def test_a_column_cleared_after_the_rows_own_time_while_the_row_stays(tmp_path, make_db):
    # "IP addresses in server logs are kept 90 days": the IP emptied 90 days after the session started
    policy = policy_with(tmp_path, RULE.format(id="ip_90_days") + '''table = "sessions"
action = "clear"
clear = ["ip_address"]
anchor = "row"
column = "started_at"
period = "90 days"
''')
    found = rules(
        make_db, policy,
        accounts=[account("a", "2024-09-01 10:00")],
        sessions=[
            # started 2024-07-01: due 2024-09-29, overdue at 2024-09-30
            {"session_id": "s1", "account_id": "a", "started_at": "2024-07-01 10:00", "ip_address": "192.0.2.1"},
            # started 2024-07-02: due 2024-09-30 = as_of: not yet
            {"session_id": "s2", "account_id": "a", "started_at": "2024-07-02 10:00", "ip_address": "192.0.2.2"},
            # an old session whose IP is gone (the device id stays: this rule does not clear it)
            {"session_id": "s3", "account_id": "a", "started_at": "2023-01-02 10:00", "device_id": "d"},
            # dated after as_of: does not exist yet
            {"session_id": "s4", "account_id": "a", "started_at": "2024-10-02 10:00", "ip_address": "192.0.2.4"},
        ],
    )
    assert found["ip_90_days"] == 1
    assert found["figure:ip_90_days"] == 1  # a rule's own figure by default


def test_whichever_comes_first_and_a_scope_on_a_coded_column(tmp_path, make_db):
    # free and trial accounts' web visits: deleted at the earlier of 12 months after the visitor's latest visit
    # and the account's erasure
    policy = policy_with(tmp_path, RULE.format(id="visits_first") + '''table = "web_visits"
scope = { account = "with_account" }
action = "delete"
combine = "earliest"
deadlines = [
    { anchor = "subject_latest", subject = "visitor_id", events = ["web_visits.visited_at"], period = "12 months" },
    { anchor = "account_erasure", period = "none" },
]
''')
    found = rules(
        make_db, policy,
        accounts=[account("live", "2024-09-01 10:00"), account("erased", "2024-09-01 10:00", status="deleted",
                                                                 erased_at="2024-08-01 10:00")],
        web_visits=[
            # visitor v1's latest visit 2023-09-15: due 2024-09-15, overdue (both of its rows)
            {"visit_id": "w1", "visitor_id": "v1", "account_id": "live", "visited_at": "2023-01-15 10:00"},
            {"visit_id": "w2", "visitor_id": "v1", "account_id": "live", "visited_at": "2023-09-15 10:00"},
            # v2 visited recently, but its account was erased 2024-08-01: due then, overdue
            {"visit_id": "w3", "visitor_id": "v2", "account_id": "erased", "visited_at": "2024-07-15 10:00"},
            # v3 without an account: out of scope
            {"visit_id": "w4", "visitor_id": "v3", "visited_at": "2020-07-15 10:00"},
        ],
    )
    assert found["visits_first"] == 3


def test_a_de_identification_marker_and_the_first_present_anchor(tmp_path, make_db):
    policy = policy_with(tmp_path, RULE.format(id="prospects_6m") + '''table = "support_tickets"
scope = { account = "without_account", category = ["billing"] }
action = "mark"
marker = "anonymized_at"
anchor = "first_present"
columns = ["resolved_at", "created_at"]
period = "6 months"
''')
    ticket = {"channel": "email", "category": "Billing "}
    found = rules(
        make_db, policy,
        support_tickets=[
            # resolved 2024-03-01: due 2024-09-01, overdue
            {"ticket_id": "t1", **ticket, "created_at": "2024-01-01 10:00", "resolved_at": "2024-03-01 10:00"},
            # the same, anonymized 2024-09-10: nothing held
            {"ticket_id": "t2", **ticket, "created_at": "2024-01-01 10:00", "resolved_at": "2024-03-01 10:00",
             "anonymized_at": "2024-09-10 10:00"},
            # anonymized after as_of: still held at as_of (reading 8)
            {"ticket_id": "t3", **ticket, "created_at": "2024-01-01 10:00", "resolved_at": "2024-03-01 10:00",
             "anonymized_at": "2024-10-10 10:00"},
            # resolved after as_of: not resolved yet, so from its creation 2024-01-01: due 2024-07-01, overdue
            {"ticket_id": "t4", **ticket, "created_at": "2024-01-01 10:00", "resolved_at": "2024-10-01 10:00"},
            # another category: out of scope
            {"ticket_id": "t5", "channel": "email", "category": "bug", "created_at": "2020-01-01 10:00"},
        ],
    )
    assert found["prospects_6m"] == 3


def test_a_period_starting_on_1_january_after_and_the_latest_of_two(tmp_path, make_db):
    policy = policy_with(tmp_path, RULE.format(id="invoices") + '''table = "payments"
action = "delete"
anchor = "row"
column = "paid_at"
starts = "next_year"
period = "7 years"
''')
    found = rules(
        make_db, policy,
        payments=[
            # paid 2016-12-31: 1 January 2017 + 7 years = 2024-01-01, overdue
            {"payment_id": "p1", "account_id": "a", "paid_at": "2016-12-31 10:00"},
            # paid 2017-01-01: 2025-01-01, not yet
            {"payment_id": "p2", "account_id": "a", "paid_at": "2017-01-01 10:00"},
        ],
    )
    assert found["invoices"] == 1


def test_an_unknown_account_is_kept_out_of_a_rule_scoped_to_known_accounts(make_db):
    # reading 12: a marketing row naming an account not in the export is kept out; one without an account counts
    found = rules(
        make_db,
        marketing_contacts=[
            {"contact_id": "m1", "account_id": "ghost", "last_communication_at": "2020-01-01 10:00"},
            {"contact_id": "m2", "last_communication_at": "2020-01-01 10:00"},
        ],
    )
    assert found["marketing_retention"] == 1


def test_the_generated_sql_quotes_policy_values_and_reads_each_table_once(tmp_path):
    policy = policy_with(tmp_path, RULE.format(id="quoted") + '''table = "accounts"
scope = { plan = ["o'brien"] }
action = "delete"
anchor = "row"
column = "created_at"
period = "10 years"
''')
    sql = rule_rows_sql(policy)
    assert "'o''brien'" in sql
    # sessions are read once for the logs rule and the leftovers of erased accounts
    assert sql.count("FROM sessions AS r") == 1


def test_another_period_in_the_file_changes_the_figure(make_db):
    tables = dict(accounts=[account("a", "2024-01-10 10:00")])  # 12 months: due 2025-01-10; 6 months: 2024-07-10
    assert rules(make_db, **tables)["account_erasure"] == 0
    assert rules(make_db, POLICY.with_period("account_erasure", "6 months"), **tables)["account_erasure"] == 1


def test_a_rule_deadline_must_be_an_account_level_rule(tmp_path):
    with pytest.raises(BadInput, match="must be a rule on accounts anchored"):
        policy_with(tmp_path, RULE.format(id="chained") + '''table = "sessions"
action = "delete"
anchor = "rule"
rule = "marketing_retention"
period = "none"
''')


def test_the_accounts_closure_anchor_and_the_closed_scopes(tmp_path, make_db):
    # docs/contract.md, "Optional columns": a closed (cancelled) account is not an erased one
    policy = policy_with(tmp_path, RULE.format(id="content_after_closure") + '''table = "accounts"
action = "mark"
marker = "erased_at"
anchor = "account_closure"
period = "30 days"
''' + RULE.format(id="login_ips_while_open") + '''table = "sessions"
scope = { account = "closed", product = ["hey"] }
action = "clear"
clear = ["ip_address"]
anchor = "account_closure"
period = "none"
''' + RULE.format(id="visits_of_open_accounts") + '''table = "web_visits"
scope = { account = "not_closed" }
action = "delete"
anchor = "row"
column = "visited_at"
period = "12 months"
''')
    found = rules(
        make_db, policy,
        accounts=[
            # closed 2024-08-01: content due 2024-08-31, still held: a breach
            account("gone", "2024-07-01 10:00", closed_at="2024-08-01 10:00"),
            # closed 2024-08-01 and erased 2024-08-20: done in time
            account("done", "2024-07-01 10:00", closed_at="2024-08-01 10:00", status="deleted",
                    erased_at="2024-08-20 10:00"),
            # closed 2024-09-15: due 2024-10-15, not yet
            account("recent", "2024-07-01 10:00", closed_at="2024-09-15 10:00"),
            # closed after as_of: not closed yet; open accounts are never due
            account("later", "2024-07-01 10:00", closed_at="2024-10-05 10:00"),
            account("open", "2024-07-01 10:00"),
        ],
        sessions=[
            # a HEY login of a closed account still holding its IP: due at the closure (2024-08-01), a breach
            {"session_id": "s1", "account_id": "gone", "started_at": "2024-07-01 10:00", "ip_address": "192.0.2.1",
             "product": "HEY "},
            # another product: out of the rule's scope
            {"session_id": "s2", "account_id": "gone", "started_at": "2024-07-01 10:00", "ip_address": "192.0.2.2",
             "product": "basecamp"},
            # closed 2024-09-15: due then, past at as_of 2024-09-30: a breach
            {"session_id": "s3", "account_id": "recent", "started_at": "2024-07-01 10:00",
             "ip_address": "192.0.2.3", "product": "hey"},
            # not closed by as_of: out of the closed scope
            {"session_id": "s4", "account_id": "later", "started_at": "2024-07-01 10:00",
             "ip_address": "192.0.2.4", "product": "hey"},
        ],
        web_visits=[
            # visited 2023-08-01, due 2024-08-01: of an account not closed by as_of ("later"), a breach
            {"visit_id": "v1", "visitor_id": "x1", "account_id": "later", "visited_at": "2023-08-01 10:00"},
            # of a closed account: out of the not_closed scope
            {"visit_id": "v2", "visitor_id": "x2", "account_id": "gone", "visited_at": "2023-08-01 10:00"},
            # with no account: in scope, due 2024-08-01, a breach
            {"visit_id": "v3", "visitor_id": "x3", "visited_at": "2023-08-01 10:00"},
        ],
    )
    assert found["content_after_closure"] == 1      # gone
    assert found["login_ips_while_open"] == 2       # s1, s3
    assert found["visits_of_open_accounts"] == 2    # v1, v3


def test_server_log_entries_with_and_without_an_account(tmp_path, make_db):
    policy = policy_with(tmp_path, RULE.format(id="server_ips") + '''table = "server_logs"
action = "clear"
clear = ["ip_address"]
anchor = "row"
column = "logged_at"
period = "90 days"
exempt = ["legal_hold"]
''')
    found = rules(
        make_db, policy,
        accounts=[account("held", "2024-09-01 10:00", legal_hold=True)],
        server_logs=[
            # logged 2024-07-01: due 2024-09-29, past: a breach with no account
            {"log_id": "l1", "logged_at": "2024-07-01 10:00", "ip_address": "192.0.2.1"},
            # due 2024-09-30 = as_of: not yet
            {"log_id": "l2", "logged_at": "2024-07-02 10:00", "ip_address": "192.0.2.2"},
            # past, but its account is on legal hold: exempt
            {"log_id": "l3", "account_id": "held", "logged_at": "2024-07-01 10:00", "ip_address": "192.0.2.3"},
            # past, IP already emptied
            {"log_id": "l4", "logged_at": "2024-01-01 10:00"},
        ],
    )
    assert found["server_ips"] == 1


def test_a_rule_counts_the_rows_in_its_scope_so_none_is_nothing_to_judge(tmp_path, make_db):
    """docs/report.md, "Findings": a scope no row meets is "nothing to judge", never "kept"."""
    from pipelines import findings

    policy = policy_with(tmp_path, RULE.format(id="vpn_logs") + '''table = "server_logs"
scope = { product = ["vpn"] }
action = "clear"
clear = ["ip_address"]
anchor = "row"
column = "logged_at"
period = "90 days"
''' + RULE.format(id="closed_sessions") + '''table = "sessions"
scope = { account = "closed" }
action = "delete"
anchor = "account_closure"
period = "none"
''')
    con = make_db({
        "accounts": [account("a", "2024-09-01 10:00"), account("c", "2024-09-01 10:00", closed_at="2024-09-20 10:00")],
        "sessions": [{"session_id": "s1", "account_id": "a", "started_at": "2024-09-01 10:00"},
                     {"session_id": "s2", "account_id": "c", "started_at": "2024-09-01 10:00"},
                     {"session_id": "s3", "account_id": "c", "started_at": "2024-10-01 10:00"}],  # after as_of
        # relay entries only: none of the VPN
        "server_logs": [{"log_id": "l1", "logged_at": "2024-01-01 10:00", "ip_address": "192.0.2.1",
                         "product": "relay"}],
    })
    by_rule = retention.compute(con, Q3, policy).summary["by_rule"]
    assert by_rule["vpn_logs"]["in_scope"] == 0 and by_rule["vpn_logs"]["breaches"] == 0
    assert by_rule["closed_sessions"]["in_scope"] == 1  # s2: of the closed account, existing on as_of
    assert by_rule["closed_sessions"]["breaches"] == 1  # closed 2024-09-20, due then
    summary = {"data": {"rows_as_of": {"server_logs": 1, "sessions": 2}}, "retention": {"by_rule": by_rule}}
    found = {f["id"]: (f["verdict"], f["reason"]) for f in findings.judge(summary, policy)}
    assert found["vpn_logs"] == ("not assessable", "nothing_to_judge")
    assert found["closed_sessions"] == ("not kept", "breach")
