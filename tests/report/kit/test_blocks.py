"""Page blocks: "no data" in the reader's words (not exported, not produced, empty, unusable), policy numbers."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.report.kit import blocks
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import POLICY, ctx, visible

TABLES = fake_tables(fake_summary())


def no_data(tables: dict, table: str, language: str = "en", summary=None) -> str:
    return visible(blocks.no_data(ctx(summary, tables, language), table))


def test_a_table_the_run_did_not_produce():
    text = no_data({}, "rights_on_time_trend")
    assert text == (
        "No data: the results hold no on-time rates by quarter; the run that wrote them did not produce this table."
    )
    assert "rights_on_time_trend" not in text and "_" not in text
    assert no_data({}, "rights_on_time_trend", "nl") == (
        "Geen gegevens: de resultaten bevatten geen tijdigheidscijfers per kwartaal; "
        "de berekening die ze schreef, heeft deze tabel niet aangemaakt."
    )


def test_an_empty_table_is_nothing_in_this_quarter():
    empty = {"inactivity_erasure_pipeline": TABLES["inactivity_erasure_pipeline"].clear()}
    assert no_data(empty, "inactivity_erasure_pipeline") == (
        "Nothing to show: the results hold no accounts reaching their erasure deadline soon for 2024Q3."
    )
    assert no_data(empty, "inactivity_erasure_pipeline", "nl").startswith("Niets te tonen: ")


def test_a_table_reading_an_optional_export_that_was_not_supplied():
    summary = fake_summary()
    summary["retention"]["absent_tables"] = ["marketing_contacts"]
    tables = {"retention_withdrawn_consent": TABLES["retention_withdrawn_consent"].clear()}
    assert no_data(tables, "retention_withdrawn_consent", summary=summary) == (
        "Not checked: the marketing contacts reached after withdrawing consent need the marketing contacts "
        "export, which was not supplied."
    )
    nl = no_data(tables, "retention_withdrawn_consent", "nl", summary)
    assert "marketingcontacten" in nl and "marketing_contacts" not in nl
    # the same table with marketing exported: simply nothing this quarter
    assert no_data(tables, "retention_withdrawn_consent").startswith("Nothing to show: ")


def test_a_table_in_another_shape_and_an_unknown_table():
    odd = {"inactivity_buckets": pl.DataFrame({"x": [1]})}
    assert no_data(odd, "inactivity_buckets") == (
        "No chart: the results' accounts by months since last activity lack what the chart needs."
    )
    assert no_data({}, "some_new_table") == (
        "No data: the results hold no figures for this part; the run that wrote them did not produce this table."
    )


def test_the_table_name_is_kept_only_as_an_attribute():
    markup = blocks.no_data(ctx(tables={}), "retention_trend")
    assert 'data-nodata="retention_trend"' in markup
    assert "retention_trend" not in visible(markup)


def test_policy_numbers_come_from_the_policy():
    assert blocks.policy_values(ctx()) == {"months": "12", "due_days": "30"}
    policy = POLICY.with_period("account_erasure", "1500 months")
    assert blocks.policy_values(ctx(policy=policy, language="nl"))["months"] == "1.500"


@pytest.mark.parametrize(
    "last,previous,en,nl",
    [
        (37, 32, "up from 32 a quarter earlier", "tegenover 32 een kwartaal eerder"),
        (30, 1032, "down from 1,032 a quarter earlier", "tegenover 1.032 een kwartaal eerder"),
        (5, 5, "the same as a quarter earlier", "evenveel als een kwartaal eerder"),
        (5, None, "", ""),
    ],
)
def test_change_words(last, previous, en, nl):
    assert blocks.change_words(last, previous, "en") == en
    assert blocks.change_words(last, previous, "nl") == nl


def test_subsection_fills_policy_numbers_and_given_values():
    markup = blocks.subsection(ctx(language="nl"), "nb10_pipeline", "nb10_pipeline_text", days=1200)
    assert visible(markup) == (
        "Te wissen accounts Accounts waarvan de termijn in de komende 1.200 dagen valt: het werk voor het komende kwartaal."
    )


# --- the inline styles the notebooks keep in JupyterLab, read from components.css -------------------


def test_inline_styles_are_the_stylesheets_declarations_without_what_jupyterlab_drops():
    from pipelines.report.kit.blocks import LAB_SELECTORS, component_rules, lab_style

    rules = component_rules()
    assert rules[".kpi-grid"]["display"] == "grid"
    assert ".kpi-grid" in rules and "@media" not in " ".join(rules)  # widths a media query decides stay out
    # a later rule for the same selector wins, as in the browser: th's bottom border is the 2px one
    assert rules[".pr-table th"]["border-bottom"] == "2px solid #c9d1d9"
    assert "font-variant-numeric" not in lab_style("kpi-value") and "font-size:2rem" in lab_style("kpi-value")
    assert lab_style("th").startswith("border:none")  # JupyterLab's own table borders reset first
    assert "white-space" not in lab_style("pill")  # a pill wraps in the findings table
    for name, selectors in LAB_SELECTORS.items():
        assert all(s in rules for s in selectors), name


def test_a_verdicts_colour_is_its_pills_in_the_stylesheet():
    from pipelines.report.kit.blocks import component_rules, lab_style, verdict_box, verdict_ink

    assert lab_style(verdict_ink("not_kept")) == f"color:{component_rules()['.pr-pill--not_kept']['color']}"
    assert lab_style(verdict_ink("info")) == ""  # keeps the text's colour
    assert "background:#ecf8f3" in lab_style("verdict", verdict_box("kept"))
