"""Support section and charts: findings in the titles, the reader's words for categories and time bins."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.report.kit.words import TEXT
from pipelines.report.sections import support
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import chart_text, ctx, title, visible

HISTOGRAM_SQL = Path(support.__file__).parents[2] / "metrics" / "sql" / "marts" / "support_duration_histogram.sql"


def durations_frame() -> pl.DataFrame:
    rows = [
        ("all", "first_response", 216, 2.6318, 22.19),
        ("help_center", "first_response", 79, 4.2564, 16.28),
        ("live_chat", "first_response", 63, 0.0497, 0.15),  # 3 minutes
        ("email", "first_response", 60, 14.2692, 49.92),
        ("all", "resolution", 203, 18.18, 77.1),
        ("live_chat", "resolution", 62, 1.14, 3.56),
    ]
    return pl.DataFrame(rows, schema=["channel", "measure", "tickets", "median_hours", "p90_hours"], orient="row")


def histogram_frame(bins=("<1h", "1-4h", "4-8h", "8-24h", "1-2d", "2-7d", "7d+")) -> pl.DataFrame:
    # all channels: first responses 50 + 20 + 0 + 10 within a day of 100; resolutions 90 of 100 within a week
    counts = {
        "first_response": [50, 20, 0, 10, 20, 0, 0],
        "resolution": [30, 10, 10, 10, 20, 10, 10],
    }
    rows = [
        (channel, measure, b, i + 1, n if channel == "all" else n // 2)
        for channel in ("all", "email", "live_chat")
        for measure, ns in counts.items()
        for i, (b, n) in enumerate(zip(bins, ns))
    ]
    return pl.DataFrame(rows, schema=["channel", "measure", "bin", "bin_order", "tickets"], orient="row")


def test_fmt_elapsed_shows_minutes_below_an_hour():
    assert support.fmt_elapsed(0.0497) == "3\u00a0min"
    assert support.fmt_elapsed(0.001) == "1\u00a0min"
    assert support.fmt_elapsed(1.0) == "1.0\u00a0h"
    assert support.fmt_elapsed(14.2692, "nl") == "14,3\u00a0u"
    assert support.fmt_elapsed(None) == "n/a"


def test_durations_title_states_the_median_and_the_fastest_and_slowest_channel():
    assert title(support.durations(durations_frame())) == (
        "Half of all tickets got a first response within 2.6\u00a0h; "
        "live chat was fastest (3\u00a0min), e-mail slowest (14.3\u00a0h)"
    )
    assert title(support.durations(durations_frame(), "nl")) == (
        "De helft van alle tickets kreeg binnen 2,6\u00a0u een eerste reactie; "
        "livechat was het snelst (3\u00a0min), e-mail het traagst (14,3\u00a0u)"
    )
    only_all = durations_frame().filter(pl.col("channel") == "all")
    assert title(support.durations(only_all)) == "Half of all tickets got a first response within 2.6\u00a0h"


def test_histogram_title_states_the_shares_within_a_day_and_a_week():
    assert title(support.duration_histogram(histogram_frame())) == (
        "80% of first responses came within a day; 90% of resolved tickets were resolved within a week"
    )
    assert title(support.duration_histogram(histogram_frame(), "nl")) == (
        "80% van de eerste reacties kwam binnen een dag; 90% van de opgeloste tickets was binnen een week opgelost"
    )
    other_bins = histogram_frame(("0-2h", "2-6h", "6-12h", "12-36h", "36-72h", "3-9d", "9d+"))
    assert title(support.duration_histogram(other_bins)) == TEXT["t_histogram_plain"][0]


def test_histogram_bins_are_in_the_readers_words():
    nl = chart_text(support.duration_histogram(histogram_frame(), "nl"))
    for shown in ("<1 u", "1–4 u", "8–24 u", "1–2 d", "7+ d", "livechat"):
        assert shown in nl
    for code in ("<1h", "1-4h", "7d+", "live_chat", "first_response"):
        assert code not in nl


def test_every_bin_the_family_writes_has_a_name_in_the_catalogue():
    bins = re.findall(r"\('([^']+)', \d+, \d+, (?:\d+|NULL)\)", HISTOGRAM_SQL.read_text(encoding="utf-8"))
    assert len(bins) == 7 and support.DAY_BIN in bins and support.WEEK_BIN in bins
    assert [b for b in bins if f"bin_{b}" not in TEXT] == []


def test_categories_are_named_and_the_title_gives_the_shares():
    frame = pl.DataFrame(
        {"category": ["how_to", "billing", "bug", "account", "privacy"], "tickets": [141, 96, 88, 61, 26]}
    )  # 412 tickets: 141 = 34.2%, 26 = 6.3%
    assert title(support.by_category(frame)) == "Most tickets concern how-to questions (34%); 6% concern privacy"
    assert title(support.by_category(frame, "nl")) == "De meeste tickets gaan over gebruiksvragen (34%); 6% over privacy"
    text = chart_text(support.by_category(frame, "nl"))
    assert "gebruiksvragen" in text and "fouten" in text and "how_to" not in text
    top_privacy = pl.DataFrame({"category": ["privacy", "bug"], "tickets": [3, 2]})
    assert title(support.by_category(top_privacy)) == "Most tickets concern privacy (60%)"


@pytest.mark.parametrize("language,date", [("en", "30 September 2024"), ("nl", "30 september 2024")])
def test_section_dates_are_words(language, date):
    text = visible(support.section(ctx(language=language)))
    assert date in text and "2024-09-30" not in text


def test_undeclared_categories_show_as_other_with_their_number_of_values_last():
    # docs/contract.md "Only declared values": the table names only declared categories; 'other'
    # carries how many distinct values it holds, and the report says so in words
    frame = pl.DataFrame(
        {"category": ["other", "billing", "privacy"], "tickets": [9, 5, 2], "other_values": [3, None, None]}
    )
    chart = support.by_category(frame)
    order = chart.to_dict()["layer"][0]["encoding"]["y"]["sort"]
    assert order == ["billing", "privacy", "other (3 values)"]  # 'other' last whatever its count
    assert title(chart) == "Most tickets concern other (3 values) (56%); 12% concern privacy"
    assert "other (3 values)" in chart_text(chart)
    assert "overig (3 waarden)" in chart_text(support.by_category(frame, "nl"))
    one = frame.with_columns(pl.col("other_values").replace(3, 1))
    assert "overig (1 waarde)" in chart_text(support.by_category(one, "nl"))


def test_the_section_counts_undeclared_categories_in_words():
    summary = fake_summary()
    summary["support"]["by_category"] = {"billing": 5, "other": 4}
    summary["support"]["category_other_distinct"] = 3
    assert (
        "4 tickets had a category the policy file does not declare; they count as other (3 values)."
        in visible(support.section(ctx(summary)))
    )
    assert (
        "4 tickets hadden een categorie die het beleidsbestand niet opgeeft; ze tellen als overig (3 waarden)."
        in visible(support.section(ctx(summary, language="nl")))
    )
    summary["support"]["by_category"] = {"billing": 5}
    summary["support"]["category_other_distinct"] = 0
    assert "does not declare" not in visible(support.section(ctx(summary)))
