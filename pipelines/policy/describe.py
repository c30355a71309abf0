"""Every rule of a policy file in words a privacy officer can check against the policy, and as JSON.

``privacy-review check-policy`` prints :func:`describe`; ``--json`` prints :func:`as_json`. Each rule is
one sentence (what is kept, what happens to it, by when), its clause and basis, and the export columns
it needs (docs/policy-file.md, "Checking a file").
"""

from __future__ import annotations

from pipelines.contract import ROW_TIME
from pipelines.policy import model as m

_ACCOUNT_SCOPES = {
    m.ANY: "",
    m.KNOWN: " with no account or a known one",
    m.WITH_ACCOUNT: " of an existing account",
    m.WITHOUT_ACCOUNT: " without an account",
    m.ERASED: " of an erased account",
    m.NOT_ERASED: " of no account or an account not erased",
    m.CLOSED: " of a closed account",
    m.NOT_CLOSED: " of no account or an account not closed",
}
_EXEMPTIONS = {m.LEGAL_HOLD: "legal hold", m.REGISTER: "the register of exceptions"}
_CLOCK = {"received": "the day of receipt", "identity_verified": "the verification of the requester's identity"}


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _part(part: m.Part) -> str:
    rows = f"{part.table} rows{_ACCOUNT_SCOPES[part.account]}"
    for column, values in part.where:
        rows += f" where {column} is {' or '.join(values)}"
    action = {
        m.DELETE: lambda: "deleted",
        m.AGGREGATE: lambda: "aggregated (no row kept)",
        m.CLEAR: lambda: f"{_and(part.columns)} emptied",
        m.MARK: lambda: f"de-identified ({part.marker} set)",
    }[part.action]()
    return f"{rows}: {action}"


def _anchor(policy: m.Policy, anchor: m.Anchor) -> str:
    if anchor.kind == m.ROW:
        return f"the row's {anchor.columns[0]}"
    if anchor.kind == m.FIRST_PRESENT:
        return f"the first present of {', '.join(anchor.columns)}"
    if anchor.kind == m.SUBJECT_LATEST:
        events = " or ".join(f"{t}.{c}" for t, c in anchor.events)
        return f"the latest {events} of the same {anchor.subject}"
    if anchor.kind == m.ACCOUNT_LAST_ACTIVITY:
        return "the account's last activity (its latest session or login, else its creation)"
    if anchor.kind == m.ACCOUNT_ERASURE:
        return "the account's erasure"
    if anchor.kind == m.ACCOUNT_CLOSURE:
        return "the account's closure (cancellation)"
    return f"the deadline of {anchor.rule}"


def _deadline(policy: m.Policy, deadline: m.Deadline) -> str:
    anchor = _anchor(policy, deadline.anchor)
    if deadline.starts == "next_year":
        anchor = f"1 January of the year after {anchor}"
    period = deadline.period
    if period.unit == m.UNSTATED:
        return f"a period the policy does not state, after {anchor}"
    said = f"at {anchor}" if period.unit == m.NONE else f"{period} after {anchor}"
    return said + (f" ({deadline.source.get()})" if deadline.source else "")


def deadline_words(policy: m.Policy, rule: m.Rule) -> str:
    """When a retention rule's rows are due: one deadline, or the earliest/latest of several."""
    said = [_deadline(policy, d) for d in rule.deadlines]
    if len(said) == 1:
        return said[0]
    return f"the {'earliest' if rule.combine == m.EARLIEST else 'latest'} of: " + "; ".join(said)


def basis_words(rule: m.Rule) -> str:
    """``policy (§1.6)``, ``law: GDPR Art. 12(3)``, ``internal standard: a first response within 5 working days``."""
    return f"{rule.basis.kind} ({rule.clause})" if rule.basis.kind == m.POLICY else \
        f"{rule.basis.kind}: {rule.basis.source()}"


def sentence(policy: m.Policy, rule: m.Rule) -> str:
    """The rule as one sentence (what, what happens, by when)."""
    if not rule.auditable:
        return f"not auditable from the exports: {rule.not_auditable_reason.get()}"
    if rule.check == m.RETENTION:
        return f"{'; '.join(_part(p) for p in rule.parts)} — {deadline_words(policy, rule)}"
    if rule.check == m.NO_CONTACT_AFTER_WITHDRAWAL:
        return "marketing_contacts: no communication after consent was withdrawn"
    if rule.check == m.RESPONSE_TIME:
        return (f"support_tickets: every inquiry answered (first response, else resolution) within {rule.period} "
                f"after the day of receipt ({rule.calendar} calendar: weekends and public holidays do not count)")
    if m.CONSENT_WITHDRAWAL in rule.rights:
        return (f"rights_requests: a withdrawal of consent completed within {rule.period} after the day of receipt "
                f"({rule.calendar} calendar)")
    extended = f", extendable to {rule.extended_period} when the requester is told in time" \
        if rule.extended_period else ""
    return (f"rights_requests: {_and(rule.rights)} answered within {rule.period} of {_CLOCK[rule.clock_start]}"
            f"{extended}; a deadline on a weekend or public holiday ({rule.calendar} calendar) moves to the next "
            "working day")


def columns_needed(policy: m.Policy, rule: m.Rule) -> list[str]:
    """The export columns (``table.column``) the rule is checked on."""
    if not rule.auditable:
        return []
    needed: list[str] = []
    if rule.check != m.RETENTION:
        needed.append(f"{rule.table}.{ROW_TIME[rule.table]}")
        needed += {
            m.NO_CONTACT_AFTER_WITHDRAWAL: ["marketing_contacts.consent_withdrawn_at"],
            m.RESPONSE_TIME: ["support_tickets.first_response_at", "support_tickets.resolved_at"],
            m.RIGHTS_DEADLINE: ["rights_requests.right", "rights_requests.completed_at",
                                *(["rights_requests.extension_notified_at"] if rule.extended_period else []),
                                *(["rights_requests.identity_verified_at"]
                                  if rule.clock_start == "identity_verified" else [])],
        }[rule.check]
        return list(dict.fromkeys(needed))
    account_facts = ["accounts.created_at", "accounts.last_login_at", "accounts.erased_at", "sessions.started_at"]
    for part in rule.parts:
        needed.append(f"{part.table}.{ROW_TIME[part.table]}")
        if part.account != m.ANY:
            closure = part.account in (m.CLOSED, m.NOT_CLOSED)
            needed += [f"{part.table}.account_id", "accounts.closed_at" if closure else "accounts.erased_at"]
        needed += [f"{part.table}.{c}" for c, _ in part.where]
        needed += [f"{part.table}.{c}" for c in part.columns]
        needed += [f"{part.table}.{part.marker}"] if part.marker else []
        for deadline in rule.deadlines:
            anchor = deadline.anchor
            needed += [f"{part.table}.{c}" for c in anchor.columns]
            needed += [f"{t}.{c}" for t, c in anchor.events] + ([f"{part.table}.{anchor.subject}"]
                                                                 if anchor.subject else [])
            if anchor.kind in (*m.ACCOUNT_ANCHORS, m.RULE):
                needed += [f"{part.table}.account_id", *account_facts]
            if anchor.kind == m.ACCOUNT_CLOSURE:
                needed.append("accounts.closed_at")
        if m.LEGAL_HOLD in rule.exempt and part.table != "accounts":
            needed += [f"{part.table}.account_id", "accounts.legal_hold"]
        elif m.LEGAL_HOLD in rule.exempt:
            needed.append("accounts.legal_hold")
    return list(dict.fromkeys(needed))


def describe(policy: m.Policy) -> str:
    """``check-policy``: the file's rules as a person reads them, one block per rule."""
    languages = ", ".join(policy.languages)
    documents = ", ".join(f"{lang}: {path.name}" for lang, path in policy.documents.items())
    blocks = [f"{policy.source}: valid\n{policy.label}; dates are local dates in {policy.zone}; languages: "
              f"{languages}; every quote found verbatim in the policy texts ({documents})"]
    for rule in policy.rules:
        lines = [f"{rule.id} ({rule.clause}): {sentence(policy, rule)}", f"  basis: {basis_words(rule)}"]
        if rule.is_retention and rule.figure != rule.id:
            lines.append(f"  counted in: retention.breaches.{rule.figure}")
        if rule.exempt:
            lines.append(f"  exempt: {_and(_EXEMPTIONS[e] for e in rule.exempt)}")
        if rule.yields_to:
            lines.append(f"  a row already past the deadline of {_and(rule.yields_to)} counts there, not here")
        needed = columns_needed(policy, rule)
        if needed:
            lines.append(f"  needs: {', '.join(needed)}")
        lines.append(f"  quote: \"{rule.quote.get()}\"")
        blocks.append("\n".join(lines))
    if policy.inactivity_rule:
        blocks.append(
            f"inactivity: the cohorts count towards the deadline of {policy.inactivity_rule} "
            f"({policy.inactivity_months} months after the account's last activity); due soon: within "
            f"{policy.due_soon_days} days of it")
    else:
        blocks.append("inactivity: the file names no inactivity rule ([inactivity] rule): the report has no "
                      "inactivity section")
    blocks.append("\n".join((
        f"support: declared categories {', '.join(policy.declared_categories)} (any other value counts under "
        f'"other"); privacy category: {policy.privacy_category}',
        f"  a privacy ticket with no rights request within {policy.missed_request_window_days} days is a "
        "possibly missed request",
    )))
    contacts = ", ".join(policy.controller_contacts) or "none declared"
    blocks.append(f"controller contacts (the only e-mail addresses a report may quote): {contacts}")
    return "\n\n".join(blocks)


def as_json(policy: m.Policy) -> dict:
    """``check-policy --json``: every rule with its sentence, basis, source and needed columns, for machines."""
    return {
        "policy": policy.label, "file": policy.source, "zone": policy.zone, "languages": list(policy.languages),
        "documents": {lang: path.name for lang, path in policy.documents.items()},
        "rules": [
            {"id": r.id, "check": r.check, "clause": r.clause, "figure": r.figure if r.is_retention else None,
             "basis": r.basis.kind, "source": {lang: r.basis.source(lang) for lang in policy.languages}
             if r.basis.kind != m.POLICY else None, "assessable": r.assessable,
             "sentence": sentence(policy, r), "needs": columns_needed(policy, r),
             "title": dict(r.title.by_language), "quote": dict(r.quote.by_language)}
            for r in policy.rules
        ],
        "inactivity": {"rule": policy.inactivity_rule, "period_months": policy.inactivity_months,
                       "due_soon_days": policy.due_soon_days},
        "support": {"categories": list(policy.declared_categories), "privacy_category": policy.privacy_category,
                    "missed_request_window_days": policy.missed_request_window_days},
        "controller_contacts": list(policy.controller_contacts),
    }
