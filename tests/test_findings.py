"""Findings (docs/report.md, "Findings"): one verdict per promise, judged from hand-made summaries."""

from __future__ import annotations

import copy

import pytest

from pipelines import findings
from pipelines.findings import KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE, NOT_KEPT
from pipelines.policy import load_policy

POLICY = load_policy()

IDS = [
    "account_erasure", "logs_retention", "support_data_retention", "marketing_retention", "analytics_retention",
    "erased_account_leftovers", "payments_retention", "withdrawn_consent", "inquiries_answered", "rights_on_time",
]

#: a quarter in which every promise is kept: each promise applies to some records, none breaks it
CLEAN = {
    "data": {"rows_as_of": {"accounts": 10, "sessions": 50, "support_tickets": 8, "rights_requests": 3,
                            "marketing_contacts": 4, "web_visits": 20, "payments": 6}},
    "inactivity": {"population": 9},
    "retention": {"breaches": {c: 0 for c in ("account", "logs", "support", "marketing", "analytics", "residual",
                                              "payments")},
                  "withdrawn_consent_contacted": 0, "late_erasures": 0},
    "support": {"tickets": 5, "answered_late": 0, "unanswered_past_standard": 0, "awaiting_within_standard": 1,
                "past_response_standard": 0},
    "rights": {"received": 2, "completed": 2, "on_time": 2, "open_overdue": 0, "open_not_due": 1},
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
        assert {"id", "clause", "basis", "verdict", "reason", "rows", "previous_rows", "worklist"} <= set(f)
        assert (f["verdict"], f["reason"], f["rows"], f["previous_rows"]) == (KEPT, "no_breach", 0, 0), f["id"]
        assert f["worklist"].endswith(".csv")


def test_clause_and_basis_come_from_the_policy_file():
    f = by_id(findings.judge(CLEAN, POLICY))
    assert [f[i]["clause"] for i in IDS] == ["§1.1", "§1.6", "§1.4", "§1.6", "§2.1", "§1.2", "§1.3", "§1.6", "§1.4",
                                             "§3"]
    assert f["logs_retention"]["basis"] == "policy" and f["logs_retention"]["source"] is None
    assert f["erased_account_leftovers"]["basis"] == "internal standard"
    assert "30 days" in f["erased_account_leftovers"]["source"]["en"]
    assert f["payments_retention"]["basis"] == "law" and "art. 60" in f["payments_retention"]["source"]["en"]
    assert f["inquiries_answered"]["basis"] == "internal standard"
    assert "5 working days" in f["inquiries_answered"]["source"]["en"]
    assert "5 werkdagen" in f["inquiries_answered"]["source"]["nl"]
    assert f["rights_on_time"]["basis"] == "law" and "12(3)" in f["rights_on_time"]["source"]["en"]
    assert f["withdrawn_consent"]["basis"] == "policy"


def test_breaches_break_the_promise_with_their_rows_and_the_previous_quarters():
    now = summary(**{"retention.breaches.logs": 369, "retention.withdrawn_consent_contacted": 2})
    before = summary(**{"retention.breaches.logs": 131})
    f = by_id(findings.judge(now, POLICY, previous=before))
    assert (f["logs_retention"]["verdict"], f["logs_retention"]["rows"], f["logs_retention"]["previous_rows"]) == (
        NOT_KEPT, 369, 131)
    assert f["logs_retention"]["reason"] == "breach" and f["logs_retention"]["worklist"] == "logs_past_deadline.csv"
    assert (f["withdrawn_consent"]["verdict"], f["withdrawn_consent"]["rows"]) == (NOT_KEPT, 2)
    assert f["analytics_retention"]["verdict"] == KEPT


def test_account_erasure_counts_accounts_past_deadline_and_erased_late():
    f = by_id(findings.judge(summary(**{"retention.breaches.account": 0, "retention.late_erasures": 3}), POLICY))
    assert (f["account_erasure"]["verdict"], f["account_erasure"]["rows"]) == (NOT_KEPT, 3)
    assert f["account_erasure"]["details"] == {"past_deadline": 0, "erased_late": 3}


def test_an_optional_table_not_exported_is_not_assessable_never_kept():
    absent = summary(**{"retention.breaches.payments": None, "data.rows_as_of.payments": None})
    absent["retention"]["breaches"]["payments"] = None
    f = by_id(findings.judge(absent, POLICY))
    assert (f["payments_retention"]["verdict"], f["payments_retention"]["reason"]) == (NOT_ASSESSABLE, "not_exported")
    assert f["payments_retention"]["rows"] is None


def test_a_missing_figure_of_an_exported_table_is_not_computable():
    broken = summary()
    broken["retention"]["breaches"]["logs"] = None
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
    past = summary(**{"support.unanswered_past_standard": 1, "support.past_response_standard": 1})
    f = by_id(findings.judge(past, POLICY))["inquiries_answered"]
    assert (f["verdict"], f["rows"], f["worklist"]) == (NOT_KEPT, 1, "inquiries_past_response_standard.csv")
    assert f["details"]["unanswered_past_standard"] == 1


def test_rights_count_late_completions_and_overdue_open_requests():
    f = by_id(findings.judge(summary(**{"rights.on_time": 1, "rights.open_overdue": 2}), POLICY))["rights_on_time"]
    assert (f["verdict"], f["rows"], f["details"]) == (NOT_KEPT, 3, {"completed_late": 1, "open_overdue": 2})


def test_the_tally_counts_kept_and_names_the_worst_verdict():
    found = findings.judge(summary(**{"retention.breaches.logs": 1}), POLICY)
    assert findings.tally(found) == {"kept": 9, "not_kept": 1, "not_judged": 0, "total": 10, "worst": NOT_KEPT}
    assert findings.tally(findings.judge(CLEAN, POLICY))["worst"] == KEPT
