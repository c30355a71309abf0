"""Every key of the policy file typed and bounded where the file is read (docs/policy-file.md, "Types and bounds").

A corpus: a policy file holding every key the parser declares (pipelines/policy/parse.py: ``SECTIONS``,
``RULE_KEYS``, ``CHECK_KEYS``, ``DEADLINE_KEYS``, ``PART_KEYS``, ``SCOPE_KEYS``), and for each key written in it a
value of another TOML type, a value out of its bounds, and a typo of its name. Each is refused by
``privacy-review check-policy``: exit 2, one line naming the file, and the line and column where the key is
written, never a traceback.
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from pipelines.cli import main
from pipelines.policy import load_policy, parse
from pipelines.policy import model as m
from tests.policy.helpers import (
    CLOSURE_TEMPLATES,
    EVERY_TEMPLATE,
    RULE,
    TEXT,
    write_policy,
)

NOT_AUDITABLE = RULE.format(id="backups") + (
    'auditable = false\nreason_en = "backups are not exported"\nreason_nl = "back-ups worden niet geëxporteerd"\n')
#: the shipped file, the templates of every anchor, action and scope, a promise no export can test, a register
CORPUS = tomllib.loads(TEXT + EVERY_TEMPLATE + CLOSURE_TEMPLATES + NOT_AUDITABLE
                       + '\n[exceptions]\nregister = "registers/exceptions.csv"\n')
LANGUAGES = CORPUS["policy"]["languages"]


def toml(value) -> str:
    """``value`` written as TOML; a list of tables one inline table per line, as a person writes ``deadlines``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "[\n" + "".join(f"    {toml(v)},\n" for v in value) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


def _is_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def write_toml(raw: dict) -> str:
    """The policy file of ``raw``: keys that are not sections first, then ``[section]`` (a table inside one:
    ``[section.key]``), then ``[[rule]]``."""
    lines = [f"{name} = {toml(value)}" for name, value in raw.items()
             if not isinstance(value, dict) and not _is_tables(value)]
    for name, table in raw.items():
        if isinstance(table, dict):
            lines += ["", f"[{name}]"] + [f"{k} = {toml(v)}" for k, v in table.items() if not isinstance(v, dict)]
            for key, inner in table.items():
                if isinstance(inner, dict):
                    lines += ["", f"[{name}.{key}]"] + [f"{k} = {toml(v)}" for k, v in inner.items()]
    for name, items in raw.items():
        if _is_tables(items):
            for item in items:
                lines += ["", f"[[{name}]]"] + [f"{k} = {toml(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def occurrences(raw: dict) -> list[tuple[tuple, parse.Key]]:
    """Every key written in ``raw`` as (path, spec): the first place each key of each kind of table is written."""
    found: dict[tuple, tuple] = {}

    def add(kind: str, path: tuple, spec: parse.Key) -> None:
        found.setdefault((kind, path[-1]), (path, spec))

    for name, table in raw.items():
        if name == "rule":
            continue
        for key, value in table.items():
            if name == "policy" and key == "documents":
                for lang in value:
                    add("policy.documents", (name, key, lang), parse.Key(parse.TEXT))
            add(name, (name, key), parse.SECTIONS[name][key])
    for i, rule in enumerate(raw["rule"]):
        keys = {**parse.RULE_KEYS, **parse.CHECK_KEYS[rule.get("check", m.RETENTION)]}
        for key, value in rule.items():
            if key not in keys:  # quote_en, title_nl, ...: texts
                add("rule", ("rule", i, key), parse.Key(parse.TEXT))
                continue
            add("rule", ("rule", i, key), keys[key])
            if key == "scope":
                for column in value:
                    add("scope", ("rule", i, key, column), parse.SCOPE_KEYS.get(column, parse.Key(parse.TEXTS)))
            for j, entry in enumerate(value if key in ("parts", "deadlines") else ()):
                inner = parse.PART_KEYS if key == "parts" else parse.DEADLINE_KEYS
                for name in entry:
                    path = ("rule", i, key, j, name)
                    add(key, path, inner.get(name, parse.Key(parse.TEXT)))  # a deadline's source_<lang>: a text
                    if name == "scope":
                        for column in entry[name]:
                            add("scope", (*path, column), parse.SCOPE_KEYS.get(column, parse.Key(parse.TEXTS)))
    return list(found.values())


KEYS = occurrences(CORPUS)


def test_the_corpus_writes_every_key_the_parser_declares():
    written = {path[-1] for path, _ in KEYS}
    # a scope's keys: its account, and text columns of the rule's table (each a list of values: one stands for all)
    assert {path[-1] for path, _ in KEYS if path[-2] == "scope"} > {"account"}
    declared = {*parse.RULE_KEYS, *(k for keys in parse.CHECK_KEYS.values() for k in keys), "account",
                *(f"{k}_{lang}" for k in parse.LANGUAGE_KEYS for lang in LANGUAGES), *LANGUAGES,
                *(k for keys in parse.SECTIONS.values() for k in keys)}
    assert declared - written == set()
    assert {path[0] for path, _ in KEYS} == set(parse.SECTIONS)  # a key of every section


def changed(path: tuple, change) -> dict:
    """A copy of the corpus with the key at ``path`` changed: ``change(table, key)`` edits its table in place."""
    raw = json.loads(json.dumps(CORPUS))
    table = raw
    for step in path[:-1]:
        table = table[step]
    change(table, path[-1])
    return raw


def renamed(path: tuple, new: str) -> dict:
    def rename(table: dict, key: str) -> None:
        items = [(new if k == key else k, v) for k, v in table.items()]  # in place: the file's order is kept
        table.clear()
        table.update(items)

    return changed(path, rename)


def replaced(path: tuple, value) -> dict:
    return changed(path, lambda table, key: table.__setitem__(key, value))


def typo(key: str) -> str:
    """A misspelt key: its last letter doubled (``exemptt``, ``due_soon_dayss``)."""
    return key + key[-1]


def type_said(spec: parse.Key, value) -> str:
    """A value of the wrong type "must be" what its key holds; a period's text that is no period is not understood."""
    return "is not understood" if spec.kind == parse.PERIOD and isinstance(value, str) and value else "must be"


#: values of another TOML type than each kind's (a string where a boolean is meant, a number where a text is ...)
WRONG = {
    parse.TEXT: (42, True, "", ["x"]),
    parse.WHOLE: ("30", 30.5, True),
    parse.BOOLEAN: ("false", "true", 0),
    parse.TEXTS: ("x", [42], [""]),
    parse.TABLE: ("x", ["x"]),
    parse.TABLE_LIST: ("x", ["x"], {"x": 1}),
    parse.PERIOD: (12, "", "12 fortnights"),
}


def out_of_bounds(path: tuple, spec: parse.Key) -> list:
    """Whole numbers just outside their bounds; periods of 0 and of one more than their unit's longest."""
    if spec.kind == parse.WHOLE:
        return [spec.low - 1, spec.high + 1, 10 ** 9]
    if spec.kind == parse.PERIOD:
        table = CORPUS
        for step in path:
            table = table[step]
        unit = m.Period.parse(table).unit
        unit = unit if unit in m.PERIOD_LIMITS else m.MONTHS  # "none", "unstated": a length in months instead
        return [f"0 {unit}", f"{m.PERIOD_LIMITS[unit] + 1} {unit}", f"1000000000 {unit}"]
    return []


CASES = (
    [pytest.param(renamed(path, typo(path[-1])), typo(path[-1]), "unknown key", id=f"typo-{'.'.join(map(str, path))}")
     for path, _ in KEYS]
    + [pytest.param(replaced(path, value), path[-1], type_said(spec, value),
                    id=f"type-{'.'.join(map(str, path))}-{value!r}")
       for path, spec in KEYS for value in WRONG[spec.kind]]
    + [pytest.param(replaced(path, value), path[-1], "", id=f"bounds-{'.'.join(map(str, path))}-{value!r}")
       for path, spec in KEYS for value in out_of_bounds(path, spec)]
    + [pytest.param(renamed((name,), typo(name)), typo(name), "unknown section", id=f"section-{name}")
       for name in parse.SECTIONS]
    + [pytest.param(replaced((name,), "x"), name, "must be written as", id=f"section-type-{name}")
       for name in parse.SECTIONS]
)


def test_the_corpus_itself_is_valid(tmp_path):
    policy = load_policy(write_policy(tmp_path, write_toml(CORPUS)))
    assert policy.due_soon_days == 30 and policy.rule("backups").auditable is False


@pytest.mark.parametrize("raw, key, said", CASES)
def test_a_wrong_type_a_value_out_of_bounds_or_a_typo_is_exit_2_naming_file_line_and_column(
        tmp_path, capsys, raw, key, said):
    text = write_toml(raw)
    path = write_policy(tmp_path, text)
    assert main(["check-policy", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    found = re.match(rf"privacy-review: error: {re.escape(str(path))}:(\d+):(\d+): (.*)$", err.strip())
    assert found, err
    line, column, message = int(found.group(1)), int(found.group(2)), found.group(3)
    assert key in message and said in message, message
    written = text.splitlines()[line - 1]
    # the line and column named are where the key is written: ``key =``, or its own header ``[key]``
    assert re.match(rf"[\"']?{re.escape(key)}[\"']?\s*=|\[\[?(policy\.)?{re.escape(key)}\]", written[column - 1:]), \
        (written, column, message)


def test_a_string_false_is_not_false_and_a_typo_is_not_ignored(tmp_path, capsys):
    """The reported cases: ``auditable = "false"`` read as true; ``exempt`` misspelt, so held accounts counted."""
    message = refusal(tmp_path, capsys, TEXT.replace('exempt = ["legal_hold", "register"]\n',
                                                     'exempt = ["legal_hold", "register"]\nauditable = "false"\n', 1))
    assert 'auditable must be true or false (a TOML boolean, written without quotes), not "false"' in message
    message = refusal(tmp_path, capsys, TEXT.replace('exempt = ["legal_hold", "register"]',
                                                     'exempt_legal_holds = true', 1))
    assert "unknown key 'exempt_legal_holds'" in message


@pytest.mark.parametrize("old, new, said", [
    ('period = "12 months"\nexempt', 'period = "1000000000 months"\nexempt', "from 1 to 1200 months"),
    ('period = "5 working days"', 'period = "100000000 working days"', "from 1 to 366 working days"),
    ('period = "10 years"', 'period = "101 years"', "from 1 to 100 years"),
    ('period = "30 days"', 'period = "36526 days"', "from 1 to 36525 days"),
    ('due_soon_days = 30', 'due_soon_days = 367', "due_soon_days must be a whole number from 0 to 366"),
    ('missed_request_window_days = 30', 'missed_request_window_days = 0', "from 1 to 366"),
])
def test_periods_and_days_out_of_bounds_are_refused_where_the_file_is_read(tmp_path, capsys, old, new, said):
    assert old in TEXT
    message = refusal(tmp_path, capsys, TEXT.replace(old, new, 1))
    assert said in message


def test_the_longest_periods_are_read(tmp_path):
    text = TEXT.replace('period = "24 months"', 'period = "1200 months"', 1).replace(
        'period = "5 working days"', 'period = "366 working days"', 1)
    policy = load_policy(write_policy(tmp_path, text))
    assert policy.rule("analytics_retention").period == m.Period(1200, m.MONTHS)
    assert policy.response_working_days == 366


def refusal(tmp_path, capsys, text: str) -> str:
    path = write_policy(tmp_path, text)
    assert main(["check-policy", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.match(rf"privacy-review: error: {re.escape(str(path))}:\d+:\d+: ", err), err
    return err
