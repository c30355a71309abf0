"""Findings: one verdict per rule of the policy file, as data beside the figures.

docs/report.md, "Findings". Each finding is judged here, once, from the quarter's summary and the
policy file's rules (docs/policy-file.md), and written into ``summary.json`` as ``findings``; the
report, the index, the notebooks and ``verify`` read it and never judge again.

A finding says which promise (``id``: its rule's id, ``clause``), on what ground (``basis``: the
policy's own text, a law it defers to, or a standard the company set itself, with its ``source``),
the ``verdict``, a short ``reason`` code, the records behind a broken promise (``rows``, and
``previous_rows`` for the previous quarter) and the ``worklist`` file that lists them. How a rule is
judged follows from what it checks (``check``), never from its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.policy import POLICY, Policy, Rule
from pipelines.policy import model as m

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
NOT_AUDITABLE = "not_auditable"
PERIOD_UNSTATED = "period_unstated"
EXPORT_LACKS = "export_lacks"

#: the worklist file of each check other than retention (``privacy-review worklist``); a rights deadline's by
#: whether it judges consent withdrawal (contract reading 23)
CHECK_WORKLISTS = {
    m.NO_CONTACT_AFTER_WITHDRAWAL: "withdrawn_consent_contacted.csv",
    m.RESPONSE_TIME: "inquiries_past_response_standard.csv",
    m.RIGHTS_DEADLINE: "rights_requests_overdue.csv",
}
CONSENT_WITHDRAWALS_WORKLIST = "consent_withdrawals_past_standard.csv"


def worklist_name(rule: Rule) -> str | None:
    """The file of ``privacy-review worklist`` listing the rule's records; None for a rule no export tests.

    A retention rule's records are listed per figure (``<figure>_past_deadline.csv``): the rules a figure
    gathers share its list (docs/policy-file.md, "figure")."""
    if not rule.assessable:
        return None
    if rule.is_retention:
        return f"{rule.figure}_past_deadline.csv"
    if rule.check == m.RIGHTS_DEADLINE and m.CONSENT_WITHDRAWAL in rule.rights:
        return CONSENT_WITHDRAWALS_WORKLIST
    return CHECK_WORKLISTS[rule.check]


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


def rows_held(summary: dict, policy: Policy, rule: Rule) -> int | None:
    """How many records ``rule`` applies to at ``as_of``; None when the summary does not say.

    The inactivity rule: the inactivity population; a retention rule: the rows in its scope
    (``retention.by_rule.<id>.in_scope``); other rules, and results computed before scopes were counted: the rows
    of the rule's tables dated on or before ``as_of`` (``data.rows_as_of``)."""
    if rule.id == policy.inactivity_rule:
        return lookup(summary, "inactivity.population")
    scoped = lookup(summary, f"retention.by_rule.{rule.id}.in_scope") if rule.is_retention else None
    if isinstance(scoped, int):
        return scoped  # the rows in the rule's scope: none is nothing to judge, not a promise kept
    counts = lookup(summary, "data.rows_as_of")
    if not isinstance(counts, dict):
        return None
    values = _known(*(counts.get(name) for name in rule.tables))
    return sum(values) if values else None


def table_absent(summary: dict, rule: Rule) -> bool:
    """Whether every export the rule reads was left out (an optional table not exported)."""
    counts = lookup(summary, "data.rows_as_of")
    if not isinstance(counts, dict):
        return False
    return all(counts.get(name) is None for name in rule.tables)


def rule_breaches(summary: dict, policy: Policy, rule: Rule) -> int | None:
    """A retention rule's breaches: its own count (``retention.by_rule``), else its figure's when the figure
    counts this rule alone (results computed before rules were counted one by one)."""
    by_rule = lookup(summary, "retention.by_rule")
    if isinstance(by_rule, dict):
        return lookup(by_rule, f"{rule.id}.breaches")
    if len(policy.figure_rules(rule.figure)) == 1:
        return lookup(summary, f"retention.breaches.{rule.figure}")
    return None


def _retention(summary: dict, policy: Policy, rule: Rule) -> Judged:
    rows = rule_breaches(summary, policy, rule)
    judged = _judge_count(rows, applies_to=rows_held(summary, policy, rule), absent=table_absent(summary, rule))
    if rule.id != policy.inactivity_rule:
        return judged
    # the inactivity rule (§1.1): accounts past their erasure deadline, and accounts erased late in the quarter
    late = lookup(summary, "retention.late_erasures")
    rows = None if rows is None else rows + (late or 0)
    judged = _judge_count(rows, applies_to=rows_held(summary, policy, rule), absent=False)
    return Judged(judged.verdict, judged.reason, judged.rows,
                  {"past_deadline": rule_breaches(summary, policy, rule), "erased_late": late})


def _withdrawn_consent(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """No marketing contact after consent was withdrawn (cumulative to ``as_of``, reading 6)."""
    return _judge_count(lookup(summary, "retention.withdrawn_consent_contacted"),
                        applies_to=rows_held(summary, policy, rule), absent=table_absent(summary, rule))


def _inquiries(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """The response standard: inquiries of the quarter answered late or unanswered past it (reading 24)."""
    late, unanswered = lookup(summary, "support.answered_late"), lookup(summary, "support.unanswered_past_standard")
    judged = _judge_count(lookup(summary, "support.past_response_standard"),
                          applies_to=lookup(summary, "support.tickets"), absent=False)
    details = {"answered_late": late, "unanswered_past_standard": unanswered,
               "awaiting_within_standard": lookup(summary, "support.awaiting_within_standard")}
    return Judged(judged.verdict, judged.reason, judged.rows, details)


def _rights(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """GDPR Art. 12(3): requests completed late in the quarter, and open requests past their deadline."""
    completed, on_time = lookup(summary, "rights.completed"), lookup(summary, "rights.on_time")
    overdue = lookup(summary, "rights.open_overdue")
    late = None if completed is None or on_time is None else completed - on_time
    known = _known(late, overdue)
    rows = sum(known) if known else None
    requests = _known(*(lookup(summary, f"rights.{k}") for k in ("completed", "open_overdue", "open_not_due")))
    judged = _judge_count(rows, applies_to=sum(requests) if requests else None, absent=False)
    return Judged(judged.verdict, judged.reason, judged.rows, {"completed_late": late, "open_overdue": overdue})


def _consent_withdrawals(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """Contract reading 23: withdrawals completed in the quarter beyond the company's standard, and open
    ones past it."""
    block = lookup(summary, "rights.consent_withdrawals")
    if not isinstance(block, dict):
        return Judged(NOT_COMPUTABLE, FIGURE_MISSING, None)
    completed, within = block.get("completed"), block.get("within_standard")
    overdue = block.get("open_past_standard")
    late = None if completed is None or within is None else completed - within
    known = _known(late, overdue)
    rows = sum(known) if known else None
    applies = _known(block.get("received"), completed, overdue)
    judged = _judge_count(rows, applies_to=sum(applies) if applies else None, absent=False)
    return Judged(judged.verdict, judged.reason, judged.rows, {"completed_late": late, "open_past_standard": overdue})


def _rights_deadline(summary: dict, policy: Policy, rule: Rule) -> Judged:
    if m.CONSENT_WITHDRAWAL in rule.rights:
        return _consent_withdrawals(summary, policy, rule)
    return _rights(summary, policy, rule)


#: how each kind of rule is judged (docs/policy-file.md, "check")
JUDGES: dict[str, Callable[[dict, Policy, Rule], Judged]] = {
    m.RETENTION: _retention,
    m.NO_CONTACT_AFTER_WITHDRAWAL: _withdrawn_consent,
    m.RESPONSE_TIME: _inquiries,
    m.RIGHTS_DEADLINE: _rights_deadline,
}


def columns_lacking(summary: dict, policy: Policy, rule: Rule) -> list[str]:
    """The columns the rule reads (``Policy.columns_read``) that its exported tables' headers lack
    (``data.columns_absent``): read as empty they would make a verdict up (docs/contract.md, "Optional columns")."""
    absent = lookup(summary, "data.columns_absent")
    if not isinstance(absent, list):
        return []
    return [c for group in policy.columns_read(rule) if all(c in absent for c in group) for c in group]


def judge_rule(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """One rule's verdict: a promise no export can test, one without a stated period, or one reading a column
    the exports lack is not assessable and says why; every other is judged by its check."""
    if not rule.auditable:
        return Judged(NOT_ASSESSABLE, NOT_AUDITABLE, None)
    if not rule.assessable:
        return Judged(NOT_ASSESSABLE, PERIOD_UNSTATED, None)
    lacking = columns_lacking(summary, policy, rule)
    if lacking:
        return Judged(NOT_ASSESSABLE, EXPORT_LACKS, None, {"lacks": lacking})
    return JUDGES[rule.check](summary, policy, rule)


def judge(summary: dict, policy: Policy, previous: dict | None = None) -> list[dict]:
    """Every finding of the quarter in ``summary``, one per rule in the policy file's order; ``previous`` is
    the previous quarter's summary (for ``previous_rows``; None: not computed)."""
    found = []
    for rule in policy.rules:
        judged = judge_rule(summary, policy, rule)
        before = judge_rule(previous, policy, rule) if isinstance(previous, dict) else None
        basis = rule.basis
        found.append({
            "id": rule.id,
            "clause": rule.clause,
            "basis": basis.kind,
            "source": {lang: basis.source(lang) for lang in policy.languages} if basis.kind != POLICY else None,
            "verdict": judged.verdict,
            "reason": judged.reason,
            "rows": judged.rows,
            "previous_rows": before.rows if before is not None else None,
            "worklist": worklist_name(rule),
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


def promises(findings: list[dict]) -> list[dict]:
    """The findings on the policy's own promises (basis ``policy``): what the headline counts ("6 of 8
    promises kept"); legal deadlines and internal standards are tallied beside it (:func:`tally_by_basis`)."""
    return [f for f in findings if isinstance(f, dict) and f.get("basis", POLICY) == POLICY]


def tally_by_basis(findings: list[dict]) -> dict[str, dict]:
    """:func:`tally` of the findings of each basis (``policy``, ``law``, ``internal standard``) that has any."""
    bases = dict.fromkeys(f.get("basis", POLICY) for f in findings if isinstance(f, dict))
    return {b: tally([f for f in findings if isinstance(f, dict) and f.get("basis", POLICY) == b]) for b in bases}
