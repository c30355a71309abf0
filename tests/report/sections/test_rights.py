"""Rights section and charts: deadlines from the policy, plurals, days to spare, an on-time axis that fits."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.report.kit import theme
from pipelines.report.kit.words import TEXT
from pipelines.report.sections import rights
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import (
    POLICY,
    chart_text,
    ctx,
    subtitle,
    title,
    visible,
)

AGEING_SQL = Path(rights.__file__).parents[2] / "metrics" / "sql" / "marts" / "rights_open_ageing.sql"


def requests(*rows: tuple[int, int, int]) -> pl.DataFrame:
    """(days allowed, days taken, how many) -> the chart's table, counted from per-request rows with keys."""
    out = [
        {"request_key": f"k{i}{j}", "days_allowed": allowed, "days_to_complete": taken, "on_time": taken <= allowed}
        for i, (allowed, taken, n) in enumerate(rows)
        for j in range(n)
    ]
    return rights.spare_days(pl.DataFrame(out))


def test_how_states_the_policy_deadlines():
    assert "The deadline of 1 month runs from the day the request was received; it becomes 3 months" in (
        rights.how(ctx())
    )
    assert "De termijn van 1 maand loopt vanaf de dag van ontvangst van het verzoek; hij wordt 3 maanden" in (
        rights.how(ctx(language="nl"))
    )
    other = POLICY.with_period("rights_on_time", "2 months", extended="4 months")
    assert "The deadline of 2 months" in rights.how(ctx(policy=other))
    assert "it becomes 4 months" in rights.how(ctx(policy=other))


def test_plurals_and_the_missed_request_window():
    summary = fake_summary()
    summary["rights"].update(completed=1, on_time_rate=1.0, open_overdue=0, received=1)
    summary["support"].update(missed_rights_requests=1, missed_request_window_days=1)
    text = visible(rights.section(ctx(summary)))
    assert "The one request completed this quarter was on time" in text
    assert "1 privacy ticket was not followed by a rights request within 1 day" in text
    assert "1 request was received;" in text
    summary["rights"].update(completed=54, on_time_rate=0.8889, open_overdue=1)
    summary["support"].update(missed_rights_requests=3, missed_request_window_days=30)
    nl = visible(rights.section(ctx(summary, language="nl")))
    assert "1 open verzoek is over zijn termijn." in nl
    assert "3 privacytickets werden niet binnen 30 dagen gevolgd" in nl


def test_days_to_complete_counts_days_to_spare_and_names_the_latest():
    frame = requests((30, 10, 3), (30, 35, 1), (92, 60, 1))  # spare 20, 20, 20, -5, 32
    chart = rights.days_to_complete(frame)
    assert title(chart) == "1 of 5 completed requests were late, the latest 5 days past its deadline"
    assert subtitle(chart) == TEXT["t_days_sub"][0]
    spec = chart.to_dict()
    bars = next(rows for rows in spec["datasets"].values() if rows and "requests" in rows[0])
    assert sorted((r["start"], r["requests"], r["on_time"]) for r in bars) == [
        (-5, 1, False),
        (20, 3, True),
        (32, 1, True),
    ]
    assert "k0" not in json.dumps(spec)  # no request key reaches the chart
    nl = rights.days_to_complete(frame, "nl")
    assert title(nl) == "1 van de 5 afgehandelde verzoeken waren te laat, het laatste 5 dagen over de termijn"
    assert "termijn" in chart_text(nl)


def test_days_to_complete_all_on_time():
    assert title(rights.days_to_complete(requests((30, 10, 3), (31, 29, 1)))) == (
        "All 4 completed requests were on time, the closest with 2 days to spare"
    )
    assert title(rights.days_to_complete(requests((30, 29, 1)))) == (
        "The one completed request was on time, with 1 day to spare"
    )


def test_twenty_thousand_requests_make_a_small_chart_with_one_legend():
    rng = random.Random(7)
    frame = requests(*[(rng.choice((30, 31, 92)), rng.randint(0, 120), 1) for _ in range(20_000)])
    chart = rights.days_to_complete(frame)
    spec = chart.to_dict()
    rows = next(rows for rows in spec["datasets"].values() if rows and "requests" in rows[0])
    assert sum(r["requests"] for r in rows) == 20_000
    assert len(rows) <= 2 * rights.MAX_BARS + 2 < theme.MAX_ROWS
    width = rows[0]["end"] - rows[0]["start"]
    assert width > 1 and subtitle(chart) == TEXT["t_days_sub_binned"][0].format(n=width)
    assert all(r["start"] % width == 0 for r in rows)  # one bin edge at 0, the deadline
    encodings = json.dumps([layer.get("encoding", {}) for layer in spec["layer"]])
    assert '"size"' not in encodings and '"shape"' not in encodings  # one legend: status, drawn as the bars


@pytest.mark.parametrize(
    "rates,domain",
    [
        ([0.87, 0.93, 0.97], [0.85, 1.0]),
        ([0.75, 1.0], [0.7, 1.0]),
        ([1.0, 1.0], [0.95, 1.0]),
        ([0.0, 0.5], [0.0, 1.0]),
    ],
)
def test_on_time_axis_fits_the_rates_and_keeps_the_target(rates, domain):
    assert rights.rate_domain(rates) == domain
    frame = pl.DataFrame({"quarter": [f"2024Q{i + 1}" for i in range(len(rates))], "on_time_rate": rates})
    spec = json.dumps(rights.on_time_trend(frame).to_dict())
    assert f'"domain": {json.dumps(domain)}' in spec


def test_on_time_title_compares_with_the_quarter_before():
    frame = pl.DataFrame({"quarter": ["2024Q1", "2024Q2", "2024Q3"], "on_time_rate": [0.9, None, 0.875]})
    assert title(rights.on_time_trend(frame)) == "88% of requests completed on time in 2024Q3, against 90% in 2024Q1"
    assert title(rights.on_time_trend(frame.head(1))) == "90% of requests completed on time in 2024Q1"


def test_open_ageing_in_the_readers_words_with_its_own_overdue_count():
    frame = pl.DataFrame(
        {
            "bucket": ["overdue 91+ days", "overdue 1-7 days", "due today", "due in 8-30 days"],
            "bucket_order": [1, 4, 5, 7],
            "status": ["open_overdue", "open_overdue", "open_not_due", "open_not_due"],
            "requests": [1, 0, 0, 3],
        }
    )
    assert title(rights.open_ageing(frame)) == "4 open requests, 1 past their deadline"
    nl = rights.open_ageing(frame, "nl")
    assert title(nl) == "4 open verzoeken, 1 over hun termijn"
    text = chart_text(nl)
    assert "91+ dagen te laat" in text and "vervalt vandaag" in text
    assert "overdue" not in text and "due in" not in text
    one = frame.with_columns(pl.Series("requests", [1, 0, 0, 0]))
    assert title(rights.open_ageing(one)) == "1 open request, 1 past its deadline"


def test_every_age_bucket_the_family_writes_has_a_name_in_the_catalogue():
    buckets = re.findall(r"\('([^']+)', \d+, 'open_", AGEING_SQL.read_text(encoding="utf-8"))
    assert len(buckets) == 8
    assert [b for b in buckets if f"age_{b}" not in TEXT] == []


def test_an_unknown_right_shows_as_other_with_its_number_of_values():
    # docs/contract.md "Only declared values": the contract's rights by name, then 'other' in words
    frame = pl.DataFrame(
        {
            "right": ["access", "erasure", "other"],
            "received": [4, 2, 1],
            "completed": [3, 2, 1],
            "on_time": [3, 1, 1],
            "other_values": [None, None, 1],
        }
    )
    chart = rights.by_right(frame)
    assert chart.to_dict()["encoding"]["y"]["sort"] == ["access", "erasure", "other (1 value)"]
    assert "other (1 value)" in chart_text(chart)
    assert "overig (1 waarde)" in chart_text(rights.by_right(frame, "nl"))
    summary = fake_summary()
    summary["rights"].update(by_right={"access": 4, "erasure": 2, "other": 3}, right_other_distinct=2)
    text = visible(rights.section(ctx(summary)))
    assert "3 requests named a right outside the contract's list; they count as other (2 values)." in text
    nl = visible(rights.section(ctx(summary, language="nl")))
    assert "3 verzoeken noemden een recht buiten de lijst van het contract; ze tellen als overig (2 waarden)." in nl


def test_consent_withdrawals_are_one_sentence_against_the_companys_standard_in_both_languages():
    # contract §5 reading 23: no Art. 12(3) requests, judged against an internal standard
    summary = fake_summary()
    summary["rights"]["consent_withdrawals"] = {"received": 3, "completed": 4, "within_standard": 1,
                                                "open_past_standard": 2}
    text = visible(rights.section(ctx(summary)))
    assert ("Consent withdrawals, no Art. 12(3) requests, are judged against the company's own standard (completion "
            "within 2 working days after the day of receipt; an internal standard, not the law): 3 received, "
            "4 completed, 1 of them within it, 2 open past it.") in text
    nl = visible(rights.section(ctx(summary, language="nl")))
    assert ("Intrekkingen van toestemming, geen verzoeken onder art. 12, lid 3, worden getoetst aan de eigen norm "
            "van het bedrijf (afhandeling binnen 2 werkdagen na de dag van ontvangst; een interne norm, niet de "
            "wet): 3 ontvangen, 4 afgehandeld, waarvan 1 binnen de norm, 2 open over de norm.") in nl
    # the standard's length is the results' (else the policy's)
    summary["rights"]["consent_withdrawal_working_days"] = 1
    assert "completion within 1 working day after" in visible(rights.section(ctx(summary)))
    # none at all, or results from before reading 23: no sentence
    summary["rights"]["consent_withdrawals"] = {k: 0 for k in rights.WITHDRAWAL_FIGURES}
    assert "Consent withdrawals" not in visible(rights.section(ctx(summary)))
    del summary["rights"]["consent_withdrawals"]
    assert "Consent withdrawals" not in visible(rights.section(ctx(summary)))


def test_by_right_draws_no_art_12_3_counts_for_consent_withdrawals():
    frame = pl.DataFrame(
        {
            "right": ["access", "consent_withdrawal"],
            "received": [3, 2],
            "completed": [2, None],
            "on_time": [1, None],
            "other_values": [None, None],
        },
        schema_overrides={"completed": pl.Int64, "on_time": pl.Int64, "other_values": pl.Int64},
    )
    spec = rights.by_right(frame).to_dict()
    rows = next(rows for rows in spec["datasets"].values() if rows and "requests" in rows[0])
    drawn = sorted((r["right_label"], r["status"], r["requests"]) for r in rows)
    assert drawn == [
        ("access", "completed", 2), ("access", "completed on time", 1), ("access", "received", 3),
        ("consent withdrawal", "received", 2),
    ]
