"""Charts format numbers in the report's language: Vega's locale travels inside the spec."""

import re

import altair as alt
import vl_convert as vlc

from pipelines.report.kit import theme


def _labels(language: str) -> list[str]:
    chart = alt.Chart(alt.Data(values=[{"n": 1200}, {"n": 3400}])).mark_bar().encode(
        x=alt.X("n:Q", axis=alt.Axis(format=",d"))
    )
    svg = vlc.vegalite_to_svg(theme.localized(chart, language).to_dict(), vl_version=theme.vegalite_version())
    return re.findall(r">([0-9][0-9.,]*)<", svg)


def test_dutch_charts_group_thousands_with_a_dot_and_english_with_a_comma():
    assert "3.000" in _labels("nl") and "3,000" not in _labels("nl")
    assert "3,000" in _labels("en")


def test_localizing_keeps_the_chart_own_config():
    chart = alt.Chart(alt.Data(values=[{"n": 1}])).mark_bar().encode(x="n:Q").configure_view(stroke=None)
    spec = theme.localized(chart, "nl").to_dict()
    assert spec["config"]["view"]["stroke"] is None
    assert spec["config"]["locale"]["time"]["shortMonths"][2] == "mrt"
