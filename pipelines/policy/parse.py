"""Reading a policy file: every key typed and bounded, anything not understood refused with its line and column.

docs/policy-file.md is the reference for each key ("Types and bounds" lists every key's type and bounds). Each
table of the file has its keys declared once, as :class:`Key` specs (:data:`SECTIONS`, :data:`RULE_KEYS`,
:data:`CHECK_KEYS`, :data:`DEADLINE_KEYS`, :data:`PART_KEYS`, :data:`SCOPE_KEYS`); every key of a table is checked
against them before anything is read from it: an unknown key, a value of the wrong TOML type (``"false"`` where a
boolean is meant), a whole number or period out of its bounds, a text that is not one of its choices. Then what
the values mean is checked: an unknown table or column, a rule whose quote is not in the published policy text, a
reference to a rule that is not there, an e-mail address the privacy scan would not publish. Every refusal is
:class:`BadInput` (exit 2), one line, ``FILE:LINE:COLUMN: where: what``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines import inputs
from pipelines.contract import RIGHTS, TABLES
from pipelines.dates import DEFAULT_CALENDAR, known_calendar, known_zone
from pipelines.errors import BadInput
from pipelines.policy import model as m
from pipelines.policy.documents import verify_quotes
from pipelines.publish.scan import emails, normalise_address

#: an id: the finding's id, a figure's key, a file-name part; lower case, digits and underscores
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
#: one address: a local part, an at sign, a domain with a dot; no spaces
_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
#: the bucket every undeclared coded value is counted under (docs/contract.md, "Only declared values")
OTHER = "other"

#: the TOML types a key holds (docs/policy-file.md, "Types and bounds"): a non-empty string, a whole number, true or
#: false, a list of non-empty strings, a table, a list of tables, a period written as a string ("12 months")
TEXT, WHOLE, BOOLEAN, TEXTS, TABLE, TABLE_LIST, PERIOD = (
    "text", "whole", "boolean", "texts", "table", "tables", "period")


@dataclass(frozen=True)
class Key:
    """What one key of the policy file holds: its TOML type and, for a text, the values it may take, for a whole
    number its bounds, for a list whether it may be empty (docs/policy-file.md, "Types and bounds")."""

    kind: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    empty: bool = False
    """A list that may be empty (``controller_contacts = []``: none)."""

    def wanted(self) -> str:
        """What the key must hold, in words."""
        if self.choices:
            return "one of " + ", ".join(json.dumps(c) for c in self.choices)
        return {
            TEXT: "a non-empty string",
            WHOLE: f"a whole number from {self.low} to {self.high}",
            BOOLEAN: "true or false (a TOML boolean, written without quotes)",
            TEXTS: "a list of non-empty strings" + (" (or [])" if self.empty else ""),
            TABLE: "a table",
            TABLE_LIST: "a list of tables",
            PERIOD: 'a period such as "12 months", "30 days", "10 years", "5 working days", "none" or "unstated"',
        }[self.kind]

    def problem(self, value) -> str | None:
        """Why ``value`` cannot be this key's value (``must be ..., not ...``); None when it can."""
        if self.kind in (TEXT, PERIOD):
            fits = isinstance(value, str) and bool(value.strip()) and (
                not self.choices or value.strip() in self.choices)
        elif self.kind == WHOLE:
            fits = isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high
        elif self.kind == BOOLEAN:
            fits = isinstance(value, bool)
        elif self.kind == TEXTS:
            fits = isinstance(value, list) and (self.empty or bool(value)) and all(
                isinstance(v, str) and v.strip() for v in value)
        elif self.kind == TABLE:
            fits = isinstance(value, dict)
        else:  # TABLE_LIST
            fits = isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
        if not fits:
            return f"must be {self.wanted()}, not {shown(value)}"
        return period_problem(value) if self.kind == PERIOD else None


def shown(value) -> str:
    """``value`` as TOML writes it, so a string reads as one (``"false"``, not ``false``); cut at 60 characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        text = "[" + ", ".join(shown(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {shown(v)}" for k, v in value.items()) + " }"
    else:  # a number, a date or a time
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def period_problem(text: str) -> str | None:
    """Why ``text`` is no period a policy file may state (its form, then its bounds: model.PERIOD_LIMITS); None."""
    period = m.Period.parse(text)
    if period is None:
        return (f"{text!r} is not understood: write e.g. \"12 months\", \"30 days\", \"10 years\", "
                "\"5 working days\", \"none\" or \"unstated\"")
    limit = m.PERIOD_LIMITS.get(period.unit)
    if limit is not None and not 1 <= period.amount <= limit:
        return (f"{text!r} is out of bounds: from 1 to {limit} {period.unit}"
                + (" (\"none\": no time after the anchor)" if period.amount == 0 else ""))
    return None


_TEXT, _TEXTS, _OPTIONAL_TEXTS, _TABLE, _TABLES, _PERIOD = (
    Key(TEXT), Key(TEXTS), Key(TEXTS, empty=True), Key(TABLE), Key(TABLE_LIST), Key(PERIOD))
#: the days "due soon" or "a missed request" look ahead: up to a year (a leap year's 366 days)
MAX_WINDOW_DAYS = 366


def _one_of(choices) -> Key:
    return Key(TEXT, tuple(choices))


#: the sections of the file and their keys (``[policy.documents]``: one text per language; ``[[rule]]``: below)
SECTIONS: dict[str, dict[str, Key]] = {
    "policy": {"name": _TEXT, "name_nl": _TEXT, "version": _TEXT, "zone": _TEXT, "languages": _TEXTS,
               "controller_contacts": _OPTIONAL_TEXTS, "documents": _TABLE},
    "inactivity": {"rule": _TEXT, "due_soon_days": Key(WHOLE, low=0, high=MAX_WINDOW_DAYS)},
    "support": {"privacy_category": _TEXT, "categories": _OPTIONAL_TEXTS,
                "missed_request_window_days": Key(WHOLE, low=1, high=MAX_WINDOW_DAYS)},
    "exceptions": {"register": _TEXT},
    "rule": {},
}
#: what each section is: ``[name]`` a table, ``[[rule]]`` a list of them
_SECTION_KINDS = {name: _TABLES if name == "rule" else _TABLE for name in SECTIONS}
#: keys every rule may have (``quote_<lang>``, ``title_<lang>``, ``source_<lang>``, ``reason_<lang>`` too: texts)
RULE_KEYS: dict[str, Key] = {"id": _TEXT, "check": _one_of(m.CHECKS), "clause": _TEXT, "basis": _one_of(m.BASES),
                             "figure": _TEXT, "auditable": Key(BOOLEAN)}
LANGUAGE_KEYS = ("quote", "title", "source", "reason")
#: a deadline's own keys (at the rule's top level, or each entry of ``deadlines``)
DEADLINE_KEYS: dict[str, Key] = {"anchor": _one_of(m.ANCHORS), "column": _TEXT, "columns": _TEXTS, "subject": _TEXT,
                                 "events": _TEXTS, "rule": _TEXT, "period": _PERIOD, "starts": _one_of(m.STARTS)}
PART_KEYS: dict[str, Key] = {"table": _TEXT, "scope": _TABLE, "action": _one_of(m.ACTIONS), "clear": _TEXTS,
                             "marker": _TEXT}
#: ``scope = { account = "...", <text column> = [values] }``: the account's state, and text columns of the rule's
#: table with the values it applies to, each a list (:func:`_scope`)
SCOPE_KEYS: dict[str, Key] = {"account": _one_of(m.ACCOUNT_SCOPES)}
CHECK_KEYS: dict[str, dict[str, Key]] = {
    m.RETENTION: {**DEADLINE_KEYS, **PART_KEYS, "deadlines": _TABLES, "combine": _one_of(m.COMBINATIONS),
                  "parts": _TABLES, "exempt": _TEXTS, "yields_to": _TEXTS},
    m.RIGHTS_DEADLINE: {"table": _TEXT, "rights": _TEXTS, "period": _PERIOD, "extended_period": _PERIOD,
                        "clock_start": _one_of(m.CLOCK_STARTS), "calendar": _TEXT},
    m.RESPONSE_TIME: {"table": _TEXT, "period": _PERIOD, "calendar": _TEXT},
    m.NO_CONTACT_AFTER_WITHDRAWAL: {"table": _TEXT},
}
#: the export table each check other than retention reads (its SQL is the family's: docs/policy-file.md)
CHECK_TABLES = {m.RIGHTS_DEADLINE: "rights_requests", m.RESPONSE_TIME: "support_tickets",
                m.NO_CONTACT_AFTER_WITHDRAWAL: "marketing_contacts"}


def _key_at(key: str) -> re.Pattern:
    """``key =`` written bare or quoted (``auditable =``, ``"auditable" =``); group 3 is the key."""
    return re.compile(rf"(^|[\s{{,])([\"']?)({re.escape(key)})\2\s*=")


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
        if (section, index) not in self.blocks and index is None and (section, 0) in self.blocks:
            index = 0  # an array of tables named as a section: its first header
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
                column = _key_at(name).search(self.lines[found - 1].split("#", 1)[0])
                return f"{found}:{column.start(3) + 1}"
            if (f"{section}.{name}", None) in self.blocks:  # a table of its own: ``[policy.documents]``
                return self.at(f"{section}.{name}")
        line = self.lines[start - 1] if 0 < start <= len(self.lines) else ""
        return f"{start}:{len(line) - len(line.lstrip()) + 1}"

    def section_at(self, name: str) -> str:
        """``LINE:COLUMN`` of the section ``name``: its (first) header, else ``name = ...`` before any header."""
        if (name, None) in self.blocks or (name, 0) in self.blocks:
            return self.at(name)
        return self.at("", None, name)

    def _find(self, key: str, first: int, last: int) -> int | None:
        pattern = _key_at(key)
        for number in range(first, last + 1):
            if pattern.search(self.lines[number - 1].split("#", 1)[0]):
                return number
        return None

    def line_of(self, section: str, index: int | None = None) -> int:
        return self.blocks.get((section, index), (1, 1))[0]


class _Reader:
    """One table of the file: its keys checked against their specs (:meth:`expect`), then read; errors name the
    file, line, column and key."""

    def __init__(self, table: dict, where: str, source: str, locate, section: str, index: int | None = None,
                 within: str | None = None, entry: int | None = None):
        self.table, self.where, self.source = table, where, source
        self.locate, self.section, self.index = locate, section, index
        #: the list key whose ``entry``-th table this is (``parts``, ``deadlines``): its keys are looked for there
        self.within, self.entry = within, entry
        #: each key's spec, once :meth:`expect` has checked the table
        self.keys: dict[str, Key] = {}

    def fail(self, message: str, key: str | None = None):
        position = self.locate.at(self.section, self.index, key, self.within, self.entry) if self.locate else "1:1"
        joined = f"{self.where} {message}" if key and message.startswith(f"{key}:") else f"{self.where}: {message}"
        raise BadInput(f"{self.source}:{position}: {joined}")

    def expect(self, keys: dict[str, Key], languages=(), language_keys=()) -> None:
        """Every key of the table is one of ``keys`` (or ``<key>_<lang>``, a text, for each of ``language_keys`` and
        ``languages``) and holds what its :class:`Key` says; the first that is not, in the file's order, is
        refused."""
        self.keys = dict(keys) | {f"{k}_{lang}": _TEXT for k in language_keys for lang in languages}
        for key, value in self.table.items():
            spec = self.keys.get(key)
            if spec is None:
                hint = ""
                base, _, lang = key.rpartition("_")
                if base in language_keys and lang not in languages:
                    hint = f" (the policy's languages are {', '.join(languages)}: [policy] languages)"
                self.fail(f"unknown key {key!r}{hint}; known: {', '.join(sorted(self.keys))}", key)
            problem = spec.problem(value)
            if problem is not None:
                self.fail(f"{key} {problem}", key)

    def first(self, key: str, spec: Key, default: str) -> str:
        """One key read before the table's keys are known (a rule's ``check`` decides them)."""
        if key not in self.table:
            return default
        problem = spec.problem(self.table[key])
        if problem is not None:
            self.fail(f"{key} {problem}", key)
        return self.table[key].strip()

    def has(self, key: str) -> bool:
        return key in self.table

    def _get(self, key: str, default, required: bool):
        """The value of ``key`` as :meth:`expect` checked it; ``default`` when absent (a missing required key fails)."""
        if key not in self.table:
            if default is not None or not required:
                return default
            self.fail(f"missing the key {key!r}")
        if key not in self.keys:  # a key read that its table does not declare is a bug here, never bad input
            raise AssertionError(f"{self.where}: {key!r} is read but not declared")
        return self.table[key]

    def text(self, key: str, default: str | None = None, *, required: bool = True) -> str | None:
        value = self._get(key, default, required)
        return value.strip() if isinstance(value, str) else value

    def integer(self, key: str, default: int) -> int:
        return self._get(key, default, False)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, None, False)
        return default if value is None else value

    def strings(self, key: str, default: tuple = (), *, required: bool = False) -> tuple[str, ...]:
        value = self._get(key, None, required)
        return default if value is None else tuple(v.strip() for v in value)

    def period(self, key: str, *, required: bool = True) -> m.Period | None:
        value = self._get(key, None, required)
        return None if value is None else m.Period.parse(value)

    def texts(self, key: str, languages, *, required: bool) -> m.Texts:
        found = {}
        for lang in languages:
            name = f"{key}_{lang}"
            value = self._get(name, None, False)
            if value is None:
                if required:
                    self.fail(f"missing the key {name!r} (every language of [policy] languages needs one)")
                continue
            found[lang] = " ".join(value.split())
        return m.Texts(found)

    def sub(self, value: dict, where: str, *, within: str | None = None, entry: int | None = None) -> _Reader:
        """A table inside this one (a scope, an entry of ``parts`` or ``deadlines``), located within this table."""
        return _Reader(value, where, self.source, self.locate, self.section, self.index,
                       within if within is not None else self.within, entry if within is not None else self.entry)


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


def key_position(source: str | Path, section: str, key: str) -> str:
    """``FILE:LINE:COLUMN`` of ``key`` in ``[section]`` of the policy file ``source`` (the file alone when it cannot
    be read again): for a refusal found after the file was read (pipelines/session.py, the controller's contacts)."""
    try:
        return f"{source}:{Locator(inputs.read_text(Path(source), inputs.POLICY)).at(section, None, key)}"
    except (BadInput, OSError):
        return str(source)


def parse_policy(raw: dict, source: str = "<policy>", *, text: str = "", verify_documents: bool = False,
                 apart_from: Mapping[str, Path | None] | None = None) -> m.Policy:
    """A policy from the parsed TOML (``text``, the file itself, places the errors); ``apart_from``: the folders its
    policy texts must not lie in (:func:`load_policy`)."""
    locate = Locator(text) if text else None
    for name, value in raw.items():
        position = locate.section_at(name) if locate else "1:1"
        if name not in SECTIONS:
            raise BadInput(f"{source}:{position}: unknown section [{name}]; known: "
                           + ", ".join(f"[{s}]" if s != "rule" else "[[rule]]" for s in SECTIONS)
                           + (" (the earlier form's [[retention]], [rights], [consent]: docs/policy-file.md, "
                              "\"From the earlier form\")" if name in ("retention", "rights", "consent") else ""))
        if _SECTION_KINDS[name].problem(value) is not None:
            written = "[[rule]]: a list of tables, one per promise" if name == "rule" else f"[{name}]: a table"
            raise BadInput(f"{source}:{position}: {name} must be written as {written}, not {shown(value)}")
    head = _section(raw, "policy", source, locate)
    zone = head.text("zone")
    if not known_zone(zone):  # Python and DuckDB must both know it (docs/operations.md, "Bad parameters")
        head.fail(f"zone: unknown time zone {zone!r}", "zone")
    languages = head.strings("languages", ("en",))
    for lang in languages:
        if not _LANGUAGE.match(lang):
            head.fail(f"languages: {lang!r} is not a two-letter language code", "languages")
    documents = _documents(head, source, languages)
    contacts = _controller_contacts(head)
    if text:
        _check_addresses(text, contacts, source)

    rules_raw = raw.get("rule")
    if rules_raw is None:
        position = locate.at("policy") if locate else "1:1"
        raise BadInput(f"{source}:{position}: the file states no [[rule]]: one per promise (docs/policy-file.md)")
    rules = tuple(_rule(item, i, source, locate, languages) for i, item in enumerate(rules_raw))
    _check_references(rules, source, locate)

    # without [inactivity] the cohorts are the contract's (12 months) and no finding counts late erasures
    inactivity = _section(raw, "inactivity", source, locate, optional=True)
    inactivity_rule = inactivity.text("rule", required=False)
    if inactivity_rule is not None:
        _check_inactivity_rule(rules, inactivity_rule, inactivity)

    support = _section(raw, "support", source, locate, optional=True)
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
        controller_contacts=contacts,
        documents=documents,
        exceptions_register=_register_path(raw, source, locate),
    )
    if verify_documents:
        verify_quotes(policy, lambda rule, lang: f"{source}:{locate.at('rule', rules.index(rule), f'quote_{lang}')}"
                      if locate else source, apart_from=apart_from)
    return policy


def _section(raw: dict, name: str, source: str, locate, *, optional: bool = False) -> _Reader:
    """``[name]``, its keys checked (:data:`SECTIONS`); an absent optional section reads as empty."""
    table = raw.get(name)
    if table is None and optional:
        table = {}
    if table is None:
        position = locate.at(name) if locate else "1:1"
        raise BadInput(f"{source}:{position}: missing section [{name}]")
    reader = _Reader(table, f"[{name}]", source, locate, name)
    reader.expect(SECTIONS[name])
    return reader


def _documents(head: _Reader, source: str, languages) -> dict[str, Path]:
    documents = head.table.get("documents")
    if documents is None:
        head.fail("missing [policy.documents]: the published policy text of each language, which every quote "
                  "is checked against (docs/policy-file.md)")
    reader = _Reader(documents, "[policy.documents]", source, head.locate, "policy.documents")
    reader.expect({lang: _TEXT for lang in languages})
    found = {}
    for lang in languages:
        name = reader.text(lang)
        path = Path(name).expanduser()
        if not path.is_absolute() and not source.startswith("<"):
            path = Path(source).parent / path
        found[lang] = path
    return found


def parse_period(text: str, fail) -> m.Period:
    """``12 months`` -> Period(12, "months"); ``none``, ``unstated``; anything else, or a period out of bounds
    (:func:`period_problem`), refused by ``fail``."""
    problem = period_problem(text)
    if problem is not None:
        fail(f"period {problem}")
    return m.Period.parse(text)


def _rule(item, index: int, source: str, locate, languages) -> m.Rule:
    where = f"[[rule]] number {index + 1}"
    r = _Reader(item, where, source, locate, "rule", index)
    rule_id = r.first("id", RULE_KEYS["id"], "")
    if rule_id and not _ID.match(rule_id):
        r.fail(f"id {rule_id!r} must be lower case letters, digits and underscores, starting with a letter", "id")
    r.where = f"[[rule]] {rule_id!r}" if rule_id else where
    check = r.first("check", RULE_KEYS["check"], m.RETENTION)
    r.expect({**RULE_KEYS, **CHECK_KEYS[check]}, languages, LANGUAGE_KEYS)
    r.text("id")  # a rule without an id is refused here, once its keys are known
    basis_kind = r.text("basis")
    sources = r.texts("source", languages, required=basis_kind != m.POLICY)
    auditable = r.flag("auditable", True)
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
    period = r.period("period")
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
    extended_period = r.period("extended_period", required=False)
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
                  clock_start=r.text("clock_start", "received"), calendar=calendar)


def _retention_rule(r: _Reader, common: dict) -> m.Rule:
    if r.has("parts") == r.has("table"):
        r.fail("a retention rule names its export either with table (one) or with parts (several)",
               "parts" if r.has("parts") else None)
    rule_scope = _scope(r, None, None if r.has("parts") else r.text("table", required=False))
    if r.has("parts"):
        for key in ("action", "clear", "marker"):
            if r.has(key):
                r.fail(f"{key} belongs in each of the parts", key)
        parts = []
        for i, entry in enumerate(r.table["parts"]):
            sub = r.sub(entry, f"{r.where} parts[{i}]", within="parts", entry=i)
            sub.expect(PART_KEYS)
            parts.append(_part(sub, rule_scope))
    else:
        parts = [_part(r, rule_scope)]

    if r.has("deadlines"):
        for key in DEADLINE_KEYS:
            if r.has(key):
                r.fail(f"{key} belongs in each of the deadlines when a rule has several", key)
        entries = r.table["deadlines"]
        if len(entries) < 2:
            r.fail("deadlines must list two or more deadlines (one deadline is written at the rule's top level)",
                   "deadlines")
        deadlines = []
        for i, entry in enumerate(entries):
            sub = r.sub(entry, f"{r.where} deadlines[{i}]", within="deadlines", entry=i)
            sub.expect(DEADLINE_KEYS, common["quote"].by_language, ("source",))
            deadlines.append(_deadline(sub, parts, common))
        combine = r.text("combine")
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


def _scope(r: _Reader, inherited: tuple | None, table: str | None) -> tuple:
    """``scope = { account = "erased", plan = ["free"] }`` -> (account state, ((column, values), ...)); the
    scope ``inherited`` (the rule's, for a part) when ``r`` states none. Its keys: ``account`` and the text columns
    of ``table`` (of any table of the contract for a rule's scope over several parts: each part checks its own)."""
    if not r.has("scope"):
        return inherited or (None, ())
    scope = r.sub(r.table["scope"], f"{r.where} scope")
    tables = [TABLES[table]] if table in TABLES else TABLES.values()
    scope.expect(SCOPE_KEYS | {c.name: _TEXTS for t in tables for c in t.columns if c.type == "text"})
    where = tuple((column, tuple(normal_code(v) for v in scope.strings(column)))
                  for column in scope.table if column != "account")
    return scope.text("account", required=False), where


def _part(r: _Reader, rule_scope: tuple) -> m.Part:
    table = r.text("table")
    if table not in TABLES:
        r.fail(f"unknown table {table!r}; the export contract's tables: {', '.join(TABLES)}", "table")
    columns = TABLES[table].column_names
    account, where = _scope(r, rule_scope, table)
    if account is None:
        account = m.ANY
    if account != m.ANY and "account_id" not in columns:
        r.fail(f"scope: {table} has no account_id, so no account state narrows it", "scope")
    for column, _ in where:
        if column not in columns or TABLES[table].column(column).type != "text":
            r.fail(f"scope: {column!r} is not a text column of {table} ({', '.join(columns)})", column)
    action = r.text("action")
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
    anchor_kind = r.text("anchor")
    period = r.period("period")
    if period.unit == m.WORKING_DAYS:
        r.fail("a retention period is counted in days, months or years; working days are for response and "
               "rights rules", "period")
    starts = r.text("starts", "anchor")
    used = {"anchor", "period", "starts"}
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
    declared: list[str] = []
    for item in r.table.get("categories", ()):  # as written (its type checked by expect): a message quotes it
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
    """``[policy] controller_contacts``: e-mail addresses, the only ones a published report may hold (whether one
    names someone in the exports is checked once they are loaded: pipelines/session.py, ``check_contacts``)."""
    contacts = r.strings("controller_contacts")
    for item in contacts:
        if not _ADDRESS.fullmatch(item):
            r.fail(f"controller_contacts must hold e-mail addresses (name@example.com), not {item!r}",
                   "controller_contacts")
    return contacts


#: a TOML escape of one character (``\u0040`` is "@"): an address may be written with them
_TOML_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LINE_KEY = re.compile(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=")


def _check_addresses(text: str, contacts: tuple[str, ...], source: str) -> None:
    """No e-mail address in the file but the controller's own (``[policy] controller_contacts``), found as the
    privacy scan finds one (pipelines/publish/scan.py, ``emails``). A run publishes the rules' quotes, titles and
    sources and, for a policy file of one's own, a copy of the file with its comments, and the scan lets only the
    controller's addresses through (docs/operations.md, "Privacy scan"): refused here with the fix, on the line
    that holds it, rather than by the scan at the end of a run, which says only "holds an e-mail address"."""
    allowed = frozenset(normalise_address(c) for c in contacts)
    for number, line in enumerate(text.splitlines(), start=1):
        decoded = _TOML_ESCAPE.sub(_escaped, line)
        if next(emails(line, allowed), None) is None and next(emails(decoded, allowed), None) is None:
            continue
        key = _LINE_KEY.match(line)
        what = key.group(1) if key else "a comment" if line.lstrip().startswith("#") else "this line"
        raise BadInput(f"{source}:{number}:{len(line) - len(line.lstrip()) + 1}: {what} holds an e-mail address "
                       "that is not in [policy] controller_contacts; a run publishes the policy's quotes and a copy "
                       "of this file, and the privacy scan publishes only the controller's own addresses: if it is "
                       "the controller's, add it to [policy] controller_contacts, else remove it")


def _escaped(found: re.Match) -> str:
    code = int(found.group(1) or found.group(2), 16)
    return chr(code) if code <= 0x10FFFF else found.group(0)


def _register_path(raw: dict, source: str, locate) -> Path | None:
    """``[exceptions] register``: the default register of exceptions, relative to the policy file's folder."""
    if "exceptions" not in raw:
        return None
    text = _section(raw, "exceptions", source, locate).text("register")
    path = Path(text).expanduser()
    if not path.is_absolute() and not source.startswith("<"):
        path = Path(source).parent / path
    return path.resolve()
