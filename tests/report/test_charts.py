"""Chart functions: small aggregated frames in, titled Altair charts out; None when there is nothing to draw."""

from __future__ import annotations

import json

import altair as alt
import polars as pl
import pytest

from pipelines.report import charts
from tests.report.fake_results import fake_summary, fake_tables

TABLES = fake_tables(fake_summary())

CASES = [
    ("inactivity_cohorts", charts.inactivity_cohorts, {}),
    ("inactivity_buckets", charts.inactivity_buckets, {}),
    ("inactivity_trend", charts.inactivity_trend, {}),
    ("inactivity_erasure_pipeline", charts.erasure_pipeline, {}),
    ("retention_breaches", charts.breaches_by_category, {}),
    ("retention_trend", charts.retention_trend, {}),
    ("support_by_channel_month", charts.tickets_by_channel_month, {}),
    ("support_by_category", charts.support_by_category, {}),
    ("support_durations", charts.support_durations, {}),
    ("support_duration_histogram", charts.support_duration_histogram, {}),
    ("rights_by_right", charts.requests_by_right, {}),
    ("rights_requests", charts.days_to_complete, {}),
    ("rights_on_time_trend", charts.on_time_trend, {}),
    ("rights_open_ageing", charts.rights_open_ageing, {"open_overdue": 2}),
    ("quality_rejects", charts.quality_rejects, {}),
    ("quality_flags", charts.quality_flags, {}),
]


def _title(chart) -> str:
    spec = chart.to_dict()
    title = spec["title"]
    return title["text"] if isinstance(title, dict) else title


def _rows(spec: dict) -> int:
    return sum(len(v) for v in spec.get("datasets", {}).values())


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("table,make,kwargs", CASES, ids=[c[0] for c in CASES])
def test_chart_from_its_table(table, make, kwargs, language):
    chart = make(TABLES[table], language, **kwargs)
    assert chart is not None
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert _title(chart)
    assert 0 < _rows(spec) <= charts.MAX_ROWS


@pytest.mark.parametrize("table,make,kwargs", CASES, ids=[c[0] for c in CASES])
def test_absent_or_empty_table_gives_no_chart(table, make, kwargs):
    assert make(None, "en", **kwargs) is None
    assert make(TABLES[table].clear(), "en", **kwargs) is None


def test_titles_state_the_finding():
    assert _title(charts.retention_trend(TABLES["retention_trend"])) == (
        "37 accounts past their deadline on 2024-09-30, up from 32 a quarter earlier"
    )
    only_accounts = TABLES["retention_breaches"].with_columns(
        pl.when(pl.col("category") == "account")
        .then(pl.col("breaches"))
        .otherwise(0)
        .alias("breaches")
    )
    assert (
        _title(charts.breaches_by_category(only_accounts))
        == "37 accounts are past their erasure deadline"
    )
    assert (
        _title(charts.breaches_by_category(TABLES["retention_breaches"]))
        == "1,356 records are held past their retention deadline"
    )
    assert (
        _title(charts.on_time_trend(TABLES["rights_on_time_trend"]))
        == "89% of requests completed on time in 2024Q3"
    )
    assert (
        _title(charts.on_time_trend(TABLES["rights_on_time_trend"], "nl"))
        == "89% van de verzoeken tijdig afgehandeld in 2024Q3"
    )


def test_axes_are_labelled():
    spec = json.dumps(
        charts.erasure_pipeline(TABLES["inactivity_erasure_pipeline"]).to_dict()
    )
    assert "Week of deadline (Monday)" in spec and '"Accounts"' in spec
    spec = json.dumps(charts.support_durations(TABLES["support_durations"]).to_dict())
    assert '"Hours"' in spec


def test_request_chart_holds_no_keys_and_aggregates():
    spec = charts.days_to_complete(TABLES["rights_requests"]).to_dict()
    text = json.dumps(spec)
    assert "pseudo" not in text and '"key"' not in text
    completed = (
        TABLES["rights_requests"]
        .filter(pl.col("days_to_complete").is_not_null())
        .height
    )
    points = [
        rows
        for name, rows in spec["datasets"].items()
        if rows and "requests" in rows[0]
    ]
    assert sum(r["requests"] for r in points[0]) == completed
    assert len(points[0]) < completed


def test_a_large_request_table_still_fits_in_a_chart():
    big = pl.concat([TABLES["rights_requests"]] * 200)  # > 5,000 rows
    assert big.height > charts.MAX_ROWS
    assert charts.days_to_complete(big).to_dict()


def test_missing_table_breach_is_not_checked_not_zero():
    spec = charts.breaches_by_category(TABLES["retention_breaches"]).to_dict()
    rows = [
        r
        for rows in spec["datasets"].values()
        for r in rows
        if r.get("category", "").startswith("Website analytics")
    ]
    assert rows[0]["status"] == "unchecked" and "not exported" in rows[0]["note"]


def test_palette_is_okabe_ito_and_renderer_carries_the_spec():
    charts.setup()
    assert alt.theme.active == charts.THEME
    bundle = charts.inactivity_buckets(TABLES["inactivity_buckets"])._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert charts.VEGALITE_MIMETYPE in bundle
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")
    assert "<VegaLite" not in bundle["text/plain"]
    assert set(charts.PALETTE[:7]) <= {
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#CC79A7",
        "#56B4E9",
        "#F0E442",
        "#8C8C8C",
    }
