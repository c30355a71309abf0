"""Reading a policy file: every key checked, anything not understood refused with its line and column.

docs/policy-file.md is the reference for each key. A file is refused (:class:`BadInput`, exit 2) for an
unknown key, anchor, unit, action, scope, table or column, a rule whose quote is not in the published
policy text, or a reference to a rule that is not there; the message is one line,
``FILE:LINE:COLUMN: where: what``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from pipelines import inputs
from pipelines.contract import RIGHTS, TABLES
from pipelines.dates import DEFAULT_CALENDAR, known_calendar, known_zone
from pipelines.errors import BadInput
from pipelines.policy import model as m
from pipelines.policy.documents import verify_quotes

#: an id: the finding's id, a figure's key, a file-name part; lower case, digits and underscores
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
#: one address: a local part, an at sign, a domain with a dot; no spaces
_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
#: the bucket every undeclared coded value is counted under (docs/contract.md, "Only declared values")
OTHER = "other"

SECTIONS = {
    "policy": ("name", "name_nl", "version", "zone", "languages", "controller_contacts", "documents"),
    "inactivity": ("rule", "due_soon_days"),
    "support": ("privacy_category", "categories", "missed_request_window_days"),
    "exceptions": ("register",),
    "rule": (),
}
#: keys every rule may have (``quote_<lang>``, ``title_<lang>``, ``source_<lang>``, ``reason_<lang>`` too)
COMMON_KEYS = ("id", "check", "clause", "basis", "figure", "auditable")
LANGUAGE_KEYS = ("quote", "title", "source", "reason")
#: a deadline's own keys (at the rule's top level, or each entry of ``deadlines``)
DEADLINE_KEYS = ("anchor", "column", "columns", "subject", "events", "rule", "period", "starts")
PART_KEYS = ("table", "scope", "action", "clear", "marker")
CHECK_KEYS = {
    m.RETENTION: (*DEADLINE_KEYS, *PART_KEYS, "deadlines", "combine", "parts", "exempt", "yields_to"),
    m.RIGHTS_DEADLINE: ("table", "rights", "period", "extended_period", "clock_start", "calendar"),
    m.RESPONSE_TIME: ("table", "period", "calendar"),
    m.NO_CONTACT_AFTER_WITHDRAWAL: ("table",),
}
#: the export table each check other than retention reads (its SQL is the family's: docs/policy-file.md)
CHECK_TABLES = {m.RIGHTS_DEADLINE: "rights_requests", m.RESPONSE_TIME: "support_tickets",
                m.NO_CONTACT_AFTER_WITHDRAWAL: "marketing_contacts"}


class Locator:
    """Where a key is written in the file: its line and column (tomllib keeps no positions)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        #: (section, index of [[rule]] or None) -> (first line, last line), 1-based
        self.blocks: dict[tuple[str, int | None], tuple[int, int]] = {}
        current, start, counts = ("", None), 1, {}
        for number, line in enumerate(self.lines, start=1):
            found = self._HEADER.match(line)
            if not found:
                continue
            self.blocks.setdefault(current, (start, number - 1))
            name = found.group(2).strip('"')
            if found.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
            else:
                current = (name, None)
            start = number
        self.blocks.setdefault(current, (start, len(self.lines)))

    def at(self, section: str, index: int | None = None, key: str | None = None, within: str | None = None,
           entry: int | None = None) -> str:
        """``LINE:COLUMN`` of ``key`` in a section (or ``[[rule]]`` number ``index``; inside the value of
        ``within`` when given); the section's first line when the key is not written there."""
        first, last = self.blocks.get((section, index), (1, len(self.lines)))
        start = first
        if within is not None:
            start = self._find(within, first, last) or first
            if entry is not None:  # the entry-th inline table of the list, one per line
                tables = [n for n in range(start, last + 1) if self.lines[n - 1].lstrip().startswith("{")]
                start = tables[entry] if entry < len(tables) else start
        for name in (key,) if key else ():
            found = self._find(name, start, last)
            if found:
                line = self.lines[found - 1]
                return f"{found}:{line.index(name) + 1 if name in line else 1}"
        line = self.lines[start - 1] if 0 < start <= len(self.lines) else ""
        return f"{start}:{len(line) - len(line.lstrip()) + 1}"

    def _find(self, key: str, first: int, last: int) -> int | None:
        pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
        for number in range(first, last + 1):
            if pattern.search(self.lines[number - 1].split("#", 1)[0]):
                return number
        return None

    def line_of(self, section: str, index: int | None = None) -> int:
        return self.blocks.get((section, index), (1, 1))[0]


class _Reader:
    """Typed access to one table of the file, errors naming file, line, column and key."""

    def __init__(self, table: dict, where: str, source: str, locate, section: str, index: int | None = None,
                 within: str | None = None, entry: int | None = None):
        self.table, self.where, self.source = table, where, source
        self.locate, self.section, self.index = locate, section, index
        #: the list key whose ``entry``-th table this is (``parts``, ``deadlines``): its keys are looked for there
        self.within, self.entry = within, entry

    def fail(self, message: str, key: str | None = None):
        position = self.locate.at(self.section, self.index, key, self.within, self.entry) if self.locate else "1:1"
        joined = f"{self.where} {message}" if key and message.startswith(f"{key}:") else f"{self.where}: {message}"
        raise BadInput(f"{self.source}:{position}: {joined}")

    def refuse_unknown(self, allowed, languages=(), language_keys=()) -> None:
        allowed = set(allowed) | {f"{k}_{lang}" for k in language_keys for lang in languages}
        for key in self.table:
            if key not in allowed:
                hint = ""
                base = key.rsplit("_", 1)[0]
                if base in language_keys and key.rsplit("_", 1)[1] not in languages:
                    hint = f" (the policy's languages are {', '.join(languages)}: [policy] languages)"
                self.fail(f"unknown key {key!r}{hint}; known: {', '.join(sorted(allowed))}", key)

    def has(self, key: str) -> bool:
        return key in self.table

    def text(self, key: str, default: str | None = None, *, required: bool = True) -> str | None:
        if key not in self.table:
            if default is not None or not required:
                return default
            self.fail(f"missing the key {key!r}")
        value = self.table[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key} must be a non-empty string, not {value!r}", key)
        return value.strip()

    def choice(self, key: str, choices, default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in choices:
            self.fail(f"{key} must be one of {', '.join(map(repr, choices))}, not {value!r}", key)
        return value

    def integer(self, key: str, default: int | None = None) -> int:
        if key not in self.table and default is not None:
            return default
        if key not in self.table:
            self.fail(f"missing the key {key!r}")
        value = self.table[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(f"{key} must be a whole number >= 0, not {value!r}", key)
        return value

    def strings(self, key: str, default: tuple = (), *, required: bool = False) -> tuple[str, ...]:
        if key not in self.table:
            if required:
                self.fail(f"missing the key {key!r}")
            return default
        value = self.table[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{key} must be a list of non-empty strings, not {value!r}", key)
        return tuple(v.strip() for v in value)

    def texts(self, key: str, languages, *, required: bool) -> m.Texts:
        found = {}
        for lang in languages:
            name = f"{key}_{lang}"
            value = self.table.get(name)
            if value is None:
                if required:
                    self.fail(f"missing the key {name!r} (every language of [policy] languages needs one)")
                continue
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{name} must be a non-empty string", name)
            found[lang] = " ".join(value.split())
        return m.Texts(found)


def load_policy(path: str | Path | None = None, *, verify_documents: bool = True,
                apart_from: Mapping[str, Path | None] | None = None) -> m.Policy:
    """Read and validate a policy file; errors name the file, line, column and key (exit 2).

    The file and the policy texts it quotes are read through the one gate (:mod:`pipelines.inputs`: regular
    files, 1 MiB and 16 MiB at most, UTF-8), never from inside a folder of ``apart_from`` (``{"--out": folder}``).
    ``verify_documents``: check each quote against the published texts of ``[policy.documents]``
    (a published quarter's copy of the file travels without them: the run checked them)."""
    from pipelines.policy import default_policy_path

    path = Path(path) if path else default_policy_path()
    raw, text = inputs.read_toml(path, inputs.POLICY, apart_from=apart_from)
    return parse_policy(raw, source=str(path), text=text, verify_documents=verify_documents, apart_from=apart_from)


def parse_policy(raw: dict, source: str = "<policy>", *, text: str = "", verify_documents: bool = False,
                 apart_from: Mapping[str, Path | None] | None = None) -> m.Policy:
    """A policy from the parsed TOML (``text``, the file itself, places the errors); ``apart_from``: the folders its
    policy texts must not lie in (:func:`load_policy`)."""
    locate = Locator(text) if text else None
    for name in raw:
        if name not in SECTIONS:
            position = locate.at(name) if locate else "1:1"
            raise BadInput(f"{source}:{position}: unknown section [{name}]; known: "
                           + ", ".join(f"[{s}]" if s != "rule" else "[[rule]]" for s in SECTIONS)
                           + (" (the earlier form's [[retention]], [rights], [consent]: docs/policy-file.md, "
                              "\"From the earlier form\")" if name in ("retention", "rights", "consent") else ""))
    head = _section(raw, "policy", source, locate)
    head.refuse_unknown(SECTIONS["policy"])
    zone = head.text("zone")
    if not known_zone(zone):  # Python and DuckDB must both know it (docs/operations.md, "Bad parameters")
        head.fail(f"zone: unknown time zone {zone!r}", "zone")
    languages = head.strings("languages", ("en",))
    for lang in languages:
        if not _LANGUAGE.match(lang):
            head.fail(f"languages: {lang!r} is not a two-letter language code", "languages")
    documents = _documents(head, source, languages)

    rules_raw = raw.get("rule")
    if not isinstance(rules_raw, list) or not rules_raw:
        position = locate.at("policy") if locate else "1:1"
        raise BadInput(f"{source}:{position}: the file states no [[rule]]: one per promise (docs/policy-file.md)")
    rules = tuple(_rule(item, i, source, locate, languages) for i, item in enumerate(rules_raw))
    _check_references(rules, source, locate)

    # without [inactivity] the cohorts are the contract's (12 months) and no finding counts late erasures
    inactivity = _section(raw, "inactivity", source, locate, optional=True)
    inactivity.refuse_unknown(SECTIONS["inactivity"])
    inactivity_rule = inactivity.text("rule", required=False)
    if inactivity_rule is not None:
        _check_inactivity_rule(rules, inactivity_rule, inactivity)

    support = _section(raw, "support", source, locate, optional=True)
    support.refuse_unknown(SECTIONS["support"])
    privacy_category = support.text("privacy_category", "privacy")
    if normal_code(privacy_category) == OTHER:
        support.fail(f"privacy_category must not be {OTHER!r}: it names undeclared categories", "privacy_category")

    policy = m.Policy(
        name=head.text("name"),
        version=head.text("version"),
        source=source,
        zone=zone,
        languages=languages,
        rules=rules,
        inactivity_rule=inactivity_rule,
        due_soon_days=inactivity.integer("due_soon_days", 30),
        privacy_category=privacy_category,
        missed_request_window_days=support.integer("missed_request_window_days", 30),
        support_categories=_support_categories(support, privacy_category),
        name_nl=head.text("name_nl", required=False),
        controller_contacts=_controller_contacts(head),
        documents=documents,
        exceptions_register=_register_path(raw, source, locate),
    )
    if verify_documents:
        verify_quotes(policy, lambda rule, lang: f"{source}:{locate.at('rule', rules.index(rule), f'quote_{lang}')}"
                      if locate else source, apart_from=apart_from)
    return policy


def _section(raw: dict, name: str, source: str, locate, *, optional: bool = False) -> _Reader:
    table = raw.get(name)
    if table is None and optional:
        table = {}
    if not isinstance(table, dict):
        position = locate.at(name) if locate else "1:1"
        raise BadInput(f"{source}:{position}: missing section [{name}]")
    return _Reader(table, f"[{name}]", source, locate, name)


def _documents(head: _Reader, source: str, languages) -> dict[str, Path]:
    documents = head.table.get("documents")
    if documents is None:
        head.fail("missing [policy.documents]: the published policy text of each language, which every quote "
                  "is checked against (docs/policy-file.md)")
    if not isinstance(documents, dict):
        head.fail("documents must be a table of language = file", "documents")
    reader = _Reader(documents, "[policy.documents]", source, head.locate, "policy.documents")
    reader.refuse_unknown(languages)
    found = {}
    for lang in languages:
        name = reader.text(lang)
        path = Path(name).expanduser()
        if not path.is_absolute() and not source.startswith("<"):
            path = Path(source).parent / path
        found[lang] = path
    return found


def parse_period(text: str, fail) -> m.Period:
    """``12 months`` -> Period(12, "months"); ``none``, ``unstated``; anything else refused by ``fail``."""
    period = m.Period.parse(text)
    if period is None:
        fail(f"period {text!r} is not understood: write e.g. \"12 months\", \"30 days\", \"10 years\", "
             "\"5 working days\", \"none\" or \"unstated\"")
    return period


def _rule(item, index: int, source: str, locate, languages) -> m.Rule:
    if not isinstance(item, dict):
        raise BadInput(f"{source}: [[rule]] number {index + 1} is not a table")
    where = f"[[rule]] number {index + 1}"
    r = _Reader(item, where, source, locate, "rule", index)
    rule_id = r.text("id")
    if not _ID.match(rule_id):
        r.fail(f"id {rule_id!r} must be lower case letters, digits and underscores, starting with a letter", "id")
    r.where = f"[[rule]] {rule_id!r}"
    check = r.choice("check", m.CHECKS, m.RETENTION)
    r.refuse_unknown((*COMMON_KEYS, *CHECK_KEYS[check]), languages, LANGUAGE_KEYS)
    basis_kind = r.choice("basis", m.BASES)
    sources = r.texts("source", languages, required=basis_kind != m.POLICY)
    auditable = item.get("auditable", True)
    if not isinstance(auditable, bool):
        r.fail("auditable must be true or false", "auditable")
    figure = r.text("figure", rule_id)
    if not _ID.match(figure):
        r.fail(f"figure {figure!r} must be lower case letters, digits and underscores", "figure")
    common = dict(
        id=rule_id, check=check, clause=r.text("clause"), quote=r.texts("quote", languages, required=True),
        title=r.texts("title", languages, required=True), basis=m.Basis(basis_kind, sources), figure=figure,
        line=locate.line_of("rule", index) if locate else 0, auditable=auditable,
        not_auditable_reason=r.texts("reason", languages, required=not auditable),
    )
    if not auditable:
        # a promise no export can test: stated, quoted, reported as not assessable (docs/policy-file.md)
        return m.Rule(**common)
    if check == m.RETENTION:
        return _retention_rule(r, common)
    table = r.text("table", CHECK_TABLES[check])
    if table != CHECK_TABLES[check]:
        r.fail(f"a {check} rule reads {CHECK_TABLES[check]}, not {table!r}", "table")
    if check == m.NO_CONTACT_AFTER_WITHDRAWAL:
        return m.Rule(**common, table=table)
    period = parse_period(r.text("period"), lambda msg: r.fail(msg, "period"))
    calendar = r.text("calendar", DEFAULT_CALENDAR)
    if not known_calendar(calendar):
        r.fail(f"calendar {calendar!r} is not a country code the holidays package knows (e.g. BE, NL, GB)",
               "calendar")
    if check == m.RESPONSE_TIME:
        if period.unit != m.WORKING_DAYS:
            r.fail(f"a response standard is counted in working days, not {period}", "period")
        return m.Rule(**common, table=table, deadlines=(m.Deadline(m.Anchor(m.ROW, ("created_at",)), period),),
                      calendar=calendar)
    rights = r.strings("rights", required=True)
    for right in rights:
        if right not in RIGHTS:
            r.fail(f"rights: {right!r} is not a right of the export contract ({', '.join(RIGHTS)})", "rights")
    extended = r.text("extended_period", required=False)
    extended_period = parse_period(extended, lambda msg: r.fail(msg, "extended_period")) if extended else None
    withdrawal = m.CONSENT_WITHDRAWAL in rights
    if withdrawal and rights != (m.CONSENT_WITHDRAWAL,):
        r.fail("consent_withdrawal takes effect when received (GDPR Art. 7(3)): it has a rule of its own, not "
               "one with the Art. 12(3) rights (contract reading 23)", "rights")
    if withdrawal and (period.unit != m.WORKING_DAYS or extended_period is not None):
        r.fail("the consent-withdrawal standard is counted in working days, without extension", "period")
    art_12 = tuple(r for r in RIGHTS if r != m.CONSENT_WITHDRAWAL)
    if not withdrawal and set(rights) != set(art_12):
        # the rights figures and the deadline are judged over every Art. 12(3) request together: a shorter list would
        # be read but not followed, so it is refused (docs/policy-file.md, "check = rights_deadline")
        r.fail(f"rights: an Art. 12(3) deadline rule covers every request under Art. 15-22: list {', '.join(art_12)} "
               "(consent_withdrawal has a rule of its own)", "rights")
    if not withdrawal and (period.months is None or (extended_period is not None and extended_period.months is None)):
        r.fail("a rights deadline is counted in months or years (GDPR Art. 12(3))", "period")
    return m.Rule(**common, table=table, rights=rights, extended_period=extended_period,
                  deadlines=(m.Deadline(m.Anchor(m.ROW, ("received_at",)), period),),
                  clock_start=r.choice("clock_start", m.CLOCK_STARTS, "received"), calendar=calendar)


def _retention_rule(r: _Reader, common: dict) -> m.Rule:
    if r.has("parts") == r.has("table"):
        r.fail("a retention rule names its export either with table (one) or with parts (several)",
               "parts" if r.has("parts") else None)
    rule_scope = _scope(r, r.table.get("scope"), None)
    if r.has("parts"):
        if not isinstance(r.table["parts"], list) or not r.table["parts"]:
            r.fail("parts must be a list of tables, e.g. { table = \"sessions\", action = \"delete\" }", "parts")
        for key in ("action", "clear", "marker"):
            if r.has(key):
                r.fail(f"{key} belongs in each of the parts", key)
        parts = []
        for i, entry in enumerate(r.table["parts"]):
            if not isinstance(entry, dict):
                r.fail(f"parts[{i}] must be a table", "parts")
            sub = _Reader(entry, f"{r.where} parts[{i}]", r.source, r.locate, r.section, r.index, within="parts", entry=i)
            sub.refuse_unknown(PART_KEYS)
            parts.append(_part(sub, rule_scope))
    else:
        parts = [_part(r, rule_scope)]

    if r.has("deadlines"):
        for key in DEADLINE_KEYS:
            if r.has(key):
                r.fail(f"{key} belongs in each of the deadlines when a rule has several", key)
        entries = r.table["deadlines"]
        if not isinstance(entries, list) or len(entries) < 2:
            r.fail("deadlines must list two or more deadlines (one deadline is written at the rule's top level)",
                   "deadlines")
        deadlines = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                r.fail(f"deadlines[{i}] must be a table", "deadlines")
            sub = _Reader(entry, f"{r.where} deadlines[{i}]", r.source, r.locate, r.section, r.index,
                          within="deadlines", entry=i)
            sub.refuse_unknown(DEADLINE_KEYS, common["quote"].by_language, ("source",))
            deadlines.append(_deadline(sub, parts, common))
        combine = r.choice("combine", m.COMBINATIONS)
    else:
        if r.has("combine"):
            r.fail("combine needs deadlines (two or more)", "combine")
        deadlines, combine = [_deadline(r, parts, common)], m.EARLIEST
    exempt = r.strings("exempt")
    for name in exempt:
        if name not in m.EXEMPTIONS:
            r.fail(f"exempt: unknown exemption {name!r}; known: {', '.join(m.EXEMPTIONS)}", "exempt")
    return m.Rule(**common, parts=tuple(parts), deadlines=tuple(deadlines), combine=combine, exempt=exempt,
                  yields_to=r.strings("yields_to"))


def _scope(r: _Reader, value, inherited: tuple | None) -> tuple:
    """``scope = { account = "erased", plan = ["free"] }`` -> (account state, ((column, values), ...))."""
    if value is None:
        return inherited or (None, ())
    if not isinstance(value, dict):
        r.fail("scope must be a table, e.g. { account = \"with_account\" }", "scope")
    account = value.get("account")
    if account is not None and account not in m.ACCOUNT_SCOPES:
        r.fail(f"scope: account must be one of {', '.join(map(repr, m.ACCOUNT_SCOPES))}, not {account!r}", "account")
    where = []
    for column, values in value.items():
        if column == "account":
            continue
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            r.fail(f"scope: {column} must list the values the rule applies to", column)
        where.append((column, tuple(normal_code(v) for v in values)))
    return account, tuple(where)


def _part(r: _Reader, rule_scope: tuple) -> m.Part:
    table = r.text("table")
    if table not in TABLES:
        r.fail(f"unknown table {table!r}; the export contract's tables: {', '.join(TABLES)}", "table")
    columns = TABLES[table].column_names
    account, where = _scope(r, r.table.get("scope"), rule_scope)
    if account is None:
        account = m.ANY
    if account != m.ANY and "account_id" not in columns:
        r.fail(f"scope: {table} has no account_id, so no account state narrows it", "scope")
    for column, _ in where:
        if column not in columns or TABLES[table].column(column).type != "text":
            r.fail(f"scope: {column!r} is not a text column of {table} ({', '.join(columns)})", column)
    action = r.choice("action", m.ACTIONS)
    clear, marker = (), None
    if action == m.CLEAR:
        clear = r.strings("clear", required=True)
        for column in clear:
            if column not in columns or TABLES[table].column(column).required:
                r.fail(f"clear: {column!r} is not an optional column of {table} (an emptied column must be one "
                       "the export may leave empty)", "clear")
    elif r.has("clear"):
        r.fail(f"clear is read only with action = \"clear\", not {action!r}", "clear")
    if action == m.MARK:
        marker = r.text("marker")
        if marker not in columns or TABLES[table].column(marker).type != "timestamp":
            r.fail(f"marker: {marker!r} is not a timestamp column of {table}", "marker")
    elif r.has("marker"):
        r.fail(f"marker is read only with action = \"mark\", not {action!r}", "marker")
    return m.Part(table=table, action=action, columns=clear, marker=marker, account=account, where=where)


def _deadline(r: _Reader, parts, common: dict) -> m.Deadline:
    anchor_kind = r.choice("anchor", m.ANCHORS)
    period = parse_period(r.text("period"), lambda msg: r.fail(msg, "period"))
    if period.unit == m.WORKING_DAYS:
        r.fail("a retention period is counted in days, months or years; working days are for response and "
               "rights rules", "period")
    starts = r.choice("starts", m.STARTS, "anchor")
    used = {"anchor", "period", "starts", "source_en", "source_nl"} | {k for k in r.table if k.startswith("source_")}
    anchor = m.Anchor(anchor_kind)
    if anchor_kind == m.ROW:
        column = r.text("column")
        anchor = m.Anchor(m.ROW, (column,))
        used.add("column")
    elif anchor_kind == m.FIRST_PRESENT:
        anchor = m.Anchor(m.FIRST_PRESENT, r.strings("columns", required=True))
        used.add("columns")
    elif anchor_kind == m.SUBJECT_LATEST:
        subject = r.text("subject")
        events = []
        for event in r.strings("events", required=True):
            table, _, column = event.partition(".")
            if table not in TABLES or column not in TABLES[table].column_names \
                    or TABLES[table].column(column).type != "timestamp":
                r.fail(f"events: {event!r} is not table.timestamp_column of the export contract", "events")
            if subject not in TABLES[table].column_names:
                r.fail(f"events: {table} has no column {subject!r} naming the subject", "events")
            events.append((table, column))
        anchor = m.Anchor(m.SUBJECT_LATEST, subject=subject, events=tuple(events))
        used |= {"subject", "events"}
    elif anchor_kind == m.RULE:
        anchor = m.Anchor(m.RULE, rule=r.text("rule"))
        used.add("rule")
    for key in DEADLINE_KEYS:
        if r.has(key) and key not in used:
            r.fail(f"{key} is not read with anchor = {anchor_kind!r}; remove it", key)
    for part in parts:
        columns = TABLES[part.table].column_names
        for column in anchor.columns:
            if column not in columns or TABLES[part.table].column(column).type != "timestamp":
                r.fail(f"{column!r} is not a timestamp column of {part.table}",
                       "column" if anchor_kind == m.ROW else "columns")
        if anchor.subject and anchor.subject not in columns:
            r.fail(f"subject: {part.table} has no column {anchor.subject!r}", "subject")
        if (anchor_kind in m.ACCOUNT_ANCHORS or anchor_kind == m.RULE) and "account_id" not in columns:
            r.fail(f"anchor {anchor_kind!r} needs the row's account, and {part.table} has no account_id", "anchor")
    # a source of its own only for one of several deadlines (at the top level, source_* is the rule's basis)
    source = r.texts("source", tuple(common["quote"].by_language), required=False) if r.within else m.Texts()
    return m.Deadline(anchor, period, starts, source)


def _check_references(rules: tuple[m.Rule, ...], source: str, locate) -> None:
    """Ids unique; ``rule`` anchors and ``yields_to`` name retention rules of the file (no cycle); a figure's
    rules are all retention rules."""
    ids = [r.id for r in rules]
    by_id = {r.id: r for r in rules}

    def fail(rule: m.Rule, message: str, key: str | None = None):
        position = locate.at("rule", ids.index(rule.id), key) if locate else "1:1"
        raise BadInput(f"{source}:{position}: [[rule]] {rule.id!r}: {message}")

    for i, rule in enumerate(rules):
        if ids.index(rule.id) != i:
            position = locate.at("rule", i, "id") if locate else "1:1"
            raise BadInput(f"{source}:{position}: [[rule]] {rule.id!r}: the id is stated twice")
    figures = {}
    for rule in rules:
        if rule.is_retention:
            figures.setdefault(rule.figure, rule)
        elif rule.figure != rule.id:
            fail(rule, "figure is read only for retention rules", "figure")
    for rule in rules:
        if not rule.is_retention and rule.id in figures and figures[rule.id].id != rule.id:
            fail(rule, f"the id {rule.id!r} is a retention figure already", "id")
        for target in rule.yields_to:
            if target not in by_id or not by_id[target].is_retention or target == rule.id:
                fail(rule, f"yields_to: {target!r} is not another retention rule of this file", "yields_to")
        for deadline in rule.deadlines:
            target = deadline.anchor.rule
            if target is None:
                continue
            other = by_id.get(target)
            if other is None or not other.is_retention or target == rule.id:
                fail(rule, f"rule: {target!r} is not another retention rule of this file", "rule")
            if other.tables != ("accounts",) or len(other.deadlines) != 1 or \
                    other.deadlines[0].anchor.kind not in m.ACCOUNT_ANCHORS:
                fail(rule, f"rule: {target!r} must be a rule on accounts anchored on the account's last activity or "
                     "erasure (a deadline per account, which this rule's rows share)", "rule")
    checks = [r.check for r in rules]
    for check in (m.RESPONSE_TIME, m.NO_CONTACT_AFTER_WITHDRAWAL):
        if checks.count(check) > 1:
            fail(rules[len(checks) - 1 - checks[::-1].index(check)], f"only one {check} rule is read", "check")
    calendars = {r.calendar for r in rules if r.check == m.RIGHTS_DEADLINE and r.auditable}
    if len(calendars) > 1:
        fail(next(r for r in rules if r.check == m.RIGHTS_DEADLINE), "the rights_deadline rules count working days in "
             f"one calendar (one table of working days per review), not {', '.join(sorted(calendars))}", "calendar")
    for withdrawal in (True, False):
        found = [r for r in rules if r.check == m.RIGHTS_DEADLINE and r.auditable
                 and (m.CONSENT_WITHDRAWAL in r.rights) == withdrawal]
        if len(found) > 1:
            fail(found[1], "only one rights_deadline rule for the Art. 12(3) rights and one for consent "
                 "withdrawal are read", "rights")


def _check_inactivity_rule(rules, rule_id: str, reader: _Reader) -> None:
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None or not rule.is_retention or not rule.auditable or rule.tables != ("accounts",) \
            or len(rule.deadlines) != 1 or rule.deadlines[0].anchor.kind != m.ACCOUNT_LAST_ACTIVITY \
            or rule.period.months is None:
        reader.fail(f"rule: {rule_id!r} must be a retention rule on accounts anchored on account_last_activity "
                    "with a period in months or years (the inactivity cohorts count towards its deadline)", "rule")


def normal_code(value: str) -> str:
    """A coded value as compared: trimmed and lower-cased (contract §5 reading 17)."""
    return value.strip().lower()


def _support_categories(r: _Reader, privacy_category: str) -> tuple[str, ...]:
    """``[support] categories``: distinct once trimmed and lower-cased, never ``other``; the privacy category
    is added when the list lacks it. Without the key only the privacy category is declared."""
    privacy = normal_code(privacy_category)
    if "categories" not in r.table:
        return (privacy,)
    value = r.table["categories"]
    if not isinstance(value, list):
        r.fail(f"categories must be a list of category names, not {value!r}", "categories")
    declared: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            r.fail(f"categories must hold non-empty strings, not {item!r}", "categories")
        code = normal_code(item)
        if code == OTHER:
            r.fail(f"categories: {OTHER!r} is not a category: it counts the undeclared ones", "categories")
        if code in declared:
            r.fail(f"categories: {item!r} is stated twice (categories compare trimmed and case-insensitively)",
                   "categories")
        declared.append(code)
    if privacy not in declared:
        declared.append(privacy)
    return tuple(declared)


def _controller_contacts(r: _Reader) -> tuple[str, ...]:
    value = r.table.get("controller_contacts")
    if value is None:
        return ()
    if not isinstance(value, list):
        r.fail(f"controller_contacts must be a list of e-mail addresses, not {value!r}", "controller_contacts")
    for item in value:
        if not isinstance(item, str) or not _ADDRESS.fullmatch(item.strip()):
            r.fail(f"controller_contacts must hold e-mail addresses (name@example.com), not {item!r}",
                   "controller_contacts")
    return tuple(item.strip() for item in value)


def _register_path(raw: dict, source: str, locate) -> Path | None:
    """``[exceptions] register``: the default register of exceptions, relative to the policy file's folder."""
    if "exceptions" not in raw:
        return None
    r = _section(raw, "exceptions", source, locate)
    r.refuse_unknown(SECTIONS["exceptions"])
    text = r.text("register")
    path = Path(text).expanduser()
    if not path.is_absolute() and not source.startswith("<"):
        path = Path(source).parent / path
    return path.resolve()
