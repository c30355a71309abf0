"""Chart functions: small aggregated frames in, titled Altair charts out; None when there is nothing to draw."""

from __future__ import annotations

import base64
import json

import altair as alt
import polars as pl
import pytest

from pipelines.report.kit import theme
from pipelines.report.sections import inactivity, quality, retention, rights, support
from tests.report.fake_results import fake_summary, fake_tables

TABLES = fake_tables(fake_summary())

CASES = [
    ("inactivity_cohorts", inactivity.cohorts, {}),
    ("inactivity_buckets", inactivity.buckets, {}),
    ("inactivity_trend", inactivity.trend, {}),
    ("inactivity_erasure_pipeline", inactivity.erasure_pipeline, {}),
    ("retention_breaches", retention.breaches_by_category, {}),
    ("retention_trend", retention.trend, {}),
    ("support_by_channel_month", support.by_channel_month, {}),
    ("support_by_category", support.by_category, {}),
    ("support_durations", support.durations, {}),
    ("support_duration_histogram", support.duration_histogram, {}),
    ("rights_by_right", rights.by_right, {}),
    ("rights_days_spare", rights.days_to_complete, {}),
    ("rights_on_time_trend", rights.on_time_trend, {}),
    ("rights_open_ageing", rights.open_ageing, {"open_overdue": 2}),
    ("quality_rejects", quality.rejects, {}),
    ("quality_flags", quality.flags, {}),
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
    assert 0 < _rows(spec) <= theme.MAX_ROWS


@pytest.mark.parametrize("table,make,kwargs", CASES, ids=[c[0] for c in CASES])
def test_absent_or_empty_table_gives_no_chart(table, make, kwargs):
    assert make(None, "en", **kwargs) is None
    assert make(TABLES[table].clear(), "en", **kwargs) is None


def test_titles_state_the_finding():
    assert _title(retention.trend(TABLES["retention_trend"])) == (
        "37 accounts past their deadline on 30 September 2024, up from 32 a quarter earlier"
    )
    only_accounts = TABLES["retention_breaches"].with_columns(
        pl.when(pl.col("category") == "account")
        .then(pl.col("breaches"))
        .otherwise(0)
        .alias("breaches")
    )
    assert (
        _title(retention.breaches_by_category(only_accounts))
        == "Accounts (§1.1): 37 records past their retention deadline"  # one figure alone: counted together
    )
    assert (
        _title(retention.breaches_by_category(TABLES["retention_breaches"]))
        == "5 of 6 categories hold records past their retention deadline"  # no total over kinds of records
    )
    assert (
        _title(rights.on_time_trend(TABLES["rights_on_time_trend"]))
        == "89% of requests completed on time in 2024Q3, against 81% in 2024Q2"
    )
    assert (
        _title(rights.on_time_trend(TABLES["rights_on_time_trend"], "nl"))
        == "89% van de verzoeken tijdig afgehandeld in 2024Q3, tegenover 81% in 2024Q2"
    )


def test_axes_are_labelled():
    spec = json.dumps(
        inactivity.erasure_pipeline(TABLES["inactivity_erasure_pipeline"]).to_dict()
    )
    assert "Week of deadline (Monday)" in spec and '"Accounts"' in spec
    spec = json.dumps(support.durations(TABLES["support_durations"]).to_dict())
    assert '"Hours"' in spec


def test_request_chart_counts_every_completed_request_in_fewer_bars():
    spare = TABLES["rights_days_spare"]
    spec = rights.days_to_complete(spare).to_dict()
    points = [
        rows
        for name, rows in spec["datasets"].items()
        if rows and "requests" in rows[0]
    ]
    assert sum(r["requests"] for r in points[0]) == spare["requests"].sum()
    assert len(points[0]) < spare["requests"].sum()


def test_a_wide_spread_of_days_is_binned_into_at_most_max_bars():
    wide = pl.DataFrame(
        {"spare": list(range(-400, 400)), "on_time": [d >= 0 for d in range(-400, 400)], "requests": [3] * 800}
    )
    spec = rights.days_to_complete(wide).to_dict()
    bars = next(rows for rows in spec["datasets"].values() if rows and "requests" in rows[0])
    assert len(bars) <= rights.MAX_BARS + 2  # one edge at the deadline: a bin may split in two statuses
    assert sum(r["requests"] for r in bars) == 2400


def test_missing_table_breach_is_not_checked_not_zero():
    spec = retention.breaches_by_category(TABLES["retention_breaches"]).to_dict()
    rows = [
        r
        for rows in spec["datasets"].values()
        for r in rows
        if r.get("category", "").startswith("Website analytics")
    ]
    assert rows[0]["status"] == "unchecked" and "not exported" in rows[0]["note"]


def test_palette_is_okabe_ito_and_renderer_carries_the_spec():
    theme.setup()
    assert alt.theme.active == theme.THEME
    bundle = inactivity.buckets(TABLES["inactivity_buckets"])._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert theme.VEGALITE_MIMETYPE in bundle
    # what JupyterLab 4 draws, untrusted too, and the static fallback of other viewers
    assert {"application/vnd.vega.v5+json", "image/png"} <= set(bundle)
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
    assert "<VegaLite" not in bundle["text/plain"]
    assert set(theme.PALETTE[:7]) <= {
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#CC79A7",
        "#56B4E9",
        "#F0E442",
        "#8C8C8C",
    }
