"""Random valid policy files: rules drawn from every table, action, anchor, period, scope and combination the
policy file allows (docs/policy-file.md), the ones the parser refuses left out. For the differential test of
``sample --policy`` against the run (tests/sample/test_fitted.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from pipelines.contract import TABLES
from pipelines.errors import BadInput
from pipelines.policy import load_policy

TIMESTAMPS = {t: [c.name for c in s.columns if c.type == "timestamp"] for t, s in TABLES.items()}
CLEARABLE = {t: [c.name for c in s.columns if not c.required and c.name != "account_id"] for t, s in TABLES.items()}
MARKERS = {t: [c.name for c in s.columns if not c.required and c.type == "timestamp"] for t, s in TABLES.items()}
SCOPES = ("any", "known", "with_account", "without_account", "erased", "not_erased", "closed", "not_closed")
PERIODS = ("none", "7 days", "30 days", "90 days", "1 month", "6 months", "12 months", "13 months", "2 years")
ZONES = ("UTC", "Europe/Brussels", "America/Chicago", "Asia/Kolkata", "Pacific/Auckland")
HEAD = '[policy]\nname = "Random"\nversion = "1"\nzone = "{zone}"\nlanguages = ["en"]\n\n[policy.documents]\nen = "t.txt"\n'


def _anchor(rnd: random.Random, table: str, account_rules: list[str]) -> list[str]:
    kinds = ["row", "first_present", "subject_latest", "account_last_activity", "account_erasure", "account_closure"]
    kind = rnd.choice(kinds + (["rule"] if account_rules else []))
    if kind == "row":
        return ['anchor = "row"', f'column = "{rnd.choice(TIMESTAMPS[table])}"']
    if kind == "first_present":
        columns = rnd.sample(TIMESTAMPS[table], min(len(TIMESTAMPS[table]), rnd.randint(1, 2)))
        return ['anchor = "first_present"', f"columns = {json.dumps(columns)}"]
    if kind == "subject_latest":
        subject = "visitor_id" if "visitor_id" in TABLES[table].column_names and rnd.random() < 0.5 else "account_id"
        events = [f"{t}.{c}" for t in TABLES for c in TIMESTAMPS[t] if subject in TABLES[t].column_names]
        return ['anchor = "subject_latest"', f'subject = "{subject}"', f"events = {json.dumps(rnd.sample(events, 2))}"]
    if kind == "rule":
        return ['anchor = "rule"', f'rule = "{rnd.choice(account_rules)}"']
    return [f'anchor = "{kind}"']


def _rule(rnd: random.Random, number: int, account_rules: list[str]) -> tuple[str, str]:
    table = rnd.choice(list(TABLES))
    lines = [f'table = "{table}"']
    action = rnd.choice(("delete", "clear", "mark", "aggregate"))
    if action == "clear" and CLEARABLE[table]:
        columns = rnd.sample(CLEARABLE[table], min(len(CLEARABLE[table]), rnd.randint(1, 2)))
        lines += ['action = "clear"', f"clear = {json.dumps(columns)}"]
    elif action == "mark" and MARKERS[table]:
        lines += ['action = "mark"', f'marker = "{rnd.choice(MARKERS[table])}"']
    else:
        lines.append(f'action = "{"aggregate" if action == "aggregate" else "delete"}"')
    scope = {}
    if "account_id" in TABLES[table].column_names and rnd.random() < 0.6:
        scope["account"] = rnd.choice(SCOPES)
    if "product" in TABLES[table].column_names and rnd.random() < 0.3:
        scope["product"] = ["pro"]
    if table == "accounts" and rnd.random() < 0.3:
        scope["plan"] = ["free", "trial"]
    if scope:
        lines.append("scope = { " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in scope.items()) + " }")
    if rnd.random() < 0.2:
        entries = [", ".join(_anchor(rnd, table, account_rules) + [f'period = "{rnd.choice(PERIODS)}"'])
                   for _ in range(2)]
        lines += [f'combine = "{rnd.choice(("earliest", "latest"))}"', "deadlines = ["]
        lines += [f"  {{ {e} }}," for e in entries] + ["]"]
    else:
        lines += _anchor(rnd, table, account_rules) + [f'period = "{rnd.choice(PERIODS)}"']
        if rnd.random() < 0.15:
            lines.append('starts = "next_year"')
    if rnd.random() < 0.6:
        lines.append(f"exempt = {json.dumps(rnd.sample(['legal_hold', 'register'], rnd.randint(1, 2)))}")
    body = "\n".join(lines) + "\n"
    head = (f'\n[[rule]]\nid = "r{number}"\nclause = "S{number}"\ntitle_en = "t"\nquote_en = "Promise {number}."\n'
            'basis = "policy"\n')
    return head + body, table


def write_random_policy(folder: Path, seed: int, rules: int = 5) -> Path:
    """A valid policy file of up to ``rules`` random rules in ``folder``; the same seed, the same file."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.txt").write_text("\n".join(f"Promise {i}." for i in range(rules)), encoding="utf-8")
    head, kept, account_rules = HEAD.format(zone=rnd.choice(ZONES)), [], []
    path = folder / "policy.toml"
    for number in range(rules):
        text, table = _rule(rnd, number, account_rules)
        path.write_text(head + "".join([*kept, text]), encoding="utf-8")
        try:
            load_policy(path)
        except BadInput:
            continue  # a combination the file refuses (docs/policy-file.md says which)
        kept.append(text)
        if table == "accounts" and "deadlines" not in text and "anchor = \"account_" in text:
            account_rules.append(f"r{number}")
    path.write_text(head + "".join(kept), encoding="utf-8")
    return path
