"""docs/policy-file.md: its examples are files the tool reads as the page says."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pipelines.policy import describe, load_policy

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy-file.md"


def toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_whole_example_file_is_valid_and_says_each_rule(tmp_path):
    (whole,) = [b for b in toml_blocks() if b.startswith("[policy]")]
    raw = tomllib.loads(whole)
    # the published text: the quotes the file takes from it
    (tmp_path / raw["policy"]["documents"]["en"]).write_text(
        "\n".join(rule["quote_en"] for rule in raw["rule"]), encoding="utf-8")
    (tmp_path / "example.toml").write_text(whole, encoding="utf-8")
    policy = load_policy(tmp_path / "example.toml")
    assert [r.id for r in policy.rules] == [r["id"] for r in raw["rule"]]
    said = describe.describe(policy)
    assert "server_log_ips (How long we keep your data): sessions rows: ip_address emptied — 90 days after" in said
    assert "not auditable from the exports: undelivered mail is not among the exports" in said
    assert [r.id for r in policy.retention_rules] == ["inactive_accounts", "server_log_ips", "interaction_data"]


def test_every_rule_example_is_read_as_a_rule(tmp_path):
    """Each [[rule]] example of the page, added to a policy of its own, is valid (quotes aside: checked above)."""
    head = '[policy]\nname = "x"\nversion = "1"\nzone = "UTC"\n\n[policy.documents]\nen = "t.txt"\n\n'
    rules = [b for b in toml_blocks() if b.startswith("[[rule]]")]
    assert len(rules) >= 4
    for i, block in enumerate(rules):
        quote = tomllib.loads(block)["rule"][0]["quote_en"]
        (tmp_path / "t.txt").write_text(quote, encoding="utf-8")
        path = tmp_path / f"p{i}.toml"
        path.write_text(head + block, encoding="utf-8")
        assert load_policy(path).rules[0].quote.get("en") == quote
