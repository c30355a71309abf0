"""The chart renderer's mime bundle (what JupyterLab 4 draws) and colours keyed by code, not by label."""

from __future__ import annotations

import base64
import re
from datetime import date

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

from pipelines.report.kit import theme
from pipelines.report.sections import inactivity, quality, rights, support
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.svg_marks import data_layers, faults

TABLES = fake_tables(fake_summary())

#: every chart family of the report, drawn from the fake results
CHARTS = [
    ("inactivity_cohorts", inactivity.cohorts, {}),
    ("inactivity_buckets", inactivity.buckets, {}),
    ("inactivity_trend", inactivity.trend, {}),
    ("inactivity_erasure_pipeline", inactivity.erasure_pipeline, {}),
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


def bundle_of(chart) -> tuple[dict, dict]:
    theme.setup()
    out = chart._repr_mimebundle_()
    return out if isinstance(out, tuple) else (out, {})


def test_bundle_holds_what_jupyterlab_4_draws_untrusted():
    data, metadata = bundle_of(inactivity.buckets(TABLES["inactivity_buckets"], "en"))
    # JupyterLab 4's safe renderers: Vega 5 / Vega-Lite 5 and PNG; SVG is dropped untrusted
    assert set(data) == {
        "application/vnd.vegalite.v5+json",
        "application/vnd.vega.v5+json",
        "image/png",
        "text/plain",
    }
    assert data["application/vnd.vegalite.v5+json"]["$schema"].endswith("/vega-lite/v5.json")
    assert "/vega/v5" in data["application/vnd.vega.v5+json"]["$schema"]
    assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["text/plain"].startswith("Chart: ") and "<VegaLite" not in data["text/plain"]
    actions = metadata["application/vnd.vega.v5+json"]["embed_options"]["actions"]
    assert actions["editor"] is False  # the online editor is no use offline


def test_charts_are_compiled_with_vegalite_5():
    version = theme.vegalite_version()
    assert version and version.startswith("5.")
    assert version in vlc.get_vegalite_versions()
    assert theme.vegalite_version() == max(
        (v for v in vlc.get_vegalite_versions() if v.startswith("5.")),
        key=lambda v: tuple(map(int, v.split("."))),
    )


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("table,make,kwargs", CHARTS, ids=[c[0] for c in CHARTS])
def test_every_chart_is_valid_vegalite_5(table, make, kwargs, language):
    spec = theme.as_vegalite5(make(TABLES[table], language, **kwargs).to_dict())
    vega = theme.compile_vega(spec)  # raises when Vega-Lite 5 cannot compile it
    assert vega["marks"]
    svg = vlc.vega_to_svg(vega)
    title = spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
    words = re.findall(r"\w{4,}", str(title))[:2]
    assert all(w in svg for w in words), (words, title)


def channel_months(channels: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": ["2024-07"] * len(channels) + ["2024-08"] * len(channels),
            "channel": channels * 2,
            "tickets": list(range(1, 2 * len(channels) + 1)),
        }
    )


def colours(spec: dict) -> dict[str, str]:
    scale = spec["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"]))


def test_a_channel_keeps_its_colour_in_both_languages():
    frame = channel_months(["email", "help_center", "live_chat", "other"])
    en = support.by_channel_month(frame, "en").to_dict()
    nl = support.by_channel_month(frame, "nl").to_dict()
    assert en["encoding"]["color"]["field"] == "channel"  # the code, not the label
    assert colours(en) == colours(nl) == {
        "help_center": theme.BLUE,
        "live_chat": theme.ORANGE,
        "email": theme.GREEN,
        "other": theme.VERMILLION,
    }
    # the legend names the codes in the chart's language
    assert "helpcentrum" in vlc.vegalite_to_svg(nl, vl_version=theme.vegalite_version())
    assert "help center" in vlc.vegalite_to_svg(en, vl_version=theme.vegalite_version())


def test_a_channel_keeps_its_colour_when_others_are_absent():
    spec = support.by_channel_month(channel_months(["live_chat", "other"]), "en").to_dict()
    assert colours(spec) == {"live_chat": theme.ORANGE, "other": theme.VERMILLION}


def test_unknown_codes_take_unused_colours_in_code_order():
    one = theme.code_colours("channel", ["sms", "email", "fax"])
    other = theme.code_colours("channel", ["fax", "sms", "email"])
    assert one == other
    assert one["email"] == theme.GREEN
    assert one["fax"] not in theme.COLOURS["channel"].values()
    assert one["fax"] != one["sms"]
    assert theme.code_colours("reason", ["b", "a"], theme.PALETTE[1:]) == {
        "a": theme.PALETTE[1],
        "b": theme.PALETTE[2],
    }


def test_quality_colours_follow_the_code_not_the_rank():
    frame = pl.DataFrame(
        {"table_name": ["accounts", "accounts"], "reason": ["bad timestamp", "duplicate key"], "rows": [3, 1]}
    )
    flipped = frame.with_columns(pl.Series("rows", [1, 3]))
    a = colours(quality.rejects(frame, "en").to_dict())
    b = colours(quality.rejects(flipped, "nl").to_dict())
    assert a == b


def test_legend_labels_name_each_code_and_survive_quotes():
    expr = theme.legend_labels("nl", "right", ["erasure", 'odd "one"'])
    assert 'datum.value === "erasure" ? "wissing"' in expr
    assert '\\"one\\"' in expr and expr.endswith("datum.label")
    chart = alt.Chart(pl.DataFrame({"right": ["erasure", 'odd "one"'], "n": [1, 2]})).mark_bar().encode(
        x="n:Q", color=theme.code_colour("right", "right", ["erasure", 'odd "one"'], "nl")
    )
    svg = vlc.vegalite_to_svg(theme.as_vegalite5(chart.to_dict()), vl_version=theme.vegalite_version())
    assert "wissing" in svg and ">erasure<" not in svg



def test_a_bar_is_never_thinner_than_a_pixel_whatever_its_time_unit():
    """A day-wide bar on an axis of quarters (the exploration chart of issue 32) is drawn, not 0.05 px wide:
    the theme's least band (docs/report.md, "Charts"), at the notebook's width and a phone's."""
    theme.setup()
    ends = [date(2024, 12, 31), date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31),
            date(2026, 3, 31), date(2026, 6, 30)]
    past = pl.DataFrame({"quarter_end": ends, "past_deadline": [0, 0, 0, 0, 13, 40, 71]})
    for width in (520, 300):
        chart = alt.Chart(past).mark_bar().encode(
            x=alt.X("quarter_end:T", timeUnit="yearmonthdate"), y="past_deadline:Q"
        ).properties(width=width)
        svg = vlc.vegalite_to_svg(theme.as_vegalite5(chart.to_dict()), vl_version=theme.vegalite_version())
        [(kind, boxes)] = data_layers(svg)
        assert kind == "rect" and len(boxes) == len(ends)
        assert min(w for w, _ in boxes) >= theme.MIN_BAND - 1, (width, boxes)  # less Vega-Lite's 1 px spacing
        assert faults(svg) == [], width
