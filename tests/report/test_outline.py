"""Which sections, charts, tiles and notebooks a policy's report has (pipelines/report/outline.py): those of a kind
of rule only when the policy states such a rule."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.policy import load_policy
from pipelines.report import outline
from pipelines.report.build import report_notebooks
from pipelines.report.sections import inactivity, quality, retention, rights, support

REPO = Path(__file__).resolve().parents[2]
PACKAGED = load_policy()
SIGNALS = load_policy(REPO / "examples" / "policies" / "37signals.toml", verify_documents=False)
MOZILLA = load_policy(REPO / "examples" / "policies" / "mozilla-accounts.toml", verify_documents=False)


def without_rights_deadline(policy):
    """The policy with its Art. 12(3) rule left out: its consent-withdrawal standard is its only rights deadline."""
    return replace(policy, rules=tuple(r for r in policy.rules if r is not policy.rights_rule))


@pytest.mark.parametrize(("policy", "sections"), [
    (PACKAGED, ("inactivity", "retention", "support", "rights", "quality")),
    (SIGNALS, ("retention", "quality")),  # no [inactivity], no response_time, no rights_deadline rule
    (MOZILLA, ("inactivity", "retention", "rights", "quality")),  # no response_time rule
    (without_rights_deadline(PACKAGED), ("inactivity", "retention", "support", "rights", "quality")),
    (replace(PACKAGED, inactivity_rule=None), ("retention", "support", "rights", "quality")),
])
def test_a_section_of_a_kind_of_rule_is_there_only_with_such_a_rule(policy, sections):
    assert outline.sections(policy) == sections


def test_the_report_runs_the_notebooks_of_the_sections_shown():
    notebooks = REPO / "notebooks"
    assert [p.name for p in report_notebooks(notebooks, SIGNALS)] == [
        "00_quarterly_review.ipynb", "20_retention.ipynb", "50_data_quality.ipynb"]
    assert report_notebooks(notebooks, PACKAGED) == report_notebooks(notebooks)
    assert set(outline.NOTEBOOKS) <= {p.name for p in report_notebooks(notebooks)}


def test_a_chart_belongs_to_its_section_or_to_the_kind_of_rule_it_shows():
    assert outline.part_of(inactivity.cohorts) == "inactivity"
    assert outline.part_of(support.by_channel_month) == "support"
    assert outline.part_of(retention.breaches_by_category) == "retention"
    assert outline.part_of(quality.rejects) == "quality"
    # accounts past the inactivity rule's deadline, in the retention section: only with that rule
    assert outline.part_of(retention.trend) == "inactivity"
    # Art. 12(3) requests only: not with a consent-withdrawal standard alone
    assert outline.part_of(rights.on_time_trend) == "rights_deadline"
    assert outline.part_of(rights.by_right) == "rights"
    assert not outline.shows(without_rights_deadline(PACKAGED), outline.part_of(rights.days_to_complete))
    assert outline.shows(without_rights_deadline(PACKAGED), outline.part_of(rights.by_right))


@pytest.mark.slow
def test_a_run_under_a_policy_without_inactivity_response_or_rights_rules_reports_none_of_them(tmp_path, monkeypatch):
    """The 37signals example end to end: exports fitted to it (``sample --policy``), a run with its report."""
    import re

    from pipelines import cli

    policy = str(REPO / "examples" / "policies" / "37signals.toml")
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    assert cli.main(["sample", "--policy", policy, "--out", str(tmp_path / "data")]) == 0
    assert cli.main(["run", "--policy", policy, "--data", str(tmp_path / "data"), "--out", str(tmp_path / "reports")]) == 0
    (quarter,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and p.name[:2] == "20"]
    html = (quarter / "quarterly-review.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2[^>]*>([^<]+)", html)[:4] == [
        "Retention periods", "Data quality", "For the privacy team", "About this report"]
    for words in ("Inactive accounts", "Support inquiries", "Data-subject rights", "Rights requests completed on time",
                  "Median first response", "past their deadline at each quarter end", "Not computable"):
        assert words not in html, words
    assert html.count('data-kpi="') == 1
    assert sorted(p.name for p in (quarter / "notebooks").iterdir()) == [
        "00_quarterly_review.ipynb", "20_retention.ipynb", "50_data_quality.ipynb"]
