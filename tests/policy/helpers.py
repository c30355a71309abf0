"""A policy file of one's own, written beside copies of the published policy texts (docs/policy-file.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.policy import default_policy_path

SHIPPED = default_policy_path()
TEXT = SHIPPED.read_text(encoding="utf-8")


def write_policy(folder: Path, text: str = TEXT, name: str = "policy.toml") -> Path:
    """``text`` as ``folder/name``, with the shipped policy documents beside it (the file names them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for document in SHIPPED.parent.glob(SHIPPED.stem + ".*.txt"):
        shutil.copyfile(document, folder / document.name)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def replaced(old: str, new: str, text: str = TEXT, count: int = 1) -> str:
    """``text`` with ``old`` replaced (it must be there: a test never edits nothing)."""
    assert old in text, old
    return text.replace(old, new, count)


def line_of(text: str, fragment: str) -> int:
    """The 1-based line where ``fragment`` first appears."""
    return text[: text.index(fragment)].count("\n") + 1


#: the head of a rule of one's own, quoting a sentence of the shipped policy texts (``RULE.format(id=...)``,
#: then the rule's own keys)
RULE = '''
[[rule]]
id = "{id}"
clause = "§1.6"
title_en = "t"
title_nl = "t"
quote_en = "We store marketing data for 12 months since the last communication with you."
quote_nl = "Wij bewaren marketinggegevens gedurende 12 maanden na de laatste communicatie met u."
basis = "policy"
'''


def english_only(text: str = TEXT) -> str:
    """``text`` as a policy published in English alone: no Dutch quote, title, source or document."""
    import re

    text = replaced('languages = ["en", "nl"]', 'languages = ["en"]', text)
    text = re.sub(r'^(quote|title|source)_nl = .*\n', "", text, flags=re.M)
    text = re.sub(r', source_nl = "[^"]*"', "", text)
    return replaced('nl = "privacy-policy-2024-06-17.nl.txt"\n', "", text)


#: a policy of its own using every template of pipelines/rules/ (anchors, periods, actions, scopes, combinations)
EVERY_TEMPLATE = "".join(RULE.format(id=i) + body for i, body in (
    ("ip_90_days", 'table = "sessions"\naction = "clear"\nclear = ["ip_address"]\nanchor = "row"\n'
                   'column = "started_at"\nperiod = "90 days"\nexempt = ["legal_hold"]\n'),
    ("visits_first", 'table = "web_visits"\nscope = { account = "with_account" }\naction = "delete"\n'
                     'combine = "earliest"\ndeadlines = [\n'
                     '  { anchor = "subject_latest", subject = "visitor_id", events = ["web_visits.visited_at"], '
                     'period = "12 months" },\n  { anchor = "account_erasure", period = "none" },\n]\n'),
    ("prospects", 'table = "support_tickets"\nscope = { account = "without_account", category = ["bug"] }\n'
                  'action = "mark"\nmarker = "anonymized_at"\nanchor = "first_present"\n'
                  'columns = ["resolved_at", "created_at"]\nperiod = "6 months"\n'),
    ("invoices", 'table = "payments"\naction = "aggregate"\nanchor = "row"\ncolumn = "paid_at"\n'
                 'starts = "next_year"\nperiod = "7 years"\n'),
    ("free_accounts", 'table = "accounts"\nscope = { plan = ["free"] }\naction = "delete"\n'
                      'anchor = "account_last_activity"\nperiod = "1 years"\n'),
))

#: rules reading what the contract grew for other policies (docs/contract.md, "Optional columns"): the account's
#: closure, the product, server logs without an account
CLOSURE_TEMPLATES = "".join(RULE.format(id=i) + body for i, body in (
    ("closed_content", 'table = "accounts"\naction = "mark"\nmarker = "erased_at"\nanchor = "account_closure"\n'
                       'period = "30 days"\nexempt = ["legal_hold"]\n'),
    ("closed_logins", 'table = "sessions"\nscope = { account = "closed", product = ["hey"] }\naction = "clear"\n'
                      'clear = ["ip_address"]\nanchor = "account_closure"\nperiod = "none"\n'),
    ("server_ips", 'table = "server_logs"\naction = "clear"\nclear = ["ip_address"]\nanchor = "row"\n'
                   'column = "logged_at"\nperiod = "90 days"\nexempt = ["legal_hold"]\n'),
    ("open_visits", 'table = "web_visits"\nscope = { account = "not_closed" }\naction = "delete"\nanchor = "row"\n'
                    'column = "visited_at"\nperiod = "25 months"\n'),
))
