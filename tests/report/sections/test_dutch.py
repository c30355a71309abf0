"""A Dutch report of these sections holds no English UI words and no internal names (table names, codes)."""

from __future__ import annotations

import re

import pytest

from pipelines.report.kit import blocks
from pipelines.report.sections import inactivity, overview, retention
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import POLICY, DutchNamed, chart_text, ctx, prose, visible

TABLES = fake_tables(fake_summary())
POLICY_NL = DutchNamed(POLICY, "Privacybeleid van Connexeon BV")

#: English words of the report's own sentences (not loanwords Dutch uses: account, deadline, records, export;
#: "of", "is", "data", "was", "privacy" are Dutch words too)
ENGLISH = [
    "the", "or", "and", "are", "has", "have", "were", "with", "for", "past", "months", "month", "days",
    "not", "none", "kept", "promise", "promises", "overall", "worst", "held", "their", "its", "table",
    "checked", "nothing", "show", "chart", "inactive", "quarter", "more", "than", "up", "down", "from",
    "earlier", "policy", "erased", "late", "due", "next", "figures", "results", "run", "produced",
    "exported", "supplied",
]
#: internal names: result tables, exports, codes
INTERNAL = [
    "_", "12m+", "0-3m", "3-6m", "6-9m", "9-12m", "web_visits", "marketing_contacts", "inactivity",
    "retention", "not_kept", "n/a", "bad timestamp",
]


def dutch_page(summary=None, tables=None) -> str:
    c = ctx(summary, TABLES if tables is None else tables, "nl", POLICY_NL)
    parts = [
        overview.title_block(c, overall=True),
        overview.kpi_tiles(c),
        inactivity.section(c),
        retention.section(c),
        retention.clauses(c),
        overview.about(c),
        overview.title_block(c, "nb10_title", intro="nb10_intro"),
        overview.title_block(c, "nb20_title", intro="nb20_intro"),
        blocks.subsection(c, "nb10_buckets", "nb10_buckets_text"),
        blocks.subsection(c, "nb10_cohorts", "nb10_cohorts_text"),
        blocks.subsection(c, "nb10_trend"),
        blocks.subsection(c, "nb10_pipeline", "nb10_pipeline_text", days=inactivity.PIPELINE_DAYS),
        blocks.subsection(c, "nb_tables", "nb20_tables_text"),
        blocks.subsection(c, "nb20_trend"),
        blocks.subsection(c, "nb20_clauses"),
    ]
    for make in (
        inactivity.cohorts, inactivity.buckets, inactivity.trend, inactivity.erasure_pipeline,
        retention.breaches_by_category, retention.trend,
    ):
        frame = c.table(make.table)
        chart = make(frame, "nl")
        parts.append(chart_text(chart) if chart is not None else blocks.no_data(c, make.table))
    # worklist file names and the command are literal code, the same in any language
    return prose(" ".join(parts))


def leftovers(text: str) -> list[str]:
    words = set(re.findall(r"[A-Za-z]+", text.lower()))
    return sorted({w for w in ENGLISH if w in words} | {n for n in INTERNAL if n in text})


def test_a_dutch_page_has_no_english_and_no_internal_names():
    text = dutch_page()
    assert "Privacybeleid van Connexeon BV (versie van 17 juni 2024)" in text
    assert "30 september 2024" in text and "1.290" in text
    assert "Wettelijke termijn overschreden" in text and "Interne norm niet gehaald" in text
    assert leftovers(text) == []


def test_dutch_without_data_and_with_an_absent_export():
    summary = fake_summary()
    summary["retention"]["absent_tables"] = ["web_visits", "marketing_contacts"]
    summary["retention"]["withdrawn_consent_contacted"] = None
    empty = {name: frame.clear() for name, frame in TABLES.items() if name.startswith("inactivity_")}
    text = dutch_page(summary, empty)  # inactivity tables empty, retention tables absent
    assert "Niets te tonen" in text and "Geen gegevens" in text
    assert leftovers(text) == []
    nl = visible(blocks.no_data(ctx(summary, {}, "nl"), "retention_withdrawn_consent"))
    assert "marketingcontacten" in nl and leftovers(nl) == []


@pytest.mark.parametrize("word", ["the", "_", "web_visits"])
def test_the_check_can_fail(word):
    assert leftovers(f"iets {word} anders") != []
