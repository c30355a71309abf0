"""Sections, charts and KPI tiles follow the policy's kinds of rule (pipelines/report/outline.py); a finding not
assessable for a column the export lacks says so in words (docs/report.md, "The report follows the policy")."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.policy import load_policy
from pipelines.report import nb
from pipelines.report.sections import inactivity, overview, retention, rights, support
from tests.policy.helpers import TEXT, write_policy
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import POLICY, ctx, prose

REPO = Path(__file__).resolve().parents[3]
SIGNALS = load_policy(REPO / "examples" / "policies" / "37signals.toml", verify_documents=False)


def tiles(markup: str) -> list[str]:
    return re.findall(r'data-kpi="([^"]+)"', markup)


def test_a_policy_without_inactivity_response_or_rights_rules_has_none_of_their_sections_or_tiles():
    c = ctx(policy=SIGNALS)
    assert inactivity.section(c) == support.section(c) == rights.section(c) == ""
    assert tiles(overview.kpi_tiles(c)) == ["data_quality.rows_rejected.*"]
    assert "Retention periods" in prose(retention.section(c))


def test_the_packaged_policy_has_every_section_and_tile():
    c = ctx()
    for section, heading in ((inactivity, "Inactive accounts"), (support, "Support inquiries"),
                             (rights, "Data-subject rights requests"), (retention, "Retention periods")):
        assert prose(section.section(c)).startswith(heading)
    assert tiles(overview.kpi_tiles(c)) == [kpi.path for kpi in overview.KPIS]


@pytest.mark.parametrize(("policy", "absent"), [
    (replace(POLICY, inactivity_rule=None), {"inactivity.due_next_30d"}),
    (replace(POLICY, rules=tuple(r for r in POLICY.rules if r.check != "response_time")),
     {"support.tickets", "support.first_response_hours.median"}),
    (replace(POLICY, rules=tuple(r for r in POLICY.rules if r is not POLICY.rights_rule)),
     {"rights.on_time_rate", "rights.open_overdue"}),
])
def test_a_tile_is_there_only_with_the_kind_of_rule_it_counts(policy, absent):
    assert tiles(overview.kpi_tiles(ctx(policy=policy))) == [k.path for k in overview.KPIS if k.path not in absent]


def test_a_chart_of_a_kind_of_rule_the_policy_lacks_is_not_drawn(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    nb.chart(ctx(policy=SIGNALS), retention.trend)  # accounts past the inactivity rule's deadline
    nb.chart(ctx(policy=SIGNALS), inactivity.cohorts)
    nb.chart(ctx(policy=SIGNALS), support.by_channel_month)
    assert shown == []
    nb.chart(ctx(), retention.trend)
    assert len(shown) == 1


def test_a_consent_withdrawal_standard_alone_shows_its_own_verdict_in_the_rights_section():
    policy = replace(POLICY, rules=tuple(r for r in POLICY.rules if r is not POLICY.rights_rule))
    c = ctx(policy=policy)
    text = prose(rights.section(c))
    assert text.startswith("Data-subject rights requests")
    assert "Consent withdrawals, no Art. 12(3) requests" in text
    assert "Art. 12(3)" not in text.split("Consent withdrawals")[0]  # no Art. 12(3) figure, which no rule judges


def lacking(summary: dict, *columns: str) -> dict:
    summary["data"]["columns_absent"] = list(columns)
    return summary


def test_a_finding_on_a_column_the_export_lacks_says_which_column_to_export():
    c = ctx(lacking(fake_summary(), "marketing_contacts.last_communication_at"))
    found = {f["id"]: f for f in c.summary["findings"]}
    assert found["marketing_retention"]["reason"] == "export_lacks"
    row = re.search(r'data-finding="marketing_retention".*?</tr>', overview.findings_table(c)).group(0)
    assert ("Not assessable: the export lacks marketing_contacts.last_communication_at; export that column to judge "
            "this rule.") in prose(row)
    assert ("Not assessable from the exports: Marketing data deleted 12 months after the last communication (the export "
            "lacks marketing_contacts.last_communication_at; export that column to judge this rule).") in prose(
        retention.section(c))
    nl = ctx(lacking(fake_summary(), "marketing_contacts.last_communication_at"), language="nl")
    row = re.search(r'data-finding="marketing_retention".*?</tr>', overview.findings_table(nl)).group(0)
    assert ("Niet te beoordelen: de export mist marketing_contacts.last_communication_at; exporteer die kolom om deze "
            "regel te beoordelen.") in prose(row)


def test_a_section_finding_on_a_column_the_export_lacks_says_so_instead_of_nothing_to_judge():
    c = ctx(lacking(fake_summary(), "support_tickets.first_response_at", "support_tickets.resolved_at"))
    assert ("Not assessable: the export lacks support_tickets.first_response_at, support_tickets.resolved_at; export "
            "those columns to judge this rule.") in prose(support.section(c))


def four_rules() -> str:
    """The packaged policy file with four of its rules, none of them the inactivity rule or a rights deadline."""
    head, *rules = TEXT.split("\n[[rule]]\n")
    head = re.sub(r"\[inactivity\]\n(?:[^\n]+\n)*\n", "", head)
    kept = [r for r in rules if re.search(
        r'^id = "(marketing_retention|analytics_retention|withdrawn_consent|inquiries_answered)"', r, re.M)]
    return "\n[[rule]]\n".join([head, *kept])


def test_the_first_screen_has_one_row_per_rule_of_the_policy(tmp_path):
    policy = load_policy(write_policy(tmp_path, four_rules()), verify_documents=False)
    assert len(policy.rules) == 4 and policy.inactivity is None
    c = ctx(policy=policy)
    table = overview.findings_table(c)
    assert re.findall(r'data-finding="(\w+)"', table) == [r.id for r in policy.rules]
    assert inactivity.section(c) == rights.section(c) == ""
    assert prose(support.section(c)).startswith("Support inquiries")
    assert tiles(overview.kpi_tiles(c)) == ["support.tickets", "support.first_response_hours.median",
                                             "data_quality.rows_rejected.*"]
