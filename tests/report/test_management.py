"""Management report pieces: KPI tiles match summary.json, verdicts shown from the findings, tolerance of
missing figures and of results without findings."""

from __future__ import annotations

import copy
from html import escape
import html as html_lib
import re

import pytest

from pipelines.policy import load_policy
from pipelines.report.kit import blocks, verdicts
from pipelines.report.sections import inactivity, overview, quality, retention, rights, support
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.words import TEXT, t
from tests.report.conftest import kpi_markers, summary_figure
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import ctx as section_ctx
from tests.report.sections.helpers import visible

POLICY = load_policy()


def ctx(summary=None, tables=None, language="en", *, rejudge=True) -> ReportContext:
    """The fake quarter; a changed figure is judged again into the summary's findings, as a run writes them."""
    return section_ctx(summary, tables, language, POLICY, rejudge=rejudge)


def test_every_kpi_marker_equals_the_summary():
    c = ctx()
    markers = kpi_markers(overview.kpi_tiles(c))
    assert len(markers) == len(overview.KPIS)
    for path, value in markers:
        assert value == summary_figure(c.summary, path), path
    assert ("rights.on_time_rate", 0.8889) in markers
    # no total over kinds of records, no chips repeating the findings' rows (docs/report.md, "The first screen")
    assert not [p for p, _ in markers if p.startswith("retention.breaches")]


def test_tiles_show_change_against_the_previous_quarter():
    html = overview.kpi_tiles(ctx())
    assert "▲ +7 vs 2024Q2 (41)" in html
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


def test_results_without_findings_are_not_computable_and_never_crash():
    """A summary.json written before findings: every verdict "not computable", saying why (docs/report.md, "Findings")."""
    summary = fake_summary()
    del summary["findings"]
    c = ctx(summary)
    for section in (inactivity.section, retention.section, support.section, rights.section):
        html = section(c)
        assert 'data-verdict="not_computable"' in html and "Promise kept" not in html
        assert "these results hold no findings" in html
    title = overview.title_block(c, overall=True)
    assert 'data-verdict="not_computable"' in title and 'data-total="0"' in title
    assert "data-finding=" not in title  # no table without findings
    assert "niet te berekenen" in overview.title_block(ctx(summary, language="nl"), overall=True).lower()


@pytest.mark.parametrize(
    "section,finding",
    [
        (inactivity.section, "account_erasure"),
        (support.section, "inquiries_answered"),
        (rights.section, "rights_on_time"),
    ],
)
def test_a_section_shows_the_findings_verdict_and_never_judges_the_figures(section, finding):
    """The auditor's point: the report displays findings. Turn a finding's verdict round while the figures stay:
    the section follows the finding."""
    summary = fake_summary()
    for f in summary["findings"]:
        if f["id"] == finding:
            f["verdict"] = "kept" if f["verdict"] == "not kept" else "not kept"
            shown = "kept" if f["verdict"] == "kept" else "not_kept"
    assert f'data-verdict="{shown}"' in section(ctx(summary, rejudge=False))
    for f in summary["findings"]:
        f.update(verdict="not computable", reason="figure_missing", rows=None)
    html = section(ctx(summary, rejudge=False))
    assert 'data-verdict="not_computable"' in html
    assert "a figure the verdict needs is missing" in html


def test_retention_rows_and_the_overall_line_follow_the_findings():
    summary = fake_summary()
    for f in summary["findings"]:
        f.update(verdict="kept", reason="no_breach", rows=0)
    c = ctx(summary, rejudge=False)  # the figures still hold 1,290 log rows past their deadline
    html = retention.section(c)
    # 8 retention rules and withdrawn consent
    assert 'data-verdict="kept"' in html and "9 of 9 kept" in html
    assert html.count("pr-pill--kept") == 9 and "pr-pill--not_kept" not in html
    assert "All 6 promises kept." in visible(overview.headline(c))


def test_retention_verdicts_per_category_and_absent_tables():
    html = retention.section(ctx())
    assert html.count("pr-pill--not_kept") == 6  # 5 rules and withdrawn consent
    assert html.count("pr-pill--not_checked") == 1  # web_visits not exported
    assert html.count("pr-pill--kept") == 2  # payments (the policy's own duty: reading 22) and prospects' tickets
    assert len(re.findall(r'pr-pill pr-pill--kept"[^>]*>Promise kept<', html)) == 1
    assert len(re.findall(r'pr-pill pr-pill--kept"[^>]*>Internal standard met<', html)) == 1
    assert 'data-finding="withdrawn_consent" data-verdict="not_kept"' in html
    assert "2 of 9 kept" in visible(html)
    summary = copy.deepcopy(fake_summary())
    summary["retention"]["breaches"] = {k: 0 for k in summary["retention"]["breaches"]}
    summary["retention"].update(withdrawn_consent_contacted=0, late_erasures=0, absent_tables=[])
    summary["data"]["rows_as_of"]["web_visits"] = 500
    html = retention.section(ctx(summary))
    assert 'data-verdict="kept"' in html and "9 of 9 kept" in visible(html)


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
    assert POLICY.inactivity.quote.get("en") in en and "§1.1" in en
    assert POLICY.inactivity.quote.get("nl") in nl and "Belofte niet nagekomen" in nl
    clauses = retention.clauses(ctx())
    for rule in retention.retention_rules(POLICY):
        assert escape(rule.quote.get("en")) in clauses
    assert "the day the request was received" in rights.section(ctx())


def test_dutch_numbers():
    html = overview.kpi_tiles(ctx(language="nl"))
    assert "3,2\u00a0u" in html and "89%" in html
    assert "1.290" in overview.findings_table(ctx(language="nl"))
    assert "1.356" not in html  # no total over kinds of records


# --- verdicts need evidence (docs/report.md, "Verdicts") ----------------------


def empty_quarter() -> dict:
    """A quarter before the exports begin: every family has nothing to judge (like 2019Q1 on the sample)."""
    summary = fake_summary("2019Q1", "2019-03-31")
    summary["data"].update(
        rows_as_of={name: 0 for name in (*summary["data"]["rows_as_of"], "web_visits")}
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
        received=0, completed=0, on_time=0, on_time_rate=None, open_overdue=0, open_not_due=0
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
    for basis in ("law", "internal standard"):
        for verdict in (verdicts.KEPT, verdicts.NOT_KEPT):
            en, nl = TEXT[verdicts.words_key(verdict, basis)]
            assert en and nl and en != nl


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
    assert sections["retention"].count("pr-pill--not_assessable") == 9  # 8 retention rules and withdrawn consent
    tiles = overview.kpi_tiles(c)
    assert "unchanged" not in tiles
    assert tiles.count("not assessable: nothing to judge") == 2  # overdue, due 30d
    assert tiles.count("nothing to compare in 2018Q4") == 3  # on time, tickets, first response
    assert "in the exports (all dates)" in tiles and "this quarter&#x27;s exports" not in tiles
    assert ("rights.open_overdue", 0) in kpi_markers(tiles)  # the figure itself is unchanged


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
    assert 'data-verdict="not_assessable"' in inactivity.section(ctx(summary))
    summary["retention"]["late_erasures"] = 2  # erased late: evidence even without accounts left
    assert 'data-verdict="not_kept"' in inactivity.section(ctx(summary))


def test_a_category_without_rows_at_as_of_is_not_assessable_not_kept():
    summary = fake_summary()
    summary["data"]["rows_as_of"]["payments"] = 0
    html = retention.section(ctx(summary))
    assert html.count('data-finding="payments_retention" data-verdict="not_assessable"') == 1
    assert html.count("pr-pill--not_assessable") == 1
    assert ("Nothing to judge, no record was held on 30 September 2024: Payment records kept no longer than "
            "accounting law requires.") in html
    assert 'data-verdict="not_kept"' in html  # the other categories still breach


@pytest.mark.parametrize(
    "change,verdict",
    [
        ({}, "kept"),  # 412 inquiries, none past the standard
        ({"past_response_standard": 5, "unanswered_past_standard": 5}, "not_kept"),
        ({"no_first_response": 3, "awaiting_within_standard": 3}, "kept"),  # awaiting within the standard
        ({"tickets": 0}, "not_assessable"),
        ({"past_response_standard": None, "unanswered_past_standard": None}, "not_computable"),
    ],
)
def test_support_verdict(change, verdict):
    summary = fake_summary()
    summary["support"].update(change)
    assert f'data-verdict="{verdict}"' in support.section(ctx(summary))


def test_support_explains_the_response_standard():
    summary = fake_summary()
    summary["support"].update(no_first_response=5, answered_late=1, unanswered_past_standard=3,
                              past_response_standard=4, awaiting_within_standard=2)
    html = visible(support.section(ctx(summary)))
    assert "Statistics of" not in html
    assert (
        "Of 412 inquiries received in the quarter, 407 got a first response by 30 September 2024 (median 3.2 h). "
        # contract reading 24: the standard is an answer (the first response or, failing that, the resolution)
        "4 missed the standard of an answer (a first response or, failing that, the resolution) within 5 working "
        "days: 1 answered late, 3 still unanswered past it. "
        "2 more await an answer and are still within the standard on 30 September 2024: not a failure."
    ) in html
    assert "✖ Internal standard missed Basis: internal standard" in html
    assert ("Internal standard (§1.4) “the company's service standard: an inquiry answered (first response, else "
            "resolution) within 5 working days”") in html
    assert "23 tickets (of any quarter) open on 30 September 2024" in html
    # how it was measured (reading 24)
    assert "an inquiry is answered by its first response or, failing that, its resolution" in html
    assert "A ticket resolved before it was created is left out of the standard." in html
    nl = visible(support.section(ctx(summary, language="nl")))
    assert "een vraag is beantwoord door de eerste reactie of, bij gebrek daaraan, de oplossing" in nl
    assert "kregen er 407 uiterlijk op 30 september 2024 een eerste reactie" in nl
    # reading 24, as in English
    assert ("4 haalden de norm van een antwoord (een eerste reactie of, bij gebrek daaraan, de oplossing) binnen 5 "
            "werkdagen niet: 1 te laat beantwoord, 3 nog onbeantwoord") in nl
    assert "Nog 2 wachten op een antwoord en vallen op 30 september 2024 nog binnen de norm" in nl
    assert "Interne norm niet gehaald" in nl and "Grondslag: interne norm" in nl
    summary["support"].update(answered_late=0, unanswered_past_standard=0, past_response_standard=0,
                              awaiting_within_standard=1)
    kept = visible(support.section(ctx(summary)))
    assert "✔ Internal standard met" in kept and "No inquiry missed the standard" in kept
    assert "1 more awaits an answer and is still within the standard on 30 September 2024" in kept  # reading 24


def test_rights_rest_on_the_law_and_quote_it():
    html = visible(rights.section(ctx()))
    assert "✖ Legal deadline missed Basis: law" in html
    assert "Legal basis (§3) “GDPR Art. 12(3): one month of receipt, extendable by two further months”" in html
    nl = visible(rights.section(ctx(language="nl")))
    assert "Wettelijke termijn overschreden" in nl and "Grondslag: wet" in nl
    assert "AVG art. 12, lid 3: binnen een maand na ontvangst" in nl


def test_rights_with_nothing_received_completed_or_open_is_not_assessable():
    summary = fake_summary()
    summary["rights"].update(
        received=0, completed=0, on_time=0, on_time_rate=None, open_overdue=0, open_not_due=0
    )
    assert 'data-verdict="not_assessable"' in rights.section(ctx(summary))
    summary["rights"]["open_not_due"] = 1  # one open, not yet due: checked, nothing late
    assert 'data-verdict="kept"' in rights.section(ctx(summary))


# --- the data behind the report ---------------------------------------------


def test_synthetic_sample_banner_comes_first():
    summary = fake_summary()
    assert "data-synthetic-sample" not in overview.title_block(ctx(summary))
    summary["data"]["synthetic_sample"] = True
    html = overview.title_block(ctx(summary))
    banner = "Synthetic sample data: these figures are not evidence about real people."
    assert banner in html
    assert html.index(banner) < html.index("<h1")
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
    table = overview.findings_table(ctx(summary))  # nor in the findings' change column
    assert not re.search(r"<td class=num>[+−±]", table)
