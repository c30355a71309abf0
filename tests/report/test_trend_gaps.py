"""Trends before the exports begin: a quarter ending before ``data.first_date`` is a gap, never a 0.

The results' trend tables (``inactivity_trend``, ``retention_trend``,
``rights_on_time_trend``) hold a row for each of the last eight quarters,
0 where nothing was counted (``metrics.inactivity.complete_trend`` fills the
grid; ``rights_on_time_trend.sql`` counts 0 completed). A quarter that ended
before the exports begin was not observed at all, so the charts leave it
empty (docs/report.md, "Trends before the exports begin"); the tables and
the quarters within the data are drawn as they are.
"""

from __future__ import annotations

import polars as pl
import pytest
import vl_convert as vlc

from pipelines.report import nb
from pipelines.report.kit import theme
from pipelines.report.sections import inactivity, retention, rights
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import ctx

TABLES = fake_tables(fake_summary())
#: the fake trends' quarters end 2022-12-31 ... 2024-09-30: the first two end before this date
FIRST = "2023-04-15"
BEFORE = ["2022Q4", "2023Q1"]
QUARTERS = ["2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"]


def chart_rows(chart) -> list[dict]:
    """The rows the chart draws (its one dataset holding a quarter)."""
    spec = chart.to_dict()
    return next(rows for rows in spec["datasets"].values() if rows and "quarter" in rows[0])


def x_domain(chart) -> list:
    spec = chart.to_dict()
    layers = spec.get("layer", [spec])
    scales = [
        layer["encoding"]["x"].get("scale", {}).get("domain")
        for layer in layers
        if "encoding" in layer and "x" in layer["encoding"]
    ]
    scales += [spec.get("encoding", {}).get("x", {}).get("scale", {}).get("domain")]
    return next(d for d in scales if d)


def marks(chart, marktype: str) -> list[dict]:
    """The drawn items of ``marktype`` (vl-convert's scenegraph)."""
    theme.setup()
    spec = theme.as_vegalite5(chart.to_dict())
    graph = vlc.vegalite_to_scenegraph(spec, vl_version=theme.vegalite_version())

    def walk(node, in_mark=False):
        found = []
        if isinstance(node, dict):
            here = node.get("marktype") == marktype and node.get("role") == "mark"
            if in_mark and "x" in node:
                found.append(node)
            for value in node.values():
                found.extend(walk(value, in_mark or here))
        elif isinstance(node, list):
            for value in node:
                found.extend(walk(value, in_mark))
        return found

    return walk(graph)


def subtitle(chart) -> str:
    return chart.to_dict()["title"]["subtitle"]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_retention_trend_leaves_quarters_before_the_exports_empty(language):
    frame = TABLES["retention_trend"]
    chart = retention.trend(frame, language, first_date=FIRST)
    rows = chart_rows(chart)
    assert [r["accounts"] for r in rows if r["quarter"] in BEFORE] == [None, None]
    # the quarters within the data are drawn as the table has them
    assert [r["accounts"] for r in rows if r["quarter"] not in BEFORE] == frame.get_column(
        "accounts_past_deadline"
    ).to_list()[2:]
    assert x_domain(chart) == QUARTERS  # the empty quarters stay on the axis, as a gap
    assert len(marks(chart, "symbol")) == 6 and len(marks(chart, "text")) == 6
    assert {"en": "15 April 2023", "nl": "15 april 2023"}[language] in subtitle(chart)


def test_retention_trend_with_every_quarter_in_the_data_is_unchanged():
    frame = TABLES["retention_trend"]
    for first in (None, "2022-10-01", "2022-12-31"):
        chart = retention.trend(frame, "en", first_date=first)
        assert [r["accounts"] for r in chart_rows(chart)] == frame.get_column("accounts_past_deadline").to_list()
        assert subtitle(chart) == "Accounts past their erasure deadline at each quarter end"
        assert len(marks(chart, "symbol")) == 8


def test_a_zero_before_the_exports_is_no_change_to_compare_with():
    """The title compares with the previous quarter only when the exports cover it."""
    frame = TABLES["retention_trend"]
    title = retention.trend(frame, "en", first_date="2024-07-01").to_dict()["title"]["text"]
    assert title == "37 accounts past their deadline on 30 September 2024"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_inactivity_trend_draws_no_bars_before_the_exports(language):
    frame = TABLES["inactivity_trend"]
    chart = inactivity.trend(frame, language, first_date=FIRST)
    rows = chart_rows(chart)
    assert not [r for r in rows if r["quarter"] in BEFORE]
    within = frame.filter(pl.col("quarter_end") >= pl.date(2023, 4, 1))
    assert sorted((r["quarter"], r["bucket"], r["accounts"]) for r in rows) == sorted(
        (theme.quarter_label(q), b, a) for q, b, a in within.select("quarter_end", "bucket", "accounts").iter_rows()
    )
    assert x_domain(chart) == QUARTERS
    assert {"en": "15 April 2023", "nl": "15 april 2023"}[language] in subtitle(chart)


def test_inactivity_trend_title_compares_only_within_the_data():
    frame = TABLES["inactivity_trend"]
    title = inactivity.trend(frame, "en", first_date="2024-07-01").to_dict()["title"]["text"]
    assert title == "62 accounts inactive for 12 months or more on 30 September 2024"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_on_time_trend_has_no_rate_nor_zero_counts_before_the_exports(language):
    frame = TABLES["rights_on_time_trend"].with_columns(
        # what the results hold for a quarter before the exports: 0 completed, no rate
        pl.when(pl.col("quarter") == "2022Q4").then(0).otherwise(pl.col("completed")).alias("completed"),
        pl.when(pl.col("quarter") == "2022Q4").then(0).otherwise(pl.col("on_time")).alias("on_time"),
        pl.when(pl.col("quarter") == "2022Q4").then(None).otherwise(pl.col("on_time_rate")).alias("on_time_rate"),
    )
    chart = rights.on_time_trend(frame, language, first_date=FIRST)
    rows = {r["quarter"]: r for r in chart_rows(chart)}
    for quarter in BEFORE:
        assert (rows[quarter]["rate"], rows[quarter]["completed"], rows[quarter]["on_time"]) == (None, None, None)
    assert rows["2023Q3"]["completed"] == 40 and rows["2023Q3"]["rate"] == pytest.approx(0.9)
    assert x_domain(chart) == QUARTERS
    # 2023Q2 is within the data but completed nothing: no rate either (as before)
    assert len(marks(chart, "symbol")) == 5


def test_nb_chart_gives_a_trend_the_exports_first_date(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    summary = fake_summary()
    summary["data"]["first_date"] = FIRST
    nb.chart(ctx(summary=summary), retention.trend)
    rows = chart_rows(shown[0])
    assert [r["accounts"] for r in rows[:2]] == [None, None]
    # a chart without the parameter is called as before
    nb.chart(ctx(summary=summary), retention.breaches_by_category)
    assert len(shown) == 2
