"""examples/policies: two companies' published policies as policy files (docs/policy-file.md, "Two real policies").

Each file is read as `run` reads it (every quote found verbatim in the excerpt beside it) and passes
`check-policy`; its promises no export can test and those without a period are the ones the page lists.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from pipelines import cli as climod
from pipelines.policy import load_policy
from pipelines.policy.documents import normal_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"

#: per example: its source commit, its licence, and the rules designed for it (docs/policy-file.md)
DESIGNED = {
    "37signals.toml": {
        "commit": "d39f6f17bbd90d82b1df9fa7a0df845edd487de0",
        "licence": "CC BY 4.0",
        "rules": 10,
        "not_auditable": {"content_backups_after_cancellation", "content_purged_in_full", "trashed_content_purged",
                          "signup_ip"},
        "unstated": {"billing_records", "correspondence"},
        "inactivity": None,
    },
    "mozilla-accounts.toml": {
        "commit": "f098c17556ff822c17f4b6bd591c9b459be2f183",
        "licence": "CC BY-SA 3.0",
        "rules": 14,
        "not_auditable": {"backups", "vpn_campaign_ip_not_stored", "vpn_no_activity_logs", "monitor_email_data",
                          "relay_email_content_not_stored", "relay_undelivered_email", "relay_phone_log",
                          "relay_call_content_not_stored", "twilio_text_messages"},
        "unstated": {"payment_records"},
        "inactivity": "inactive_accounts",
    },
}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))


def test_every_example_is_designed_here():
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(DESIGNED)


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_an_example_is_read_with_every_quote_found_verbatim(name):
    path = EXAMPLES / name
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    policy = load_policy(path)  # verifies each quote against the excerpt beside the file
    designed = DESIGNED[name]
    assert policy.languages == ("en",)
    assert policy.documents["en"] == EXAMPLES / f"{path.stem}.en.txt"
    assert [r.id for r in policy.rules] == [r["id"] for r in raw["rule"]]
    assert len(policy.rules) == designed["rules"]
    assert policy.inactivity_rule == designed["inactivity"]

    not_auditable = {r.id for r in policy.rules if not r.auditable}
    assert not_auditable == {r["id"] for r in raw["rule"] if r.get("auditable") is False}
    assert not_auditable == designed["not_auditable"]
    assert all(r.not_auditable_reason.get("en") for r in policy.rules if not r.auditable)

    unstated = {r.id for r in policy.rules if r.auditable and any(not d.period.stated for d in r.deadlines)}
    assert unstated == {r["id"] for r in raw["rule"] if r.get("period") == "unstated"}
    assert unstated == designed["unstated"]

    # an honest basis: a reading or a law names its source
    for rule in policy.rules:
        assert rule.basis.kind == "policy" or rule.basis.source("en"), rule.id


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_check_policy_accepts_an_example(name, capsys):
    path = EXAMPLES / name
    assert climod.main(["check-policy", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: valid\n")
    assert climod.main(["check-policy", str(path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in found["rules"]}
    assert len(rules) == DESIGNED[name]["rules"]
    assert {i for i, r in rules.items() if not r["assessable"]} == \
        DESIGNED[name]["not_auditable"] | DESIGNED[name]["unstated"]


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_an_example_names_its_source_licence_and_commit(name):
    designed = DESIGNED[name]
    path = EXAMPLES / name
    header = "\n".join(re.match(r"(?:#.*\n|\n)*", path.read_text(encoding="utf-8")).group(0).splitlines())
    document = (EXAMPLES / f"{path.stem}.en.txt").read_text(encoding="utf-8")
    for text in (header, document):
        assert designed["commit"] in text
        assert designed["licence"] in text
        assert "Attribution" in text
    assert "excerpts, verbatim" in document.splitlines()[0]


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_an_excerpt_holds_only_paragraphs_a_rule_quotes(name):
    """Beyond its header and section lines, every paragraph of the excerpt is one some rule quotes from."""
    path = EXAMPLES / name
    quotes = [normal_text(r["quote_en"]) for r in tomllib.loads(path.read_text(encoding="utf-8"))["rule"]]
    document = (EXAMPLES / f"{path.stem}.en.txt").read_text(encoding="utf-8")
    paragraphs = document.split("\n=== ", 1)[1].split("\n\n")
    body = [normal_text(p) for p in paragraphs if p.strip() and not p.lstrip().startswith("===")
            and not p.rstrip().endswith("===")]
    assert body
    for paragraph in body:
        assert any(q in paragraph for q in quotes), paragraph[:80]
