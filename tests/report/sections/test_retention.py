"""Retention section and charts: consent verdict, what was not exported in reader's words, plurals, dates."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
)
from pipelines.report.sections import retention
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import (
    POLICY,
    chart_text,
    ctx,
    title,
    visible,
)

TABLES = fake_tables(fake_summary())


@pytest.mark.parametrize(
    "withdrawn,absent,marketing_rows,verdict",
    [
        (2, [], 655, NOT_KEPT),
        (0, [], 655, KEPT),
        (0, [], 0, NOT_ASSESSABLE),
        (None, ["marketing_contacts"], None, NOT_CHECKED),
        (None, [], 655, NOT_COMPUTABLE),
    ],
)
def test_consent_row_shows_its_finding(withdrawn, absent, marketing_rows, verdict):
    """The withdrawn-consent row of the section shows the finding ``withdrawn_consent`` (docs/report.md, "Findings")."""
    summary = fake_summary()
    summary["retention"].update(withdrawn_consent_contacted=withdrawn, absent_tables=absent)
    summary["data"]["rows_as_of"]["marketing_contacts"] = marketing_rows
    c = ctx(summary, tables={})
    assert f'data-finding="withdrawn_consent" data-verdict="{verdict}"' in retention.section(c)
    assert [r.id for r in retention.consent_rules(c.policy)] == ["withdrawn_consent"]


def test_each_category_row_shows_its_finding_in_its_basis_words():
    html = retention.section(ctx())
    # one row per retention rule of the policy file, then no contact after withdrawn consent
    for rule in (*retention.retention_rules(POLICY), *retention.consent_rules(POLICY)):
        assert f'data-finding="{rule.id}"' in html, rule.id
    text = visible(html)
    assert ("Leftovers of erased accounts removed within 30 days §1.2 internal standard 6 12 Internal standard missed"
            in text)
    assert "Payment records kept no longer than accounting law requires §1.3 policy 0 – Promise kept" in text
    assert ("Internal standard (§1.2 · Leftovers of erased accounts removed within 30 days) “the company's purge "
            "window") in text
    # the logs rule's reading of "your last visit" is the company's, and the report says so
    assert "Internal standard (§1.6 · Log files (IP address, device ID) cleared in time) “the company's reading" in text
    nl = visible(retention.section(ctx(language="nl")))
    assert ("Restgegevens van gewiste accounts binnen 30 dagen verwijderd §1.2 interne norm 6 12 Interne norm niet "
            "gehaald") in nl


def test_not_checked_names_the_export_in_readers_words():
    en = visible(retention.section(ctx()))
    assert "Not checked (not exported: website visits): Analytics data deleted 24 months after the last visit." in en
    assert "web_visits" not in en
    nl = visible(retention.section(ctx(language="nl")))
    assert ("Niet gecontroleerd (niet geëxporteerd: websitebezoeken): Analysegegevens 24 maanden na het laatste bezoek "
            "verwijderd.") in nl


def test_plurals_dates_and_grace_days():
    summary = fake_summary()
    summary["retention"]["breaches"].update(account=0, logs=0, support=0, marketing=0, residual=1)
    summary["retention"].update(withdrawn_consent_contacted=1, late_erasures=0)
    policy = POLICY.with_period("erased_account_leftovers", "45 days")
    text = visible(retention.section(ctx(summary, policy=policy)))
    # 7 rules checked: the 8 retention rules but analytics (web visits not exported)
    assert ("1 of the 7 rules checked finds records past their deadline: Leftovers of erased accounts removed within 30 "
            "days.") in text
    assert "1 marketing contact was contacted after withdrawing consent." in text
    assert "counted on 30 September 2024" in text
    nl = visible(retention.section(ctx(summary, language="nl")))
    assert ("1 van de 7 gecontroleerde regels vindt gegevens na hun termijn: Restgegevens van gewiste accounts binnen "
            "30 dagen verwijderd.") in nl
    assert "geteld op 30 september 2024" in nl


def test_trend_title_in_dutch_and_singular():
    assert title(retention.trend(TABLES["retention_trend"], "nl")) == (
        "37 accounts voorbij hun termijn op 30 september 2024, tegenover 32 een kwartaal eerder"
    )
    one = TABLES["retention_trend"].with_columns(
        pl.when(pl.col("quarter_end") == pl.col("quarter_end").max())
        .then(1)
        .otherwise(pl.col("accounts_past_deadline"))
        .alias("accounts_past_deadline")
    )
    assert title(retention.trend(one)) == "1 account past its deadline on 30 September 2024, down from 32 a quarter earlier"


def test_breach_chart_notes():
    frame = TABLES["retention_breaches"].with_columns(
        pl.when(pl.col("category") == "residual").then(1).otherwise(pl.col("oldest_days_overdue")).alias("oldest_days_overdue")
    )
    text = chart_text(retention.breaches_by_category(frame, "nl"))
    assert "6 · oudste 1 dag over termijn" in text
    assert "Niet gecontroleerd: niet geëxporteerd" in text
    assert "oldest 388 days overdue" in chart_text(retention.breaches_by_category(frame, "en"))
