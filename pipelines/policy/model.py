"""The policy as data: one :class:`Rule` per promise, and the few settings that are not promises.

docs/policy-file.md states every key and its meaning; :mod:`pipelines.policy.parse` reads a file into
these classes and refuses anything it does not understand. Nothing here knows a category by name: the
rules of a file are its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.dates import DEFAULT_CALENDAR

#: where a rule's duty comes from (docs/policy-file.md, "basis")
POLICY, LAW, INTERNAL_STANDARD = "policy", "law", "internal standard"
BASES = (POLICY, LAW, INTERNAL_STANDARD)

#: what a rule checks (docs/policy-file.md, "check")
RETENTION, RIGHTS_DEADLINE, RESPONSE_TIME, NO_CONTACT_AFTER_WITHDRAWAL = (
    "retention", "rights_deadline", "response_time", "no_contact_after_withdrawal")
CHECKS = (RETENTION, RIGHTS_DEADLINE, RESPONSE_TIME, NO_CONTACT_AFTER_WITHDRAWAL)

#: anchors (docs/policy-file.md, "anchor"): the row's own timestamp; the first present of its columns; a
#: subject's latest event across tables; the account's last activity, erasure or closure (cancellation: a
#: closed account is not an erased one); another rule's deadline
ROW, FIRST_PRESENT, SUBJECT_LATEST, ACCOUNT_LAST_ACTIVITY, ACCOUNT_ERASURE, ACCOUNT_CLOSURE, RULE = (
    "row", "first_present", "subject_latest", "account_last_activity", "account_erasure", "account_closure", "rule")
ANCHORS = (ROW, FIRST_PRESENT, SUBJECT_LATEST, ACCOUNT_LAST_ACTIVITY, ACCOUNT_ERASURE, ACCOUNT_CLOSURE, RULE)
#: anchors that are a fact of the row's account (a row without a known account has no such date)
ACCOUNT_ANCHORS = (ACCOUNT_LAST_ACTIVITY, ACCOUNT_ERASURE, ACCOUNT_CLOSURE)

#: what a rule promises to do with a row once its deadline passes (docs/policy-file.md, "action")
DELETE, CLEAR, MARK, AGGREGATE = "delete", "clear", "mark", "aggregate"
ACTIONS = (DELETE, CLEAR, MARK, AGGREGATE)

#: the state of a row's account a rule applies to (docs/policy-file.md, "scope")
ANY, KNOWN, WITH_ACCOUNT, WITHOUT_ACCOUNT, ERASED, NOT_ERASED, CLOSED, NOT_CLOSED = (
    "any", "known", "with_account", "without_account", "erased", "not_erased", "closed", "not_closed")
ACCOUNT_SCOPES = (ANY, KNOWN, WITH_ACCOUNT, WITHOUT_ACCOUNT, ERASED, NOT_ERASED, CLOSED, NOT_CLOSED)

#: exemptions (docs/policy-file.md, "exempt")
LEGAL_HOLD, REGISTER = "legal_hold", "register"
EXEMPTIONS = (LEGAL_HOLD, REGISTER)

#: how several deadlines combine (docs/policy-file.md, "deadlines")
EARLIEST, LATEST_OF = "earliest", "latest"
COMBINATIONS = (EARLIEST, LATEST_OF)

#: period units (docs/policy-file.md, "period"); "none": the deadline is the anchor itself; "unstated": the
#: policy states no period, so the rule cannot be judged
DAYS, WORKING_DAYS, MONTHS, YEARS, NONE, UNSTATED = "days", "working days", "months", "years", "none", "unstated"

#: the longest period of each unit (docs/policy-file.md, "Types and bounds"): a century of retention, a year and a
#: half of working days for a response or a request; a period is at least 1 of its unit ("none" is no time at all)
PERIOD_LIMITS = {DAYS: 36525, WORKING_DAYS: 366, MONTHS: 1200, YEARS: 100}

#: a period starting on the anchor's day, or on 1 January of the year after it (accounting periods)
STARTS = ("anchor", "next_year")

CLOCK_STARTS = ("received", "identity_verified")


@dataclass(frozen=True)
class Texts:
    """A text in each of the policy's languages (``quote_en``, ``quote_nl``, ...)."""

    by_language: dict[str, str] = field(default_factory=dict)

    def get(self, language: str = "en") -> str:
        return self.by_language.get(language) or next(iter(self.by_language.values()), "")

    def __bool__(self) -> bool:
        return any(self.by_language.values())


@dataclass(frozen=True)
class Basis:
    """A rule's ground: the policy's own text, a law it defers to, or a standard the company set itself.

    ``sources`` name the law or describe the standard (required unless the basis is the policy)."""

    kind: str = POLICY
    sources: Texts = Texts()

    def source(self, language: str = "en") -> str:
        return self.sources.get(language) if self.sources else ""

    @property
    def source_en(self) -> str:
        return self.source("en")

    @property
    def source_nl(self) -> str:
        return self.source("nl")


@dataclass(frozen=True)
class Period:
    """``12 months``, ``30 days``, ``10 years``, ``5 working days``, ``none`` or ``unstated``."""

    amount: int
    unit: str

    _TEXT = re.compile(r"^\s*(\d+)\s+(day|days|working day|working days|month|months|year|years)\s*$")

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """``12 months`` -> Period(12, "months"); ``none``, ``unstated``; None for anything else (the bounds,
        :data:`PERIOD_LIMITS`, are the policy file's: :func:`pipelines.policy.parse.period_problem`)."""
        value = text.strip().lower()
        if value in (NONE, UNSTATED):
            return cls(0, value)
        found = cls._TEXT.match(value)
        if not found:
            return None
        unit = found.group(2)
        return cls(int(found.group(1)), unit if unit.endswith("s") else unit + "s")

    @property
    def months(self) -> int | None:
        """The period in whole months (years count 12), None for any other unit."""
        return {MONTHS: self.amount, YEARS: 12 * self.amount}.get(self.unit)

    @property
    def stated(self) -> bool:
        return self.unit != UNSTATED

    def __str__(self) -> str:
        if self.unit in (NONE, UNSTATED):
            return self.unit
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class Anchor:
    """From when a period runs (docs/policy-file.md, "anchor")."""

    kind: str
    columns: tuple[str, ...] = ()
    """``row``: one column; ``first_present``: the columns in order."""
    subject: str | None = None
    """``subject_latest``: the column naming the subject (``visitor_id``, ``account_id``)."""
    events: tuple[tuple[str, str], ...] = ()
    """``subject_latest``: (table, timestamp column) pairs whose latest is the anchor."""
    rule: str | None = None
    """``rule``: the id of the rule whose deadline this one starts from."""


@dataclass(frozen=True)
class Deadline:
    anchor: Anchor
    period: Period
    starts: str = "anchor"
    source: Texts = Texts()
    """Where this period comes from when it is not the rule's quote (e.g. the law sizing an exception)."""


@dataclass(frozen=True)
class Part:
    """The rows a retention rule reads in one table, and what its action leaves behind."""

    table: str
    action: str
    columns: tuple[str, ...] = ()
    """``clear``: the columns emptied (a row holding any of them is still held)."""
    marker: str | None = None
    """``mark``: the timestamp column set when the row is de-identified."""
    account: str = ANY
    """The state of the row's account the rule applies to (:data:`ACCOUNT_SCOPES`)."""
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Coded columns narrowing the rows: (column, values compared trimmed and lower-cased)."""


@dataclass(frozen=True)
class Rule:
    """One promise: where the policy says it, on what ground, and how it is checked."""

    id: str
    check: str
    clause: str
    quote: Texts
    title: Texts
    basis: Basis
    figure: str
    """The summary figure its breaches count in (``retention.breaches.<figure>``); its id by default."""
    line: int = 0
    """The line of the file where the rule begins (for messages)."""
    parts: tuple[Part, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    combine: str = EARLIEST
    exempt: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()
    auditable: bool = True
    not_auditable_reason: Texts = Texts()
    # the checks other than retention
    table: str | None = None
    rights: tuple[str, ...] = ()
    extended_period: Period | None = None
    clock_start: str = "received"
    calendar: str = "BE"

    @property
    def period(self) -> Period | None:
        """The rule's period when it has one deadline (None with several)."""
        return self.deadlines[0].period if len(self.deadlines) == 1 else None

    @property
    def tables(self) -> tuple[str, ...]:
        """The export tables the rule reads."""
        if self.parts:
            return tuple(dict.fromkeys(p.table for p in self.parts))
        return (self.table,) if self.table else ()

    @property
    def assessable(self) -> bool:
        """Whether the rule can be judged from exports at all (auditable, with a stated period)."""
        return self.auditable and all(d.period.stated for d in self.deadlines)

    @property
    def is_retention(self) -> bool:
        return self.check == RETENTION


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    source: str
    zone: str
    languages: tuple[str, ...]
    rules: tuple[Rule, ...]
    inactivity_rule: str | None
    """The rule the inactivity cohorts count towards (``[inactivity] rule``); None: the file states none."""
    due_soon_days: int
    privacy_category: str
    missed_request_window_days: int
    support_categories: tuple[str, ...] = ()
    """The declared support-ticket categories, trimmed and lower-cased, the privacy category among them
    (docs/contract.md, "Only declared values")."""
    name_nl: str | None = None
    controller_contacts: tuple[str, ...] = ()
    documents: dict[str, Path] = field(default_factory=dict)
    """language -> the published policy text the quotes are found in."""
    exceptions_register: Path | None = None

    # --- the rules -------------------------------------------------------------------

    @property
    def label(self) -> str:
        return f"{self.name} ({self.version})"

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def with_rule(self, rule_id: str, **changes) -> Policy:
        """This policy with one rule changed (``dataclasses.replace`` of the rule)."""
        rules = tuple(replace(r, **changes) if r.id == rule_id else r for r in self.rules)
        if rules == self.rules and rule_id not in {r.id for r in self.rules}:
            raise KeyError(rule_id)
        return replace(self, rules=rules)

    def with_period(self, rule_id: str, period: str, *, extended: str | None = None) -> Policy:
        """This policy with one rule's (single) period changed, e.g. ``with_period("account_erasure", "6 months")``."""
        rule = self.rule(rule_id)
        deadline = replace(rule.deadlines[0], period=Period.parse(period))
        changes = {"deadlines": (deadline,)}
        if extended is not None:
            changes["extended_period"] = Period.parse(extended)
        return self.with_rule(rule_id, **changes)

    def rules_checking(self, check: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.check == check)

    @property
    def retention_rules(self) -> tuple[Rule, ...]:
        """The retention rules that can be evaluated (auditable, with a stated period), in file order."""
        return tuple(r for r in self.rules_checking(RETENTION) if r.assessable)

    @property
    def figures(self) -> tuple[str, ...]:
        """The retention figures (``retention.breaches`` keys), in the order their first rule comes."""
        return tuple(dict.fromkeys(r.figure for r in self.rules_checking(RETENTION)))

    def figure_rules(self, figure: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules_checking(RETENTION) if r.figure == figure)

    def figure_tables(self, figure: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for r in self.figure_rules(figure) for t in r.tables))

    @property
    def tables_read(self) -> tuple[str, ...]:
        """The export tables the auditable rules read (their own tables and the tables their anchors read)."""
        found = [t for r in self.rules if r.auditable for t in r.tables]
        found += [t for r in self.rules if r.auditable for d in r.deadlines for t, _ in d.anchor.events]
        return tuple(dict.fromkeys(found))

    def columns_read(self, rule: Rule) -> tuple[tuple[str, ...], ...]:
        """The columns (``table.column``) the rule's verdict rests on beyond its rows' own time, in groups: what
        the action removes, the scope, the anchors, the facts a check reads. An export lacking every column of a
        group leaves the rule "not assessable" rather than read as empty (docs/contract.md, "Optional columns").
        A group is one column, but for the columns a ``clear`` action empties: a row holding any of them is
        held, so the rule is judged on those of them the export has."""
        if not rule.assessable:
            return ()
        groups: list[tuple[str, ...]] = []
        for part in rule.parts:
            if part.columns:
                groups.append(tuple(f"{part.table}.{c}" for c in part.columns))
        found: list[str] = []
        if rule.check == RIGHTS_DEADLINE:
            found.append("rights_requests.completed_at")
            found += ["rights_requests.extension_notified_at"] if rule.extended_period else []
            found += ["rights_requests.identity_verified_at"] if rule.clock_start == "identity_verified" else []
        elif rule.check == RESPONSE_TIME:
            found += ["support_tickets.first_response_at", "support_tickets.resolved_at"]
        elif rule.check == NO_CONTACT_AFTER_WITHDRAWAL:
            found.append("marketing_contacts.consent_withdrawn_at")
        for part in rule.parts:
            table = part.table
            found += [f"{table}.{part.marker}"] if part.marker else []
            found += [f"{table}.{c}" for c, _ in part.where]
            found += {ERASED: ["accounts.erased_at"], NOT_ERASED: ["accounts.erased_at"],
                      CLOSED: ["accounts.closed_at"], NOT_CLOSED: ["accounts.closed_at"]}.get(part.account, [])
            if part.account != ANY:
                found.append(f"{table}.account_id")
            for deadline in rule.deadlines:
                found += self._anchor_columns(table, deadline.anchor)
        singles = [(c,) for c in dict.fromkeys(found) if c != "accounts.account_id"]
        return tuple(dict.fromkeys([*groups, *singles]))

    def _anchor_columns(self, table: str, anchor: Anchor) -> list[str]:
        if anchor.kind in (ROW, FIRST_PRESENT):
            return [f"{table}.{c}" for c in anchor.columns]
        if anchor.kind == SUBJECT_LATEST:
            return [f"{table}.{anchor.subject}", *(f"{t}.{c}" for t, c in anchor.events)]
        own = [f"{table}.account_id"]
        if anchor.kind == ACCOUNT_ERASURE:
            return [*own, "accounts.erased_at"]
        if anchor.kind == ACCOUNT_CLOSURE:
            return [*own, "accounts.closed_at"]
        if anchor.kind == RULE:
            return [*own, *self._anchor_columns("accounts", self.rule(anchor.rule).deadlines[0].anchor)]
        return own  # the last activity: sessions and creation, both required

    @property
    def inactivity(self) -> Rule | None:
        return self.rule(self.inactivity_rule) if self.inactivity_rule else None

    @property
    def inactivity_months(self) -> int:
        """The inactivity period in months: the inactivity rule's (erasure deadline = last activity + this), else
        the contract's 12 (docs/contract.md §3, "Inactivity cohorts")."""
        return self.inactivity.period.months if self.inactivity else CONTRACT_INACTIVITY_MONTHS

    @property
    def declared_categories(self) -> tuple[str, ...]:
        return self.support_categories

    def _single(self, check: str, rights: bool | None = None) -> Rule | None:
        found = [r for r in self.rules_checking(check)
                 if rights is None or (CONSENT_WITHDRAWAL in r.rights) == rights]
        return found[0] if found else None

    @property
    def rights_rule(self) -> Rule | None:
        """The Art. 12(3) deadline rule (the rights it covers, consent withdrawal not among them)."""
        return self._single(RIGHTS_DEADLINE, rights=False)

    @property
    def consent_withdrawal_rule(self) -> Rule | None:
        """The standard for withdrawals of consent (contract reading 23), when the file states one."""
        return self._single(RIGHTS_DEADLINE, rights=True)

    @property
    def response_rule(self) -> Rule | None:
        return self._single(RESPONSE_TIME)

    @property
    def consent_rule(self) -> Rule | None:
        return self._single(NO_CONTACT_AFTER_WITHDRAWAL)

    # --- what the SQL binds (pipelines/metrics/params.py) ------------------------------------

    # a file without a rights or response rule still gets the contract's figures (docs/contract.md §3), counted
    # with the contract's lengths; it just has no finding on them

    @property
    def deadline_months(self) -> int:
        return self.rights_rule.period.months if self.rights_rule else CONTRACT_RIGHTS_MONTHS

    @property
    def extended_deadline_months(self) -> int:
        rule = self.rights_rule
        return (rule.extended_period or rule.period).months if rule else CONTRACT_RIGHTS_EXTENDED_MONTHS

    @property
    def clock_start(self) -> str:
        return self.rights_rule.clock_start if self.rights_rule else "received"

    @property
    def rights_calendar(self) -> str:
        return self.rights_rule.calendar if self.rights_rule else DEFAULT_CALENDAR

    @property
    def response_working_days(self) -> int:
        return self.response_rule.period.amount if self.response_rule else DEFAULT_RESPONSE_WORKING_DAYS

    @property
    def response_calendar(self) -> str:
        return self.response_rule.calendar if self.response_rule else DEFAULT_CALENDAR

    @property
    def consent_withdrawal_working_days(self) -> int:
        rule = self.consent_withdrawal_rule
        return rule.period.amount if rule is not None else DEFAULT_CONSENT_WITHDRAWAL_WORKING_DAYS


#: the right a withdrawal of consent is exported as (contract §1), judged by its own standard (reading 23)
CONSENT_WITHDRAWAL = "consent_withdrawal"
#: contract reading 23: without a rule of its own, a withdrawal is completed within 2 working days
DEFAULT_CONSENT_WITHDRAWAL_WORKING_DAYS = 2
#: the contract's lengths (docs/contract.md §3) where a file states no rule of that kind
CONTRACT_INACTIVITY_MONTHS, CONTRACT_RIGHTS_MONTHS, CONTRACT_RIGHTS_EXTENDED_MONTHS = 12, 1, 3
DEFAULT_RESPONSE_WORKING_DAYS = 5
