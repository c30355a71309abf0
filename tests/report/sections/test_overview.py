"""The first screen: the overall verdict (promises kept, the worst broken one), title block, tiles' words."""

from __future__ import annotations

import copy
from dataclasses import replace
from types import SimpleNamespace

from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_KEPT,
    Promise,
)
from pipelines.report.sections import overview
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import POLICY, ctx, visible, with_months


def nothing_to_judge() -> dict:
    """Every family has nothing to judge: no account, row, inquiry or request on as_of."""
    summary = fake_summary("2019Q1", "2019-03-31", with_previous=False)
    summary["data"]["rows_as_of"] = {name: 0 for name in summary["data"]["rows_as_of"]}
    summary["inactivity"].update(population=0, due_next_30d=0)
    summary["retention"].update(
        breaches={k: 0 for k in summary["retention"]["breaches"]},
        withdrawn_consent_contacted=0,
        late_erasures=0,
        absent_tables=[],
    )
    summary["support"].update(tickets=0, no_first_response=0)
    summary["rights"].update(received=0, completed=0, on_time_rate=None, open_overdue=0, open_not_due=0)
    return summary


def all_kept() -> dict:
    summary = fake_summary()
    summary["retention"].update(
        breaches={k: 0 for k in summary["retention"]["breaches"]},
        withdrawn_consent_contacted=0,
        late_erasures=0,
        absent_tables=[],
    )
    summary["data"]["rows_as_of"]["web_visits"] = 500
    summary["rights"].update(on_time_rate=1.0, open_overdue=0)
    return summary


def test_the_promises_of_the_fake_quarter():
    # by hand from fake_summary: inactivity 37 past + 5 erased late; rights 54 completed at 88.89% on time
    # (48) -> 6 late + 2 open overdue; analytics reads web_visits, which was not exported
    assert overview.promises(ctx()) == [
        Promise("inactivity", NOT_KEPT, 42),
        Promise("retention_logs", NOT_KEPT, 1290),
        Promise("retention_support", NOT_KEPT, 14),
        Promise("retention_marketing", NOT_KEPT, 9),
        Promise("retention_analytics", NOT_CHECKED, None),
        Promise("retention_residual", NOT_KEPT, 6),
        Promise("retention_payments", KEPT, 0),
        Promise("withdrawn_consent", NOT_KEPT, 2),
        Promise("support", KEPT, 0),
        Promise("rights", NOT_KEPT, 8),
    ]


def test_the_one_line_verdict_in_both_languages():
    en = visible(overview.headline(ctx()))
    assert en.startswith(
        "✖ Overall 2 of 10 promises kept, 7 not kept, 1 not judged; "
        "worst: Log files (IP address, device ID), 1,290 records held past their deadline."
    )
    assert "Not judged: Website analytics (not exported)." in en
    nl = visible(overview.headline(ctx(language="nl")))
    assert nl.startswith(
        "✖ Samengevat 2 van de 10 beloften nagekomen, 7 niet nagekomen, 1 niet beoordeeld; "
        "grootste tekortkoming: Logbestanden (IP-adres, apparaat-ID), 1.290 records na hun termijn bewaard."
    )
    markup = overview.headline(ctx())
    assert 'data-verdict="not_kept"' in markup and 'data-kept="2"' in markup and 'data-total="10"' in markup


def test_worst_in_other_units_and_singular():
    summary = fake_summary()
    summary["retention"]["breaches"].update(logs=0, support=0, marketing=0, residual=0)
    summary["retention"]["withdrawn_consent_contacted"] = 0
    summary["rights"].update(on_time_rate=1.0, open_overdue=1)
    text = visible(overview.headline(ctx(summary)))
    # inactivity 42 accounts beats rights' 1 request
    assert "worst: Inactive accounts erased in time, 42 accounts past their erasure deadline or erased late." in text
    summary["retention"].update(late_erasures=0)
    summary["retention"]["breaches"]["account"] = 0
    text = visible(overview.headline(ctx(summary)))
    assert "8 of 10 promises kept, 1 not kept, 1 not judged; worst: Rights requests on time, 1 request late or open past its deadline." in text


def test_a_quarter_with_nothing_to_judge_keeps_no_promise():
    c = ctx(nothing_to_judge(), tables={})
    assert all(p.verdict == NOT_ASSESSABLE for p in overview.promises(c))
    text = visible(overview.headline(c))
    assert "0 of 10 promises kept, none broken, 10 not judged." in text
    assert "(nothing to judge)" in text and "Not kept" not in text
    assert 'data-verdict="not_assessable"' in overview.headline(c)


def test_all_promises_kept():
    c = ctx(all_kept())
    assert visible(overview.headline(c)) == "✔ Overall All 10 promises kept."
    assert 'data-verdict="kept"' in overview.headline(c)


def test_the_verdict_is_on_the_first_screen_of_the_management_report_only():
    markup = overview.title_block(ctx(), overall=True).split("</style>")[1]
    assert markup.index('class="pr-subtitle"') < markup.index("pr-headline") < markup.index("pr-toc-slot")
    assert "pr-headline" not in overview.title_block(ctx()).split("</style>")[1]


def test_analyst_titles_come_from_the_catalogue_with_policy_numbers():
    text = visible(overview.title_block(ctx(policy=with_months(POLICY, 24)), "nb10_title", intro="nb10_intro"))
    assert "Inactivity cohorts 2024Q3" in text and "the 24-month erasure deadline" in text
    nl = visible(overview.title_block(ctx(language="nl"), "nb20_title", intro=None))
    assert nl.startswith("Overschrijdingen van bewaartermijnen 2024Q3 Cijfers op 30 september 2024")
    assert "Komt het bedrijf" not in nl


def test_policy_label_in_the_reports_language():
    assert overview.policy_label(POLICY, "en") == "Connexeon BV privacy policy (17 June 2024)"
    dutch = SimpleNamespace(name="Connexeon BV privacy policy", name_nl="Privacybeleid van Connexeon BV", version="2024-06-17")
    assert overview.policy_label(dutch, "nl") == "Privacybeleid van Connexeon BV (versie van 17 juni 2024)"
    assert overview.policy_label(SimpleNamespace(name="P", version="v3"), "nl") == "P (versie van v3)"


def test_tile_labels_take_the_policys_numbers():
    tiles = overview.kpi_tiles(ctx(policy=replace(POLICY, due_soon_days=14)))
    assert "Accounts due for erasure in the next 14 days" in tiles and "30 days" not in tiles
    assert "Accounts te wissen in de komende 14 dagen" in overview.kpi_tiles(
        ctx(language="nl", policy=replace(POLICY, due_soon_days=14))
    )


def test_rate_changes_in_points():
    tiles = visible(overview.kpi_tiles(ctx(language="nl")))
    assert "+7,6 %-punt t.o.v. 2024Q2 (81%)" in tiles
    assert "+7.6 pp vs 2024Q2 (81%)" in visible(overview.kpi_tiles(ctx()))


def test_dates_in_words():
    summary = copy.deepcopy(fake_summary())
    summary["data"].update(first_date="2024-08-01", last_date="2024-10-02")
    expected = (
        "De data in de exports beginnen op 1 augustus 2024, na het begin van 2024Q3 (1 juli 2024): "
        "het kwartaal is maar gedeeltelijk gedekt."
    )
    assert overview.coverage_notes(summary, "nl") == [expected]
    assert "op 30 september 2024" in visible(overview.about(ctx(language="nl")))
