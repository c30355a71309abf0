"""Management report pieces: KPI tiles match summary.json, verdicts, tolerance of missing figures."""

from __future__ import annotations

import copy

import pytest

from pipelines.policy import load_policy
from pipelines.report import management
from pipelines.report.context import ReportContext
from tests.report.conftest import kpi_markers, summary_figure
from tests.report.fake_results import fake_summary, fake_tables

POLICY = load_policy()


def ctx(summary=None, tables=None, language="en") -> ReportContext:
    summary = fake_summary() if summary is None else summary
    return ReportContext(
        summary=summary,
        tables=fake_tables(fake_summary()) if tables is None else tables,
        policy=POLICY,
        language=language,
    )


def test_every_kpi_marker_equals_the_summary():
    c = ctx()
    markers = kpi_markers(management.kpi_tiles(c))
    assert len(markers) == len(management.KPIS) + len(management.CATEGORIES)
    for path, value in markers:
        assert value == summary_figure(c.summary, path), path
    assert ("retention.breaches.account", 37) in markers
    assert ("rights.on_time_rate", 0.8889) in markers
    assert ("retention.breaches.analytics", None) in markers


def test_tiles_show_change_against_the_previous_quarter():
    html = management.kpi_tiles(ctx())
    assert "▲ +5 vs 2024Q2 (32) · worse" in html
    assert "+7.6 pp vs 2024Q2 (81%) · better" in html
    html = management.kpi_tiles(ctx(fake_summary(with_previous=False)))
    assert "no previous quarter to compare" in html


def test_missing_figures_show_na_and_never_crash():
    summary = fake_summary()
    summary["rights"]["on_time_rate"] = None
    del summary["support"]
    summary["previous"] = None
    c = ctx(summary, tables={})
    html = management.kpi_tiles(c)
    assert ("rights.on_time_rate", None) in kpi_markers(html)
    assert "n/a" in html
    for section in (
        management.inactivity_section,
        management.retention_section,
        management.support_section,
        management.rights_section,
        management.quality_section,
        management.about_section,
        management.retention_clauses,
        management.title_block,
    ):
        assert section(c)
    assert 'data-verdict="not_computable"' in management.support_section(c)


def test_an_empty_summary_still_renders():
    c = ctx({"period": "2024Q3", "as_of": "2024-09-30"}, tables={})
    assert all(v is None for _, v in kpi_markers(management.kpi_tiles(c)))
    assert 'data-verdict="not_computable"' in management.inactivity_section(c)
    assert 'data-verdict="not_computable"' in management.retention_section(c)
    assert 'data-verdict="not_computable"' in management.rights_section(c)


@pytest.mark.parametrize(
    "change,verdict",
    [
        ({}, "not_kept"),
        ({"on_time_rate": 1.0, "open_overdue": 0}, "kept"),
        ({"on_time_rate": 1.0, "open_overdue": 1}, "not_kept"),
        ({"completed": 0, "on_time_rate": None, "open_overdue": 0}, "kept"),
        ({"on_time_rate": None, "open_overdue": None}, "not_computable"),
    ],
)
def test_rights_verdict(change, verdict):
    summary = fake_summary()
    summary["rights"].update(change)
    assert management.rights_verdict(summary) == verdict


def test_retention_verdicts_per_category_and_absent_tables():
    html = management.retention_section(ctx())
    assert html.count("pr-pill--not_kept") == 5
    assert html.count("pr-pill--not_checked") == 1  # web_visits not exported
    assert html.count("pr-pill--kept") == 1
    summary = copy.deepcopy(fake_summary())
    summary["retention"]["breaches"] = {
        k: (0 if v is not None else None)
        for k, v in summary["retention"]["breaches"].items()
    }
    summary["retention"]["withdrawn_consent_contacted"] = 0
    assert 'data-verdict="kept"' in management.retention_section(ctx(summary))


def test_inactivity_late_erasures_break_the_promise():
    summary = fake_summary(account_breaches=0)
    assert 'data-verdict="not_kept"' in management.inactivity_section(
        ctx(summary)
    )  # 5 late erasures
    summary["retention"]["late_erasures"] = 0
    assert 'data-verdict="kept"' in management.inactivity_section(ctx(summary))


def test_sections_quote_the_policy_in_the_report_language():
    en = management.inactivity_section(ctx())
    nl = management.inactivity_section(ctx(language="nl"))
    assert POLICY.inactivity_clause.text_en in en and "§1.1" in en
    assert POLICY.inactivity_clause.text_nl in nl and "Belofte niet nagekomen" in nl
    clauses = management.retention_clauses(ctx())
    for rule in POLICY.retention.values():
        assert rule.clause.text_en in clauses
    assert "the day the request was received" in management.rights_section(ctx())


def test_dutch_numbers():
    html = management.kpi_tiles(ctx(language="nl"))
    assert "1.356" in html and "3,2\u00a0u" in html and "89%" in html
