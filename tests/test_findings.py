"""Findings (docs/report.md, "Findings"): one verdict per promise, judged from hand-made summaries."""

from __future__ import annotations

import copy

import pytest

from pipelines import findings
from pipelines.findings import KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE, NOT_KEPT
from pipelines.policy import load_policy

POLICY = load_policy()

IDS = [
    "account_erasure", "logs_retention", "support_data_retention", "support_without_account_retention",
    "marketing_retention", "analytics_retention", "erased_account_leftovers", "payments_retention",
    "withdrawn_consent", "inquiries_answered", "consent_withdrawal", "rights_on_time",
]
RETENTION_RULES = [i for i in IDS if i.endswith(("_retention", "_erasure", "_leftovers"))]

#: a quarter in which every promise is kept: each promise applies to some records, none breaks it
CLEAN = {
    "data": {"rows_as_of": {"accounts": 10, "sessions": 50, "support_tickets": 8, "rights_requests": 3,
                            "marketing_contacts": 4, "web_visits": 20, "payments": 6}},
    "inactivity": {"population": 9},
    "retention": {"breaches": {c: 0 for c in ("account", "logs", "support", "marketing", "analytics", "residual",
                                              "payments")},
                  "by_rule": {r: {"breaches": 0} for r in RETENTION_RULES},
                  "withdrawn_consent_contacted": 0, "late_erasures": 0},
    "support": {"tickets": 5, "answered_late": 0, "unanswered_past_standard": 0, "awaiting_within_standard": 1,
                "past_response_standard": 0},
    "rights": {"received": 2, "completed": 2, "on_time": 2, "open_overdue": 0, "open_not_due": 1,
               "consent_withdrawals": {"received": 1, "completed": 1, "within_standard": 1, "open_past_standard": 0}},
}


def summary(**changes) -> dict:
    """CLEAN with dotted paths changed: ``summary(**{"retention.breaches.logs": 3})``; None deletes the key."""
    made = copy.deepcopy(CLEAN)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = made
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return made


def by_id(found: list[dict]) -> dict[str, dict]:
    return {f["id"]: f for f in found}


def test_one_finding_per_promise_in_order_with_every_key():
    found = findings.judge(CLEAN, POLICY, previous=CLEAN)
    assert [f["id"] for f in found] == IDS
    for f in found:
        assert {"id", "clause", "basis", "verdict", "reason", "open_now", "fixed_late", "previous_open_now",
                "worklist"} <= set(f)
        assert (f["verdict"], f["reason"], f["open_now"], f["previous_open_now"]) == (KEPT, "no_breach", 0, 0), f["id"]
    # only the checks whose exports say when a record was fixed count those fixed late
    fixed = {f["id"]: f["fixed_late"] for f in found}
    assert {i for i, n in fixed.items() if n is not None} == {
        "account_erasure", "inquiries_answered", "consent_withdrawal", "rights_on_time"}
    assert all(f["worklist"].endswith(".csv") for f in found)


def test_clause_and_basis_come_from_the_policy_file():
    f = by_id(findings.judge(CLEAN, POLICY))
    assert [f[i]["clause"] for i in IDS] == ["§1.1", "§1.6", "§1.4", "§1.4", "§1.6", "§2.1", "§1.2", "§1.3", "§1.6",
                                             "§1.4", "§1.6", "§3"]
    # the policy's own promises (contract reading 22: the payment duty is §1.3's, the law sizes its exception)
    for promise in ("account_erasure", "support_data_retention", "marketing_retention", "analytics_retention",
                    "payments_retention", "withdrawn_consent"):
        assert f[promise]["basis"] == "policy" and f[promise]["source"] is None
    # readings the policy does not state are the company's, and say so
    assert f["logs_retention"]["basis"] == "internal standard" and "last visit" in f["logs_retention"]["source"]["en"]
    assert f["support_without_account_retention"]["basis"] == "internal standard"
    assert f["erased_account_leftovers"]["basis"] == "internal standard"
    assert "30 days" in f["erased_account_leftovers"]["source"]["en"]
    assert f["inquiries_answered"]["basis"] == "internal standard"
    assert "5 working days" in f["inquiries_answered"]["source"]["en"]
    assert "5 werkdagen" in f["inquiries_answered"]["source"]["nl"]
    assert f["consent_withdrawal"]["basis"] == "internal standard" and "7(3)" in f["consent_withdrawal"]["source"]["en"]
    assert f["rights_on_time"]["basis"] == "law" and "12(3)" in f["rights_on_time"]["source"]["en"]
    assert [p["id"] for p in findings.promises(list(f.values()))] == [
        "account_erasure", "support_data_retention", "marketing_retention", "analytics_retention",
        "payments_retention", "withdrawn_consent"]


def test_breaches_break_the_promise_with_their_rows_and_the_previous_quarters():
    now = summary(**{"retention.by_rule.logs_retention.breaches": 369, "retention.withdrawn_consent_contacted": 2})
    before = summary(**{"retention.by_rule.logs_retention.breaches": 131})
    f = by_id(findings.judge(now, POLICY, previous=before))
    assert (f["logs_retention"]["verdict"], f["logs_retention"]["open_now"],
            f["logs_retention"]["previous_open_now"]) == (NOT_KEPT, 369, 131)
    assert f["logs_retention"]["reason"] == "breach" and f["logs_retention"]["worklist"] == "logs_past_deadline.csv"
    assert (f["withdrawn_consent"]["verdict"], f["withdrawn_consent"]["open_now"]) == (NOT_KEPT, 2)
    assert f["analytics_retention"]["verdict"] == KEPT


def test_account_erasure_counts_accounts_past_deadline_and_erased_late_apart():
    # every account erased, three of them late: nothing open, the promise still broken
    f = by_id(findings.judge(summary(**{"retention.by_rule.account_erasure.breaches": 0,
                                        "retention.late_erasures": 3}), POLICY))["account_erasure"]
    assert (f["verdict"], f["open_now"], f["fixed_late"]) == (NOT_KEPT, 0, 3)
    f = by_id(findings.judge(summary(**{"retention.by_rule.account_erasure.breaches": 71,
                                        "retention.late_erasures": 19}), POLICY))["account_erasure"]
    assert (f["verdict"], f["open_now"], f["fixed_late"], f["worklist"]) == (
        NOT_KEPT, 71, 19, "account_past_deadline.csv")


def test_an_optional_table_not_exported_is_not_assessable_never_kept():
    absent = summary(**{"data.rows_as_of.payments": None})
    absent["retention"]["by_rule"]["payments_retention"]["breaches"] = None
    f = by_id(findings.judge(absent, POLICY))
    assert (f["payments_retention"]["verdict"], f["payments_retention"]["reason"]) == (NOT_ASSESSABLE, "not_exported")
    assert f["payments_retention"]["open_now"] is None and f["payments_retention"]["fixed_late"] is None


def test_a_missing_figure_of_an_exported_table_is_not_computable():
    broken = summary()
    broken["retention"]["by_rule"]["logs_retention"]["breaches"] = None
    f = by_id(findings.judge(broken, POLICY))
    assert (f["logs_retention"]["verdict"], f["logs_retention"]["reason"]) == (NOT_COMPUTABLE, "figure_missing")


@pytest.mark.parametrize(
    "changes, finding",
    [
        ({"inactivity.population": 0}, "account_erasure"),
        ({"data.rows_as_of.web_visits": 0}, "analytics_retention"),
        ({"support.tickets": 0}, "inquiries_answered"),
        ({"rights.received": 0, "rights.completed": 0, "rights.on_time": 0, "rights.open_not_due": 0},
         "rights_on_time"),
    ],
)
def test_nothing_to_judge_is_not_assessable(changes, finding):
    f = by_id(findings.judge(summary(**changes), POLICY))
    assert (f[finding]["verdict"], f[finding]["reason"]) == (NOT_ASSESSABLE, "nothing_to_judge")


def test_inquiries_awaiting_within_the_standard_are_no_failure_past_it_they_are():
    waiting = summary(**{"support.awaiting_within_standard": 4})
    assert by_id(findings.judge(waiting, POLICY))["inquiries_answered"]["verdict"] == KEPT
    past = summary(**{"support.unanswered_past_standard": 1, "support.answered_late": 2,
                      "support.past_response_standard": 3})
    f = by_id(findings.judge(past, POLICY))["inquiries_answered"]
    # open now: the one still unanswered (its list); fixed late: the two answered after the standard
    assert (f["verdict"], f["open_now"], f["fixed_late"], f["worklist"]) == (
        NOT_KEPT, 1, 2, "inquiries_past_response_standard.csv")
    late_only = by_id(findings.judge(summary(**{"support.answered_late": 2}), POLICY))["inquiries_answered"]
    assert (late_only["verdict"], late_only["open_now"], late_only["fixed_late"]) == (NOT_KEPT, 0, 2)


def test_rights_count_late_completions_and_overdue_open_requests():
    f = by_id(findings.judge(summary(**{"rights.on_time": 1, "rights.open_overdue": 2}), POLICY))["rights_on_time"]
    assert (f["verdict"], f["open_now"], f["fixed_late"]) == (NOT_KEPT, 2, 1)


def test_the_tally_counts_kept_and_names_the_worst_verdict():
    found = findings.judge(summary(**{"retention.by_rule.logs_retention.breaches": 1}), POLICY)
    assert findings.tally(found) == {"kept": 11, "not_kept": 1, "not_judged": 0, "total": 12, "worst": NOT_KEPT}
    # the headline counts the policy's own promises; the logs rule is an internal standard beside them
    assert findings.tally(findings.promises(found))["kept"] == 6
    assert findings.tally_by_basis(found)["internal standard"]["not_kept"] == 1
    assert findings.tally(findings.judge(CLEAN, POLICY))["worst"] == KEPT


def test_a_figure_of_several_rules_judges_each_rule_by_its_own_count():
    f = by_id(findings.judge(summary(**{"retention.by_rule.support_without_account_retention.breaches": 4,
                                        "retention.breaches.support": 4}), POLICY))
    assert f["support_data_retention"]["verdict"] == KEPT
    assert (f["support_without_account_retention"]["verdict"], f["support_without_account_retention"]["open_now"]) == (
        NOT_KEPT, 4)
    # each rule its own list, so a finding's open now is its list's rows (docs/policy-file.md, "figure")
    assert f["support_without_account_retention"]["worklist"] == "support_without_account_retention_past_deadline.csv"
    assert f["support_data_retention"]["worklist"] == "support_data_retention_past_deadline.csv"


def test_results_without_counts_by_rule_are_read_by_figure_where_a_figure_has_one_rule():
    older = summary(**{"retention.breaches.marketing": 7})
    del older["retention"]["by_rule"]
    f = by_id(findings.judge(older, POLICY))
    assert (f["marketing_retention"]["verdict"], f["marketing_retention"]["open_now"]) == (NOT_KEPT, 7)
    assert f["support_data_retention"]["verdict"] == NOT_COMPUTABLE  # two rules share the figure


def test_consent_withdrawals_past_the_standard_break_it():
    f = by_id(findings.judge(summary(**{"rights.consent_withdrawals": {
        "received": 3, "completed": 2, "within_standard": 1, "open_past_standard": 1}}), POLICY))
    assert (f["consent_withdrawal"]["verdict"], f["consent_withdrawal"]["open_now"],
            f["consent_withdrawal"]["fixed_late"]) == (NOT_KEPT, 1, 1)
    assert f["consent_withdrawal"]["worklist"] == "consent_withdrawals_past_standard.csv"
    assert f["rights_on_time"]["verdict"] == KEPT


def test_a_promise_no_export_can_test_and_one_without_a_period_are_not_assessable():
    from dataclasses import replace

    from pipelines.policy.model import Period

    policy = POLICY.with_rule("marketing_retention", auditable=False)
    rule = POLICY.rule("analytics_retention")
    policy = policy.with_rule("analytics_retention", deadlines=(replace(rule.deadlines[0], period=Period(0, "unstated")),))
    f = by_id(findings.judge(CLEAN, policy))
    assert (f["marketing_retention"]["verdict"], f["marketing_retention"]["reason"]) == (NOT_ASSESSABLE, "not_auditable")
    assert (f["analytics_retention"]["verdict"], f["analytics_retention"]["reason"]) == (
        NOT_ASSESSABLE, "period_unstated")
    assert f["analytics_retention"]["worklist"] is None


def test_a_rule_reading_a_column_its_export_lacks_is_not_assessable_and_names_it():
    # docs/contract.md, "Optional columns": the tickets' header has no anonymized_at; the sessions' no device_id
    lacking = summary(**{"data.columns_absent": ["sessions.device_id", "support_tickets.anonymized_at"]})
    f = by_id(findings.judge(lacking, POLICY))
    for rule_id in ("support_data_retention", "support_without_account_retention"):
        assert (f[rule_id]["verdict"], f[rule_id]["reason"], f[rule_id]["open_now"]) == (
            NOT_ASSESSABLE, "export_lacks", None), rule_id
        assert f[rule_id]["details"] == {"lacks": ["support_tickets.anonymized_at"]}
    # the logs rule empties the IP address or the device id: it is judged on the IP address the export has
    assert f["logs_retention"]["verdict"] == KEPT
    # the leftovers rule reads tickets too (one of its parts): not assessable either
    assert f["erased_account_leftovers"]["details"] == {"lacks": ["support_tickets.anonymized_at"]}
    assert f["account_erasure"]["verdict"] == KEPT and f["rights_on_time"]["verdict"] == KEPT
    both = summary(**{"data.columns_absent": ["sessions.ip_address", "sessions.device_id"]})
    assert by_id(findings.judge(both, POLICY))["logs_retention"]["details"] == {
        "lacks": ["sessions.ip_address", "sessions.device_id"]}


def test_the_columns_each_check_reads():
    # the response standard reads both answers; the rights deadline its completion and the extension notice
    assert POLICY.columns_read(POLICY.response_rule) == (
        ("support_tickets.first_response_at",), ("support_tickets.resolved_at",))
    assert POLICY.columns_read(POLICY.rights_rule) == (
        ("rights_requests.completed_at",), ("rights_requests.extension_notified_at",))
    # the erasure rule reads its marker; the logs rule its cleared columns (as one group) and, through the
    # account rule's deadline, nothing optional of the account
    assert POLICY.columns_read(POLICY.rule("account_erasure")) == (("accounts.erased_at",),)
    assert POLICY.columns_read(POLICY.rule("logs_retention")) == (
        ("sessions.ip_address", "sessions.device_id"), ("sessions.account_id",))
