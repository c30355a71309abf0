"""Reads and validates the policy file: periods, anchors, exceptions and clause texts.

The rules live in TOML (``pipelines/policies/*.toml``), not in code; this
module only checks that a file states every rule the metrics need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipelines.contract import TABLES
from pipelines.dates import known_zone
from pipelines.errors import BadInput, read_toml

DEFAULT_POLICY = "privacy-policy-2024-06-17.toml"

#: category -> the anchor its SQL model applies (docs/contract.md §3, retention table; docs/design.md, "Where
#: each rule lives"): ``staging/account_deadlines.sql`` for ``account``, ``staging/retention_past_deadline_rows.sql``
#: for the others. The policy file states each rule's anchor so that the rule reads whole there; the SQL applies
#: no other, so a file naming another anchor is refused rather than silently not followed.
ANCHORS = {
    "account": "last_activity",
    "logs": "account_erasure_deadline",
    "support": "account_erasure_deadline",
    "marketing": "last_communication",
    "analytics": "last_visit",
    "residual": "account_erasure",
    "payments": "year_after_payment",
}
#: the anchor of a category's rows that have no account (docs/contract.md §3: support tickets without one count
#: from their resolution, else their creation); stated in the file as ``anchor_without_account`` with
#: ``period_months_without_account``
ANCHORS_WITHOUT_ACCOUNT = {"support": "resolution_or_creation"}
#: the categories whose period is in days (``grace_days``); every other one has ``period_months``
GRACE_DAYS_CATEGORIES = ("residual",)
CLOCK_STARTS = ("received", "identity_verified")


@dataclass(frozen=True)
class Clause:
    ref: str
    text_en: str
    text_nl: str

    def text(self, language: str = "en") -> str:
        return self.text_nl if language == "nl" else self.text_en


#: where a rule's period or duty comes from (docs/report.md, "Findings")
POLICY, LAW, INTERNAL_STANDARD = "policy", "law", "internal standard"
BASES = (POLICY, LAW, INTERNAL_STANDARD)


@dataclass(frozen=True)
class Basis:
    """A rule's ground: the policy's own text, a law it defers to, or a standard the company set itself.

    ``source_en``/``source_nl`` name the law or describe the standard (required for both);
    for ``policy`` the clause itself is the source.
    """

    kind: str = POLICY
    source_en: str = ""
    source_nl: str = ""

    def source(self, language: str = "en") -> str:
        return (self.source_nl or self.source_en) if language == "nl" else self.source_en


@dataclass(frozen=True)
class RetentionRule:
    category: str
    clause: Clause
    table: str
    anchor: str
    period_months: int | None = None
    """Months after the anchor (None for a category counted in ``grace_days``)."""
    grace_days: int | None = None
    exempt_legal_hold: bool = False
    basis: Basis = Basis()
    anchor_without_account: str | None = None
    """The anchor of the category's rows without an account (:data:`ANCHORS_WITHOUT_ACCOUNT`), else None."""
    period_months_without_account: int | None = None


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    source: str
    zone: str
    inactivity_clause: Clause
    due_soon_days: int
    retention: dict[str, RetentionRule]
    support_clause: Clause
    privacy_category: str
    missed_request_window_days: int
    rights_clause: Clause
    deadline_months: int
    extended_deadline_months: int
    clock_start: str
    name_nl: str | None = None
    """The policy's Dutch name, for Dutch reports (``[policy] name_nl``; optional)."""
    support_categories: tuple[str, ...] = ()
    """The support-ticket categories the company declared (``[support] categories``; optional),
    trimmed and lower-cased (contract §5 reading 17). Only a declared category is published by
    name; any other value counts under ``other`` (docs/contract.md, "Only declared values")."""
    controller_contacts: tuple[str, ...] = ()
    """The controller's own contact addresses (``[policy] controller_contacts``; optional): not personal
    data, the only e-mail addresses a published file may quote (docs/operations.md, "Privacy scan")."""
    consent_clause: Clause | None = None
    """§1.6 on withdrawing consent (``[consent]``; optional): the withdrawn-consent finding quotes it."""
    consent_basis: Basis = Basis()
    response_working_days: int = 5
    """"Inquiries answered" (§1.4): a first response within this many working days (``[support]
    response_working_days``); an inquiry younger than that awaits its answer within the standard."""
    response_basis: Basis = Basis(INTERNAL_STANDARD, "a first response within 5 working days",
                                  "een eerste antwoord binnen 5 werkdagen")
    rights_basis: Basis = Basis(LAW, "GDPR Art. 12(3)", "AVG art. 12, lid 3")
    consent_withdrawal_working_days: int = 2
    """The company's standard for a consent withdrawal (contract §5 reading 23; no Art. 12(3) request): completed
    within this many working days after the day of receipt."""
    exceptions_register: Path | None = None
    """The default register of approved exceptions (``[exceptions] register``; optional): a CSV path, relative
    to the policy file's folder; ``--exceptions`` overrides it (docs/report.md, "Exceptions")."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.version})"

    def rule(self, category: str) -> RetentionRule:
        return self.retention[category]

    @property
    def declared_categories(self) -> tuple[str, ...]:
        """The declared support categories with the privacy category always among them, in the file's order
        (docs/contract.md, "Only declared values"): what ``$support_categories`` binds."""
        privacy = normal_code(self.privacy_category)
        return self.support_categories if privacy in self.support_categories else (*self.support_categories, privacy)

    @property
    def inactivity_months(self) -> int:
        """The inactivity period: the account rule's period (erasure deadline = last activity + this)."""
        return self.rule("account").period_months


def default_policy_path() -> Path:
    return Path(str(resources.files("pipelines").joinpath("policies", DEFAULT_POLICY)))


def current_form(category: str, item: dict) -> dict:
    """A retention rule as earlier policy files state it, in today's keys, with the same meaning (docs/design.md,
    "Where each rule lives"): ``logs`` had no ``period_months`` (its deadline is the account's, 0 months after it);
    ``support``'s ``period_months`` was the period of tickets without an account, tickets with one counting from
    the account's deadline. A rule already in today's form is returned as it is."""
    if category == "logs" and "period_months" not in item:
        return {**item, "period_months": 0}
    if category == "support" and not {"anchor_without_account", "period_months_without_account"} & set(item):
        legacy = {k: v for k, v in item.items() if k != "period_months"}
        legacy.update(period_months=0, anchor_without_account=ANCHORS_WITHOUT_ACCOUNT["support"])
        if "period_months" in item:
            legacy["period_months_without_account"] = item["period_months"]
        return legacy
    return item


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate a policy file; errors name the file and the key."""
    path = Path(path) if path else default_policy_path()
    raw = read_toml(path, "policy file")
    return parse_policy(raw, source=str(path))


def parse_policy(raw: dict, source: str = "<policy>") -> Policy:
    r = _Reader(raw, source)
    zone = r.text("policy", "zone")
    if not known_zone(zone):  # Python and DuckDB must both know it (docs/operations.md, "Bad parameters")
        raise BadInput(f"{source}: [policy] zone: unknown time zone {zone!r}")

    rules = {}
    for i, item in enumerate(raw.get("retention") or []):
        where = f"retention[{i}]"
        rr = _Reader({where: item}, source)
        category = rr.text(where, "category")
        if category not in ANCHORS:
            raise BadInput(f"{source}: {where}: unknown category {category!r} (known: {', '.join(ANCHORS)})")
        item = current_form(category, item)
        rr = _Reader({where: item}, source)
        anchor = rr.text(where, "anchor")
        if anchor != ANCHORS[category]:
            raise BadInput(f"{source}: {where} ({category}): anchor must be {ANCHORS[category]!r}, not {anchor!r}"
                           " (the anchor the SQL applies: docs/design.md, \"Where each rule lives\")")
        without = ANCHORS_WITHOUT_ACCOUNT.get(category)
        counted_in_days = category in GRACE_DAYS_CATEGORIES
        # one source per rule: a key the metrics do not read is refused, never silently ignored
        unread = [k for k in ("period_months" if counted_in_days else "grace_days",) if k in item]
        if without is None:
            unread += [k for k in ("anchor_without_account", "period_months_without_account") if k in item]
        if unread:
            raise BadInput(f"{source}: {where} ({category}): {', '.join(unread)} is not read for this category; remove it")
        if without is not None and rr.text(where, "anchor_without_account") != without:
            raise BadInput(f"{source}: {where} ({category}): anchor_without_account must be {without!r}, not"
                           f" {item.get('anchor_without_account')!r}")
        for table in (t.strip() for t in rr.text(where, "table").split(",")):
            if table not in TABLES:
                raise BadInput(f"{source}: {where} ({category}): unknown table {table!r}")
        if category in rules:
            raise BadInput(f"{source}: {where}: category {category!r} is stated twice")
        rules[category] = RetentionRule(
            category=category,
            clause=rr.clause(where),
            table=rr.text(where, "table"),
            anchor=anchor,
            period_months=None if counted_in_days else rr.integer(where, "period_months"),
            grace_days=rr.integer(where, "grace_days") if counted_in_days else None,
            exempt_legal_hold=bool(item.get("exempt_legal_hold", False)),
            basis=_basis(item, source, where, DEFAULT_BASES.get(category, POLICY)),
            anchor_without_account=without,
            period_months_without_account=(rr.integer(where, "period_months_without_account")
                                           if without is not None else None),
        )
    missing = [c for c in ANCHORS if c not in rules]
    if missing:
        raise BadInput(f"{source}: no [[retention]] rule for categories: {', '.join(missing)}")

    if "period_months" in (raw.get("inactivity") or {}):
        # one source per rule: the account retention rule's period is the inactivity period
        raise BadInput(
            f"{source}: [inactivity] period_months is not read: the inactivity period is the"
            " period_months of the [[retention]] rule for category \"account\"; remove it"
        )
    clock_start = r.text("rights", "clock_start")
    if clock_start not in CLOCK_STARTS:
        raise BadInput(f"{source}: [rights] clock_start must be one of {CLOCK_STARTS}, not {clock_start!r}")
    return Policy(
        name=r.text("policy", "name"),
        version=r.text("policy", "version"),
        source=source,
        zone=zone,
        inactivity_clause=r.clause("inactivity"),
        due_soon_days=r.integer("inactivity", "due_soon_days"),
        retention=rules,
        support_clause=r.clause("support"),
        privacy_category=r.text("support", "privacy_category"),
        missed_request_window_days=r.integer("support", "missed_request_window_days"),
        rights_clause=r.clause("rights"),
        deadline_months=r.integer("rights", "deadline_months"),
        extended_deadline_months=r.integer("rights", "extended_deadline_months"),
        clock_start=clock_start,
        name_nl=_optional_text(raw, source, "policy", "name_nl"),
        support_categories=_support_categories(raw, source, r.text("support", "privacy_category")),
        controller_contacts=_controller_contacts(raw, source),
        consent_clause=r.clause("consent") if "consent" in raw else None,
        consent_basis=_basis(raw.get("consent") or {}, source, "consent", POLICY),
        response_working_days=_optional_integer(raw, source, "support", "response_working_days", 5),
        response_basis=_basis(raw.get("support") or {}, source, "support", INTERNAL_STANDARD, prefix="response_",
                              default_source=Policy.response_basis),
        rights_basis=_basis(raw.get("rights") or {}, source, "rights", LAW, default_source=Policy.rights_basis),
        exceptions_register=_register_path(raw, source),
    )


def _register_path(raw: dict, source: str) -> Path | None:
    """``[exceptions] register``: the default register of exceptions, relative to the policy file's folder."""
    text = _optional_text(raw, source, "exceptions", "register")
    if text is None:
        return None
    path = Path(text.strip()).expanduser()
    if not path.is_absolute() and not source.startswith("<"):
        path = Path(source).parent / path
    return path.resolve()


#: a rule's basis when the file does not state one: the 30-day purge window is the company's own;
#: the payment period is accounting law's (docs/report.md, "Findings")
DEFAULT_BASES = {"residual": INTERNAL_STANDARD, "payments": LAW}


def _basis(table: dict, source: str, where: str, default: str, *, prefix: str = "",
           default_source: Basis | None = None) -> Basis:
    """``<prefix>basis`` and ``<prefix>source_en``/``_nl`` of a policy-file table; law and internal
    standards must say their source (the report quotes it next to the verdict)."""
    kind = table.get(f"{prefix}basis", default)
    if kind not in BASES:
        raise BadInput(f"{source}: [{where}] {prefix}basis must be one of {', '.join(map(repr, BASES))}, not {kind!r}")
    texts = []
    for lang in ("en", "nl"):
        value = table.get(f"{prefix}source_{lang}", "")
        if not isinstance(value, str):
            raise BadInput(f"{source}: [{where}] {prefix}source_{lang} must be a string")
        texts.append(value.strip())
    en, nl = texts
    if not en and default_source is not None and default_source.kind == kind:
        en, nl = default_source.source_en, default_source.source_nl
    if kind != POLICY and not en:
        fallback = {LAW: "the law the policy defers to", INTERNAL_STANDARD: "a standard the company set itself"}
        if f"{prefix}basis" in table:
            raise BadInput(f"{source}: [{where}] {prefix}basis {kind!r} needs {prefix}source_en naming its source")
        en, nl = fallback[kind], ""
    return Basis(kind, en, nl)


def _optional_integer(raw: dict, source: str, section: str, key: str, default: int) -> int:
    value = (raw.get(section) or {}).get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(f"{source}: [{section}] {key} must be a whole number >= 0, not {value!r}")
    return value


#: the bucket every undeclared coded value is counted under (docs/contract.md, "Only declared values")
OTHER = "other"


def normal_code(value: str) -> str:
    """A coded value as compared: trimmed and lower-cased (contract §5 reading 17)."""
    return value.strip().lower()


def _support_categories(raw: dict, source: str, privacy_category: str) -> tuple[str, ...]:
    """``[support] categories``: non-empty strings, distinct once trimmed and lower-cased, never ``other``
    (the bucket of undeclared values); the privacy category is added when the list lacks it. Without the
    key only the privacy category is declared."""
    where = f"{source}: [support] categories"
    privacy = normal_code(privacy_category)
    if privacy == OTHER:
        raise BadInput(f"{source}: [support] privacy_category must not be {OTHER!r}: it names undeclared categories")
    value = (raw.get("support") or {}).get("categories")
    if value is None:
        return (privacy,)
    if not isinstance(value, list):
        raise BadInput(f"{where} must be a list of category names, not {value!r}")
    declared: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise BadInput(f"{where} must hold non-empty strings, not {item!r}")
        code = normal_code(item)
        if code == OTHER:
            raise BadInput(f"{where}: {OTHER!r} is not a category: it counts the undeclared ones")
        if code in declared:
            raise BadInput(f"{where}: {item!r} is stated twice (categories compare trimmed and case-insensitively)")
        declared.append(code)
    if privacy not in declared:
        declared.append(privacy)
    return tuple(declared)


#: one address: a local part, an at sign, a domain with a dot; no spaces
_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def _controller_contacts(raw: dict, source: str) -> tuple[str, ...]:
    """``[policy] controller_contacts``: a list of e-mail addresses, trimmed; without the key, none."""
    where = f"{source}: [policy] controller_contacts"
    value = (raw.get("policy") or {}).get("controller_contacts")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadInput(f"{where} must be a list of e-mail addresses, not {value!r}")
    for item in value:
        if not isinstance(item, str) or not _ADDRESS.fullmatch(item.strip()):
            raise BadInput(f"{where} must hold e-mail addresses (name@example.com), not {item!r}")
    return tuple(item.strip() for item in value)


def _optional_text(raw: dict, source: str, section: str, key: str) -> str | None:
    value = (raw.get(section) or {}).get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{source}: [{section}] {key} must be a non-empty string when given")
    return value


class _Reader:
    """Typed access to a TOML document with errors naming the file, section and key."""

    def __init__(self, raw: dict, source: str):
        self.raw, self.source = raw, source

    def _get(self, section: str, key: str):
        table = self.raw.get(section)
        if not isinstance(table, dict):
            raise BadInput(f"{self.source}: missing section [{section}]")
        if key not in table:
            raise BadInput(f"{self.source}: [{section}] is missing the key {key!r}")
        return table[key]

    def text(self, section: str, key: str) -> str:
        value = self._get(section, key)
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{self.source}: [{section}] {key} must be a non-empty string")
        return value

    def integer(self, section: str, key: str) -> int:
        value = self._get(section, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadInput(f"{self.source}: [{section}] {key} must be a whole number >= 0, not {value!r}")
        return value

    def clause(self, section: str) -> Clause:
        return Clause(self.text(section, "clause"), self.text(section, "text_en"), self.text(section, "text_nl"))
