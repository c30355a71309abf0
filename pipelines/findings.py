"""Findings: one verdict per promise the review judges, as data beside the figures.

docs/report.md, "Findings". Each finding is judged here, once, from the quarter's
summary and the policy file, and written into ``summary.json`` as ``findings``; the
report, the index, the notebooks and ``verify`` read it and never judge again.

A finding says which promise (``id``, ``clause``), on what ground (``basis``: the
policy's own text, a law it defers to, or a standard the company set itself, with its
``source``), the ``verdict``, a short ``reason`` code, the records behind a broken
promise (``rows``, and ``previous_rows`` for the previous quarter) and the
``worklist`` file that lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.policy import POLICY, Basis, Policy

KEPT, NOT_KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE = "kept", "not kept", "not assessable", "not computable"
VERDICTS = (KEPT, NOT_KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE)
#: from best to worst: an overall tally is coloured by its worst verdict
SEVERITY = {KEPT: 0, NOT_ASSESSABLE: 1, NOT_COMPUTABLE: 2, NOT_KEPT: 3}

#: reason codes (docs/report.md, "Findings")
NO_BREACH = "no_breach"
BREACH = "breach"
NOT_EXPORTED = "not_exported"
NOTHING_TO_JUDGE = "nothing_to_judge"
FIGURE_MISSING = "figure_missing"

#: the worklist file listing each finding's rows (``privacy-review worklist``; pipelines/worklist/ names
#: its files from here)
WORKLISTS = {
    "account_erasure": "accounts_past_deadline.csv",
    "logs_retention": "logs_past_deadline.csv",
    "support_data_retention": "support_past_deadline.csv",
    "marketing_retention": "marketing_past_deadline.csv",
    "analytics_retention": "analytics_past_deadline.csv",
    "erased_account_leftovers": "residual_past_deadline.csv",
    "payments_retention": "payments_past_deadline.csv",
    "withdrawn_consent": "withdrawn_consent_contacted.csv",
    "inquiries_answered": "inquiries_past_response_standard.csv",
    "rights_on_time": "rights_requests_overdue.csv",
}

#: finding id -> the retention category it judges (the policy's [[retention]] rule)
RETENTION_FINDINGS = {
    "account_erasure": "account",
    "logs_retention": "logs",
    "support_data_retention": "support",
    "marketing_retention": "marketing",
    "analytics_retention": "analytics",
    "erased_account_leftovers": "residual",
    "payments_retention": "payments",
}


def lookup(data: Any, path: str) -> Any:
    """``lookup(summary, "retention.breaches.logs")``; None where any part is missing."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _known(*values) -> list:
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


@dataclass(frozen=True)
class Judged:
    verdict: str
    reason: str
    rows: int | None
    details: dict | None = None


def _judge_count(rows: int | None, *, applies_to: int | None, absent: bool) -> Judged:
    """The common rule: a missing figure is not computable (not assessable when its table was not
    exported); records breaking the promise make it not kept; nothing it applies to makes it not assessable."""
    if rows is None:
        return Judged(NOT_ASSESSABLE, NOT_EXPORTED, None) if absent else Judged(NOT_COMPUTABLE, FIGURE_MISSING, None)
    if rows > 0:
        return Judged(NOT_KEPT, BREACH, rows)
    if applies_to == 0:
        return Judged(NOT_ASSESSABLE, NOTHING_TO_JUDGE, 0)
    return Judged(KEPT, NO_BREACH, 0)


def rows_held(summary: dict, policy: Policy, category: str) -> int | None:
    """How many records the ``category`` rule applies to at ``as_of``; None when the summary does not say.

    ``account``: the inactivity population; other categories: the rows of the rule's tables dated on or
    before ``as_of`` (``data.rows_as_of``).
    """
    if category == "account":
        return lookup(summary, "inactivity.population")
    counts = lookup(summary, "data.rows_as_of")
    rule = policy.retention.get(category)
    if not isinstance(counts, dict) or rule is None:
        return None
    values = _known(*(counts.get(name.strip()) for name in rule.table.split(",")))
    return sum(values) if values else None


def table_absent(summary: dict, policy: Policy, category: str) -> bool:
    """Whether every export the ``category`` rule reads was left out (an optional table not exported)."""
    counts = lookup(summary, "data.rows_as_of")
    rule = policy.retention.get(category)
    if not isinstance(counts, dict) or rule is None:
        return False
    return all(counts.get(name.strip()) is None for name in rule.table.split(","))


def _retention(category: str) -> Callable[[dict, Policy], Judged]:
    def judge(summary: dict, policy: Policy) -> Judged:
        return _judge_count(lookup(summary, f"retention.breaches.{category}"),
                            applies_to=rows_held(summary, policy, category),
                            absent=table_absent(summary, policy, category))
    return judge


def _account(summary: dict, policy: Policy) -> Judged:
    """§1.1: accounts past their erasure deadline, and accounts erased late in the quarter."""
    past, late = lookup(summary, "retention.breaches.account"), lookup(summary, "retention.late_erasures")
    rows = None if past is None else past + (late or 0)
    judged = _judge_count(rows, applies_to=rows_held(summary, policy, "account"), absent=False)
    return Judged(judged.verdict, judged.reason, judged.rows, {"past_deadline": past, "erased_late": late})


def _withdrawn_consent(summary: dict, policy: Policy) -> Judged:
    """§1.6: no marketing contact after consent was withdrawn (cumulative to ``as_of``, reading 6)."""
    return _judge_count(lookup(summary, "retention.withdrawn_consent_contacted"),
                        applies_to=rows_held(summary, policy, "marketing"),
                        absent=table_absent(summary, policy, "marketing"))


def _inquiries(summary: dict, policy: Policy) -> Judged:
    """§1.4 with the response standard: inquiries of the quarter answered late or unanswered past it."""
    late, unanswered = lookup(summary, "support.answered_late"), lookup(summary, "support.unanswered_past_standard")
    judged = _judge_count(lookup(summary, "support.past_response_standard"),
                          applies_to=lookup(summary, "support.tickets"), absent=False)
    details = {"answered_late": late, "unanswered_past_standard": unanswered,
               "awaiting_within_standard": lookup(summary, "support.awaiting_within_standard")}
    return Judged(judged.verdict, judged.reason, judged.rows, details)


def _rights(summary: dict, policy: Policy) -> Judged:
    """§3, GDPR Art. 12(3): requests completed late in the quarter, and open requests past their deadline."""
    completed, on_time = lookup(summary, "rights.completed"), lookup(summary, "rights.on_time")
    overdue = lookup(summary, "rights.open_overdue")
    late = None if completed is None or on_time is None else completed - on_time
    known = _known(late, overdue)
    rows = sum(known) if known else None
    requests = _known(*(lookup(summary, f"rights.{k}") for k in ("received", "completed", "open_overdue", "open_not_due")))
    judged = _judge_count(rows, applies_to=sum(requests) if requests else None, absent=False)
    return Judged(judged.verdict, judged.reason, judged.rows, {"completed_late": late, "open_overdue": overdue})


@dataclass(frozen=True)
class Promise:
    """One promise the review judges: its id, where the policy states it and how it is judged."""

    id: str
    judge: Callable[[dict, Policy], Judged]
    clause: Callable[[Policy], str]
    basis: Callable[[Policy], Basis]


def _rule_clause(category: str) -> Callable[[Policy], str]:
    return lambda policy: policy.rule(category).clause.ref


def _rule_basis(category: str) -> Callable[[Policy], Basis]:
    return lambda policy: policy.rule(category).basis


PROMISES: tuple[Promise, ...] = (
    Promise("account_erasure", _account, lambda p: p.inactivity_clause.ref, _rule_basis("account")),
    *(
        Promise(finding, _retention(category), _rule_clause(category), _rule_basis(category))
        for finding, category in RETENTION_FINDINGS.items() if category != "account"
    ),
    Promise("withdrawn_consent", _withdrawn_consent,
            lambda p: p.consent_clause.ref if p.consent_clause else p.rule("marketing").clause.ref,
            lambda p: p.consent_basis),
    Promise("inquiries_answered", _inquiries, lambda p: p.support_clause.ref, lambda p: p.response_basis),
    Promise("rights_on_time", _rights, lambda p: p.rights_clause.ref, lambda p: p.rights_basis),
)


def judge(summary: dict, policy: Policy, previous: dict | None = None) -> list[dict]:
    """Every finding of the quarter in ``summary``, in the report's order; ``previous`` is the previous
    quarter's summary (for ``previous_rows``; None: not computed)."""
    found = []
    for promise in PROMISES:
        judged = promise.judge(summary, policy)
        before = promise.judge(previous, policy) if isinstance(previous, dict) else None
        basis = promise.basis(policy)
        found.append({
            "id": promise.id,
            "clause": promise.clause(policy),
            "basis": basis.kind,
            "source": {"en": basis.source("en"), "nl": basis.source("nl")} if basis.kind != POLICY else None,
            "verdict": judged.verdict,
            "reason": judged.reason,
            "rows": judged.rows,
            "previous_rows": before.rows if before is not None else None,
            "worklist": WORKLISTS[promise.id],
            **({"details": judged.details} if judged.details is not None else {}),
        })
    return found


def tally(findings: list[dict]) -> dict:
    """``{"kept": k, "total": n, "not_kept": b, "not_judged": u, "worst": verdict}`` over ``findings``."""
    verdicts = [f.get("verdict") for f in findings if isinstance(f, dict)]
    kept, broken = verdicts.count(KEPT), verdicts.count(NOT_KEPT)
    worst = max(verdicts, key=lambda v: SEVERITY.get(v, 0)) if verdicts else None
    return {"kept": kept, "not_kept": broken, "not_judged": len(verdicts) - kept - broken, "total": len(verdicts),
            "worst": worst}

