"""Management report pieces: KPI tiles match summary.json, verdicts, tolerance of missing figures."""

from __future__ import annotations

import copy
import html as html_lib

import pytest

from pipelines.policy import load_policy
from pipelines.report.kit import blocks, verdicts
from pipelines.report.sections import inactivity, overview, quality, retention, rights, support
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.words import TEXT, t
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
    markers = kpi_markers(overview.kpi_tiles(c))
    assert len(markers) == len(overview.KPIS) + len(retention.CATEGORIES)
    for path, value in markers:
        assert value == summary_figure(c.summary, path), path
    assert ("retention.breaches.account", 37) in markers
    assert ("rights.on_time_rate", 0.8889) in markers
    assert ("retention.breaches.analytics", None) in markers


def test_tiles_show_change_against_the_previous_quarter():
    html = overview.kpi_tiles(ctx())
    assert "▲ +5 vs 2024Q2 (32) · worse" in html
    assert "+7.6\u00a0pp vs 2024Q2 (81%) · better" in html
    html = overview.kpi_tiles(ctx(fake_summary(with_previous=False)))
    assert "no previous quarter to compare" in html


def test_missing_figures_show_na_and_never_crash():
    summary = fake_summary()
    summary["rights"]["on_time_rate"] = None
    del summary["support"]
    summary["previous"] = None
    c = ctx(summary, tables={})
    html = overview.kpi_tiles(c)
    assert ("rights.on_time_rate", None) in kpi_markers(html)
    assert "n/a" in html
    for section in (
        inactivity.section,
        retention.section,
        support.section,
        rights.section,
        quality.section,
        overview.about,
        retention.clauses,
        overview.title_block,
    ):
        assert section(c)
    assert 'data-verdict="not_computable"' in support.section(c)


def test_an_empty_summary_still_renders():
    c = ctx({"period": "2024Q3", "as_of": "2024-09-30"}, tables={})
    assert all(v is None for _, v in kpi_markers(overview.kpi_tiles(c)))
    assert 'data-verdict="not_computable"' in inactivity.section(c)
    assert 'data-verdict="not_computable"' in retention.section(c)
    assert 'data-verdict="not_computable"' in rights.section(c)


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
    assert rights.judge(summary) == verdict


def test_retention_verdicts_per_category_and_absent_tables():
    html = retention.section(ctx())
    assert html.count("pr-pill--not_kept") == 5
    assert html.count("pr-pill--not_checked") == 1  # web_visits not exported
    assert html.count("pr-pill--kept") == 1
    summary = copy.deepcopy(fake_summary())
    summary["retention"]["breaches"] = {
        k: (0 if v is not None else None)
        for k, v in summary["retention"]["breaches"].items()
    }
    summary["retention"]["withdrawn_consent_contacted"] = 0
    assert 'data-verdict="kept"' in retention.section(ctx(summary))


def test_inactivity_late_erasures_break_the_promise():
    summary = fake_summary(account_breaches=0)
    assert 'data-verdict="not_kept"' in inactivity.section(
        ctx(summary)
    )  # 5 late erasures
    summary["retention"]["late_erasures"] = 0
    assert 'data-verdict="kept"' in inactivity.section(ctx(summary))


def test_sections_quote_the_policy_in_the_report_language():
    en = inactivity.section(ctx())
    nl = inactivity.section(ctx(language="nl"))
    assert POLICY.inactivity_clause.text_en in en and "§1.1" in en
    assert POLICY.inactivity_clause.text_nl in nl and "Belofte niet nagekomen" in nl
    clauses = retention.clauses(ctx())
    for rule in POLICY.retention.values():
        assert rule.clause.text_en in clauses
    assert "the day the request was received" in rights.section(ctx())


def test_dutch_numbers():
    html = overview.kpi_tiles(ctx(language="nl"))
    assert "1.356" in html and "3,2\u00a0u" in html and "89%" in html


# --- verdicts need evidence (docs/report.md, "Verdicts") ----------------------


def empty_quarter() -> dict:
    """A quarter before the exports begin: every family has nothing to judge (like 2019Q1 on the sample)."""
    summary = fake_summary("2019Q1", "2019-03-31")
    summary["data"].update(
        rows_as_of={name: 0 for name in summary["data"]["rows_as_of"]}
    )
    summary["inactivity"].update(population=0, due_next_30d=0)
    summary["retention"].update(
        breaches={k: 0 for k in summary["retention"]["breaches"]},
        withdrawn_consent_contacted=0,
        late_erasures=0,
        absent_tables=[],
    )
    summary["support"].update(tickets=0, no_first_response=0, privacy_share=None)
    summary["support"]["first_response_hours"] = {"median": None, "p90": None}
    summary["rights"].update(
        received=0, completed=0, on_time_rate=None, open_overdue=0, open_not_due=0
    )
    summary["previous"] = copy.deepcopy(summary) | {
        "period": "2018Q4",
        "as_of": "2018-12-31",
    }
    return summary


def test_every_verdict_has_an_icon_and_words_in_both_languages():
    every = (
        verdicts.KEPT,
        verdicts.NOT_KEPT,
        verdicts.NOT_ASSESSABLE,
        verdicts.NOT_COMPUTABLE,
        verdicts.NOT_CHECKED,
        verdicts.INFO,
    )
    assert set(blocks.VERDICT_ICON) == set(every)
    for verdict in every:
        en, nl = TEXT[verdict]
        assert en and nl and en != nl
    assert t("en", "not_assessable") == "Not assessable"


def test_a_quarter_with_nothing_to_judge_keeps_no_promise():
    c = ctx(empty_quarter(), tables={})
    sections = {
        "inactivity": inactivity.section(c),
        "retention": retention.section(c),
        "support": support.section(c),
        "rights": rights.section(c),
    }
    for name, html in sections.items():
        assert 'data-verdict="not_assessable"' in html, name
        assert "Promise kept" not in html, name
    assert (
        "No account existed and was not erased on 31 March 2019: there is nothing to judge."
        in sections["inactivity"]
    )
    assert "No inquiries were received in the quarter" in sections["support"]
    assert "none was open on 31 March 2019" in sections["rights"]
    assert sections["retention"].count("pr-pill--not_assessable") == 7
    tiles = overview.kpi_tiles(c)
    assert "unchanged" not in tiles
    assert tiles.count("not assessable: nothing to judge") == 4  # account, all, overdue, due 30d
    assert tiles.count("nothing to compare in 2018Q4") == 3  # on time, tickets, first response
    assert "in the exports (all dates)" in tiles and "this quarter&#x27;s exports" not in tiles
    assert ("retention.breaches.account", 0) in kpi_markers(tiles)  # the figure itself is unchanged


def test_not_assessable_in_dutch():
    c = ctx(empty_quarter(), tables={}, language="nl")
    assert "Niet te beoordelen" in support.section(c)
    assert "Dit kwartaal kwamen geen vragen binnen" in support.section(c)
    assert "niet te beoordelen: niets om te toetsen" in overview.kpi_tiles(c)


def test_inactivity_kept_says_how_many_accounts_were_checked():
    summary = fake_summary(account_breaches=0)
    summary["retention"]["late_erasures"] = 0
    html = inactivity.section(ctx(summary))
    assert 'data-verdict="kept"' in html
    assert "None of the 1,840 accounts held on 30 September 2024 is past its erasure deadline." in html
    summary["inactivity"]["population"] = 0
    assert inactivity.judge(summary) == "not_assessable"
    summary["retention"]["late_erasures"] = 2  # erased late: evidence even without accounts left
    assert inactivity.judge(summary) == "not_kept"


def test_a_category_without_rows_at_as_of_is_not_assessable_not_kept():
    summary = fake_summary()
    summary["data"]["rows_as_of"]["payments"] = 0
    html = retention.section(ctx(summary))
    assert html.count("pr-pill--kept") == 0
    assert html.count("pr-pill--not_assessable") == 1
    assert "Nothing to judge, no record was held on 30 September 2024: Payment records." in html
    assert 'data-verdict="not_kept"' in html  # the other categories still breach
    # residual reads four tables: one row anywhere makes it assessable
    assert retention.rows_held(summary, POLICY, "residual") == 48190 + 1627 + 655
    assert retention.rows_held(summary, POLICY, "account") == 1840  # the inactivity population
    del summary["data"]
    assert retention.rows_held(summary, POLICY, "payments") is None
    assert retention.category_verdict(ctx(summary), "payments") == "kept"


def test_retention_overall_verdict():
    v = retention.judge
    assert v(["kept", "not_assessable"], 0) == "kept"
    assert v(["not_assessable", "not_checked"], 0) == "not_assessable"
    assert v(["not_assessable", "kept"], 1) == "not_kept"  # contacted after withdrawing consent
    assert v(["not_checked", "not_computable"], None) == "not_computable"


@pytest.mark.parametrize(
    "change,verdict",
    [
        ({}, "kept"),  # 412 inquiries, all answered
        ({"no_first_response": 5}, "not_kept"),
        ({"tickets": 0, "no_first_response": 0}, "not_assessable"),
        ({"tickets": None}, "not_computable"),
        ({"no_first_response": None}, "not_computable"),
    ],
)
def test_support_verdict(change, verdict):
    summary = fake_summary()
    summary["support"].update(change)
    assert support.judge(summary) == verdict


def test_support_says_what_was_checked_against_what():
    summary = fake_summary()
    summary["support"]["no_first_response"] = 5
    html = support.section(ctx(summary))
    assert "Statistics of" not in html
    assert (
        "Of 412 inquiries received in the quarter, 407 got a first response by 30 September 2024 (median 3.2\u00a0h). "
        "5 had no first response by 30 September 2024."
    ) in html
    assert "23 tickets (of any quarter) open on 30 September 2024" in html
    nl = support.section(ctx(summary, language="nl"))
    assert "kregen er 407 uiterlijk op 30 september 2024 een eerste reactie" in nl
    assert "5 kregen tot 30 september 2024 geen eerste reactie." in nl


def test_rights_with_nothing_received_completed_or_open_is_not_assessable():
    summary = fake_summary()
    summary["rights"].update(
        received=0, completed=0, on_time_rate=None, open_overdue=0, open_not_due=0
    )
    assert rights.judge(summary) == "not_assessable"
    summary["rights"]["open_not_due"] = 1  # one open, not yet due: checked, nothing late
    assert rights.judge(summary) == "kept"


# --- the data behind the report ---------------------------------------------


def test_synthetic_sample_banner_comes_first():
    summary = fake_summary()
    assert "data-synthetic-sample" not in overview.title_block(ctx(summary))
    summary["data"]["synthetic_sample"] = True
    html = overview.title_block(ctx(summary))
    banner = "Synthetic sample data: these figures are not evidence about real people."
    assert banner in html
    assert html.index(banner) < html.index("<h1>")
    nl = overview.title_block(ctx(summary, language="nl"))
    assert "Synthetische voorbeeldgegevens" in nl
    del summary["data"]
    assert "data-synthetic-sample" not in overview.title_block(ctx(summary))


@pytest.mark.parametrize(
    "first,last,as_of,expected",
    [
        ("2022-10-01", "2024-10-02", "2024-09-30", []),
        (
            "2024-08-01",
            "2024-10-02",
            "2024-09-30",
            [
                "The exports' dates begin on 1 August 2024, after the start of 2024Q3 (1 July 2024): "
                "the quarter is only partly covered."
            ],
        ),
        (
            "2022-10-01",
            "2024-09-15",
            "2024-09-30",
            [
                "The exports' dates end on 15 September 2024, before the review date 30 September 2024: "
                "nothing after 15 September 2024 is in the figures."
            ],
        ),
        ("2024-08-01", "2024-09-15", "2024-09-30", ["begin on 1 August 2024", "end on 15 September 2024"]),
        (
            "2024-10-01",
            "2026-09-30",
            "2024-09-30",
            [
                "The exports' dates (1 October 2024 to 30 September 2026) all lie after the review date 30 September 2024: "
                "there is nothing to judge."
            ],
        ),
        (
            "2022-10-01",
            "2024-06-30",
            "2024-09-30",
            ["all lie before 2024Q3", "end on 30 June 2024"],
        ),
        (None, None, "2024-09-30", ["The exports hold no dated rows"]),
    ],
)
def test_coverage_notes(first, last, as_of, expected):
    summary = fake_summary(as_of=as_of)
    summary["data"].update(first_date=first, last_date=last)
    notes = overview.coverage_notes(summary, "en")
    assert len(notes) == len(expected)
    for note, part in zip(notes, expected):
        assert part in note
    if notes:
        assert notes[0] in html_lib.unescape(overview.title_block(ctx(summary)))


def test_no_comparison_with_a_quarter_before_the_exports():
    summary = fake_summary()
    summary["data"]["first_date"] = "2024-07-01"  # 2024Q2 (as of 2024-06-30) has no exported data
    tiles = overview.kpi_tiles(ctx(summary))
    assert "vs 2024Q2" not in tiles
    assert tiles.count("nothing to compare in 2024Q2") == len(overview.KPIS) - 1
