"""Findings: one verdict per rule of the policy file, as data beside the figures.

docs/report.md, "Findings". Each finding is judged here, once, from the quarter's summary and the
policy file's rules (docs/policy-file.md), and written into ``summary.json`` as ``findings``; the
report, the index, the notebooks and ``verify`` read it and never judge again.

A finding says which promise (``id``: its rule's id, ``clause``), on what ground (``basis``: the
policy's own text, a law it defers to, or a standard the company set itself, with its ``source``),
the ``verdict``, a short ``reason`` code, and the records behind a broken promise counted apart
(docs/report.md, "Open now and fixed late"): ``open_now``, the records still past their deadline at
``as_of`` (exactly the rows of the finding's ``worklist`` file), and ``fixed_late``, those that were late
in the quarter but are fixed (accounts erased late, requests completed late, inquiries answered late;
None where the exports cannot tell); ``previous_open_now`` is ``open_now`` of the previous quarter,
recomputed from the same exports. How a rule is judged follows from what it checks (``check``), never
from its name.
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


def list_key(policy: Policy, rule: Rule) -> str:
    """A retention rule's own list, by name: its figure when the figure gathers this rule alone, else its id
    (docs/policy-file.md, "figure"); the history of remediation tracks each list under this name."""
    return rule.figure if len(policy.figure_rules(rule.figure)) == 1 else rule.id


def worklist_name(policy: Policy, rule: Rule) -> str | None:
    """The file of ``privacy-review worklist`` listing the rule's open records; None for a rule no export tests.

    Each finding has its own list, so its ``open_now`` is the file's row count: a retention rule's is
    ``<figure>_past_deadline.csv``, or ``<rule id>_past_deadline.csv`` when its figure gathers several rules."""
    if not rule.assessable:
        return None
    if rule.is_retention:
        return f"{list_key(policy, rule)}_past_deadline.csv"
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
    open_now: int | None
    """Records still past their deadline at as_of: the rows of the finding's worklist file."""
    fixed_late: int | None = None
    """Records late in the quarter but fixed by as_of; None where the check cannot tell."""
    details: dict | None = None


def _judge_count(open_now: int | None, *, applies_to: int | None, absent: bool,
                 fixed_late: int | None = None) -> Judged:
    """The common rule: a missing figure is not computable (not assessable when its table was not
    exported); records breaking the promise, open now or fixed late, make it not kept; nothing it applies
    to makes it not assessable."""
    if open_now is None:
        return Judged(NOT_ASSESSABLE, NOT_EXPORTED, None) if absent else Judged(NOT_COMPUTABLE, FIGURE_MISSING, None)
    if open_now > 0 or (fixed_late or 0) > 0:
        return Judged(NOT_KEPT, BREACH, open_now, fixed_late)
    if applies_to == 0:
        return Judged(NOT_ASSESSABLE, NOTHING_TO_JUDGE, 0, fixed_late)
    return Judged(KEPT, NO_BREACH, 0, fixed_late)


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
    """Records past their deadline; the inactivity rule (§1.1) also counts the accounts erased late in the
    quarter (fixed late). The exports do not say when any other row was removed: its ``fixed_late`` is None."""
    late = lookup(summary, "retention.late_erasures") if rule.id == policy.inactivity_rule else None
    return _judge_count(rule_breaches(summary, policy, rule), applies_to=rows_held(summary, policy, rule),
                        absent=table_absent(summary, rule), fixed_late=late)


def _withdrawn_consent(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """No marketing contact after consent was withdrawn (cumulative to ``as_of``, reading 6)."""
    return _judge_count(lookup(summary, "retention.withdrawn_consent_contacted"),
                        applies_to=rows_held(summary, policy, rule), absent=table_absent(summary, rule))


def _with_details(judged: Judged, details: dict) -> Judged:
    return Judged(judged.verdict, judged.reason, judged.open_now, judged.fixed_late, details)


def _inquiries(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """The response standard (reading 24): inquiries of the quarter unanswered past it (open now) and answered
    late (fixed late); those still within it are not a failure."""
    judged = _judge_count(lookup(summary, "support.unanswered_past_standard"),
                          applies_to=lookup(summary, "support.tickets"), absent=False,
                          fixed_late=lookup(summary, "support.answered_late"))
    return _with_details(judged, {"awaiting_within_standard": lookup(summary, "support.awaiting_within_standard")})


def _rights(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """GDPR Art. 12(3): open requests past their deadline (open now), and requests completed late in the
    quarter (fixed late)."""
    completed, on_time = lookup(summary, "rights.completed"), lookup(summary, "rights.on_time")
    late = None if completed is None or on_time is None else completed - on_time
    requests = _known(*(lookup(summary, f"rights.{k}") for k in ("completed", "open_overdue", "open_not_due")))
    return _judge_count(lookup(summary, "rights.open_overdue"), applies_to=sum(requests) if requests else None,
                        absent=False, fixed_late=late)


def _consent_withdrawals(summary: dict, policy: Policy, rule: Rule) -> Judged:
    """Contract reading 23: withdrawals completed in the quarter beyond the company's standard, and open
    ones past it."""
    block = lookup(summary, "rights.consent_withdrawals")
    if not isinstance(block, dict):
        return Judged(NOT_COMPUTABLE, FIGURE_MISSING, None)
    completed, within = block.get("completed"), block.get("within_standard")
    overdue = block.get("open_past_standard")
    late = None if completed is None or within is None else completed - within
    applies = _known(block.get("received"), completed, overdue)
    return _judge_count(overdue, applies_to=sum(applies) if applies else None, absent=False, fixed_late=late)


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
        return Judged(NOT_ASSESSABLE, EXPORT_LACKS, None, details={"lacks": lacking})
    return JUDGES[rule.check](summary, policy, rule)


def judge(summary: dict, policy: Policy, previous: dict | None = None) -> list[dict]:
    """Every finding of the quarter in ``summary``, one per rule in the policy file's order; ``previous`` is
    the previous quarter's summary (for ``previous_open_now``; None: not computed)."""
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
            "open_now": judged.open_now,
            "fixed_late": judged.fixed_late,
            "previous_open_now": before.open_now if before is not None else None,
            "worklist": worklist_name(policy, rule),
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
