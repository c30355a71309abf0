"""Inactivity section and charts: counts that reconcile, policy numbers filled in, findings as titles."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from pipelines.metrics import inactivity as metrics_inactivity
from pipelines.report.kit import theme
from pipelines.report.sections import inactivity
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import (
    POLICY,
    chart_text,
    ctx,
    subtitle,
    title,
    visible,
    with_months,
)

TABLES = fake_tables(fake_summary())


def section(summary=None, language="en", policy=POLICY) -> str:
    return visible(inactivity.section(ctx(summary, language=language, policy=policy)))


def test_headline_and_chart_counts_reconcile():
    # fake: 37 accounts past their deadline, 63 in the 12-months-or-more group -> 26 explained
    text = section()
    assert "37 accounts are held past their erasure deadline." in text
    assert (
        "26 of the 63 accounts inactive for 12 months or more are not past their deadline: they are on legal "
        "hold, which the policy exempts, or their deadline is 30 September 2024 itself."
    ) in text
    nl = section(language="nl")
    assert "26 van de 63 accounts die 12 maanden of langer inactief zijn, zijn niet voorbij hun termijn" in nl


def test_reconcile_singular_equal_and_without_legal_hold():
    summary = fake_summary()
    summary["inactivity"]["buckets"]["12m+"] = 38
    assert "1 of the 38 accounts inactive for 12 months or more is not past its deadline: it is on legal hold" in section(summary)
    summary["inactivity"]["buckets"]["12m+"] = 37
    assert inactivity.reconcile(ctx(summary)) is None
    no_hold = POLICY.with_rule("account_erasure", exempt=("register",))
    text = section(policy=no_hold)
    assert "26 of the 63 accounts inactive for 12 months or more are not past their deadline yet: their deadline is 30 September 2024 itself." in text
    assert "legal hold" not in text


def test_another_policy_period_is_said_not_hidden():
    text = section(policy=with_months(POLICY, 24))
    assert (
        "The charts group accounts by months since last activity (63 inactive for 12 months or more); "
        "the deadline falls 24 months after the last activity, so 37 are past it."
    ) in text
    assert "its erasure deadline is 24 months later." in text


def test_policy_numbers_and_plurals():
    summary = fake_summary()
    summary["retention"]["late_erasures"] = 1
    text = section(summary, policy=replace(POLICY, due_soon_days=14))
    assert "1 account was erased this quarter after its deadline." in text
    assert "48 more reach their deadline in the next 14 days." in text
    summary["inactivity"]["due_next_30d"] = 1
    assert "Nog 1 bereikt zijn termijn in de komende 30 dagen." in section(summary, language="nl")


def test_chart_titles_state_findings():
    assert title(inactivity.buckets(TABLES["inactivity_buckets"])) == (
        "63 of 1,840 accounts have been inactive for 12 months or more"
    )
    assert title(inactivity.buckets(TABLES["inactivity_buckets"], "nl")) == (
        "63 van de 1.840 accounts zijn 12 maanden of langer inactief"
    )
    # fake cohorts: 12m+ = round(63 * w) for the six cohorts older than 2024Q2: 5+6+8+8+9+9
    assert title(inactivity.cohorts(TABLES["inactivity_cohorts"])) == (
        "45 accounts have been inactive for 12 months or more"
    )
    # fake trend: 12m+ = round(63 * (0.7 + 0.04 i)): 62 at the last of 8 quarter ends, 59 before
    trend = inactivity.trend(TABLES["inactivity_trend"])
    assert title(trend) == "62 accounts inactive for 12 months or more on 30 September 2024, up from 59 a quarter earlier"
    assert subtitle(trend) == "Accounts by months since last activity, at each of the last 8 quarter ends"
    last = TABLES["inactivity_trend"].filter(pl.col("quarter_end") == pl.col("quarter_end").max())
    one = inactivity.trend(last, "nl")
    assert title(one) == "62 accounts 12 maanden of langer inactief op 30 september 2024"
    assert subtitle(one) == "Accounts per maanden sinds laatste activiteit, op het laatste kwartaaleinde"


def test_pipeline_horizon_is_the_named_constant():
    assert inactivity.PIPELINE_DAYS == metrics_inactivity.PIPELINE_DAYS
    # fake pipeline: odd days 1..89; 23 days with 4 accounts (d = 1 mod 4), 22 with 2 -> 136
    frame = TABLES["inactivity_erasure_pipeline"]
    assert title(inactivity.erasure_pipeline(frame)) == "136 accounts reach their erasure deadline in the next 90 days"
    assert title(inactivity.erasure_pipeline(frame, "nl", days=60)).endswith("in de komende 60 dagen")


def test_groups_read_as_words_and_keep_their_colour_by_code():
    nl = chart_text(inactivity.buckets(TABLES["inactivity_buckets"], "nl"))
    assert "12+ mnd" in nl and "0-3 mnd" in nl and "12m+" not in nl and "0-3m" not in nl
    assert "12+ mo" in chart_text(inactivity.buckets(TABLES["inactivity_buckets"], "en"))
    stack = chart_text(inactivity.cohorts(TABLES["inactivity_cohorts"], "nl"))
    assert "9-12 mnd" in stack and "9-12m" not in stack
    for language in ("en", "nl"):
        colour = inactivity.cohorts(TABLES["inactivity_cohorts"], language).to_dict()["encoding"]["color"]
        assert colour["field"] == "bucket"
        assert dict(zip(colour["scale"]["domain"], colour["scale"]["range"]))["12m+"] == theme.VERMILLION
