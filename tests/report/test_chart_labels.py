"""Bar labels a reader must see: every one drawn, none cut off at the chart's right edge, in both languages.

Drawn with vl-convert, whose Vega measures text as it draws: with Vega's
default autosize ("pad") a view grows to hold every mark, so a chart whose
labels all lie inside it is exactly its axes, its plot and its padding wide.
The page draws the same spec as wide as the page (``export.fit_width``), so
each chart is checked over the plot widths a phone, a half-screen window and a
laptop give. The browser check of the same charts is ``test_layout_browser.py``.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
import vl_convert as vlc

from pipelines.report.export import fit_width, split_title
from pipelines.report.kit import theme
from pipelines.report.kit.words import label
from pipelines.report.sections import retention, rights
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import chart_text

TABLES = fake_tables(fake_summary())
#: plot widths (px): a 420 px phone (~130), 800 px and 1280 px windows (~460, ~680), and more
WIDTHS = (130, 200, 300, 400, 460, 600, 680, 900)
#: the widest axis beside a plot (the retention chart's category names, ``labelLimit`` 260)
AXIS = 260
RIGHT_PADDING = theme.theme()["config"]["padding"]["right"]


def longest_breaches() -> pl.DataFrame:
    """The retention table with the longest realistic label: 1,234,567 records, the oldest 3,650 days overdue."""
    frame = TABLES["retention_breaches"]
    logs = pl.col("category") == "logs"
    return frame.with_columns(
        pl.when(logs).then(1_234_567).otherwise(pl.col("breaches")).alias("breaches"),
        pl.when(logs).then(3_650).otherwise(pl.col("oldest_days_overdue")).alias("oldest_days_overdue"),
    )


def page_spec(chart, language: str, width: int) -> dict:
    """The spec as the page draws it (the report's theme, titles set as page text), at a fixed plot ``width``."""
    theme.setup()
    spec = theme.as_vegalite5(theme.localized(chart, language).to_dict())
    _, _, spec = split_title(spec)
    # the page's spec, at a fixed width with Vega's autosize "pad"; its legends stack in one column on
    # a narrow page (containerSize: the plot and, at most, the axis beside it)
    spec = {k: v for k, v in fit_width(spec).items() if k != "autosize"}
    spec = json.loads(json.dumps(spec).replace("containerSize()[0]", str(width + AXIS)))
    return {**spec, "width": width}


def scenegraph(spec: dict) -> dict:
    return vlc.vegalite_to_scenegraph(spec, vl_version=theme.vegalite_version())


def texts(node, role=None) -> list[tuple[str, str, float | None]]:
    """(role, text, opacity) of every text item of a scenegraph; an axis label hidden for overlap has opacity 0."""
    found = []
    if isinstance(node, dict):
        role = node.get("role", role)
        if "text" in node and "x" in node:
            found.append((role, str(node["text"]), node.get("opacity")))
        for value in node.values():
            found.extend(texts(value, role))
    elif isinstance(node, list):
        for value in node:
            found.extend(texts(value, role))
    return found


def overflow(spec: dict) -> float:
    """How far (px) anything reaches right of the plot's padding: 0 when every label lies inside the chart."""
    graph = scenegraph(spec)
    return graph["width"] - (graph["origin"][0] + spec["width"] + RIGHT_PADDING)


def mark_labels(spec: dict) -> list[str]:
    return [text for role, text, _ in texts(scenegraph(spec)) if role == "mark"]


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("width", WIDTHS)
def test_retention_bar_labels_fit_inside_the_chart(language, width):
    spec = page_spec(retention.breaches_by_category(longest_breaches(), language), language, width)
    assert overflow(spec) <= 0.5, (width, mark_labels(spec))


@pytest.mark.parametrize("language", ["en", "nl"])
def test_retention_bar_labels_fit_with_the_sample_figures(language):
    """The auditor's case: "369 · oldest 247 days overdue" was cut off at the right."""
    frame = TABLES["retention_breaches"].with_columns(
        pl.when(pl.col("category") == "logs").then(369).otherwise(pl.col("breaches")).alias("breaches"),
        pl.lit(247).alias("oldest_days_overdue"),
    )
    for width in WIDTHS:
        spec = page_spec(retention.breaches_by_category(frame, language), language, width)
        assert overflow(spec) <= 0.5, (width, mark_labels(spec))


@pytest.mark.parametrize(
    "language,full,count",
    [("en", "1,234,567 · oldest 3,650 days overdue", "1,234,567"), ("nl", "1.234.567 · oudste 3.650 dagen over termijn", "1.234.567")],
)
def test_a_wide_chart_says_the_oldest_overdue_a_narrow_one_the_count(language, full, count):
    chart = retention.breaches_by_category(longest_breaches(), language)
    # the notebook's own width (JupyterLab, the PNG, the page's <noscript> picture) and a laptop's page
    assert full in chart_text(chart)
    assert full in mark_labels(page_spec(chart, language, 680))
    narrow = mark_labels(page_spec(chart, language, 130))
    assert count in narrow and full not in narrow


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_open_request_age_is_named(language, width):
    """All eight ages on the axis (none hidden to avoid overlap), each bar with its count, inside the chart."""
    frame = TABLES["rights_open_ageing"]
    spec = page_spec(rights.open_ageing(frame, language), language, width)
    drawn = texts(scenegraph(spec))
    ages = [label(language, "age", code) for code in frame.sort("bucket_order").get_column("bucket")]
    labels = [(text, opacity) for role, text, opacity in drawn if role == "axis-label" and text in ages]
    assert [text for text, _ in labels] == ages and len(ages) == 8
    assert all(opacity != 0 for _, opacity in labels), labels
    assert len([text for role, text, _ in drawn if role == "mark"]) == 8
    assert overflow(spec) <= 0.5
