"""The first screen: the overall verdict (promises kept, coloured by the worst finding), the findings table,
title block, tiles' words."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from types import SimpleNamespace

from pipelines.report.sections import overview
from tests.report.fake_results import fake_summary, with_findings
from tests.report.sections.helpers import (
    POLICY,
    by_finding,
    ctx,
    prose,
    visible,
    with_months,
)


def nothing_to_judge() -> dict:
    """Every family has nothing to judge: no account, row, inquiry or request on as_of."""
    summary = fake_summary("2019Q1", "2019-03-31", with_previous=False)
    summary["data"]["rows_as_of"] = {name: 0 for name in (*summary["data"]["rows_as_of"], "web_visits")}
    summary["inactivity"].update(population=0, due_next_30d=0)
    summary["retention"].update(
        breaches={k: 0 for k in summary["retention"]["breaches"]},
        withdrawn_consent_contacted=0,
        late_erasures=0,
        absent_tables=[],
    )
    summary["support"].update(tickets=0, no_first_response=0)
    summary["rights"].update(received=0, completed=0, on_time=0, on_time_rate=None, open_overdue=0, open_not_due=0,
                             consent_withdrawals={"received": 0, "completed": 0, "within_standard": 0,
                                                  "open_past_standard": 0})
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
    summary["rights"].update(on_time=54, on_time_rate=1.0, open_overdue=0)
    return summary


def rows(table: str) -> list[tuple[str, str, str, str]]:
    """(finding, verdict, open now, fixed late) of each row of the findings table, in order."""
    return re.findall(r'<tr class="row--\w+" data-finding="(\w+)" data-verdict="([\w ]+)" data-open-now="([^"]*)" '
                      r'data-fixed-late="([^"]*)">', table)


def test_the_findings_table_shows_every_finding_of_the_summary():
    c = ctx()
    table = overview.findings_table(c)
    assert rows(table) == [(f["id"], f["verdict"], json.dumps(f["open_now"]), json.dumps(f["fixed_late"]))
                           for f in c.summary["findings"]]
    assert len(rows(table)) == 12  # one per rule of the policy file
    text = visible(table)
    assert text.startswith("Promise Verdict Open now Fixed late this quarter Open now vs 2024Q2 "
                           "What the privacy team must do")
    # by hand from fake_summary: 37 past their deadline now (its list's rows), 5 erased late; 32 a quarter earlier
    assert ("Inactive accounts erased within 12 months §1.1 · policy Promise not kept 37 5 +5 "
            "37 accounts to erase or anonymize; list: account_past_deadline.csv") in text
    # the exports cannot tell when a leftover was removed: "—", never 0
    assert "Leftovers of erased accounts removed within 30 days §1.2 · internal standard Internal standard missed 6 — +2" in text
    # the payment duty is §1.3's own, the law only sizes its exception (contract reading 22)
    assert "Payment records kept no longer than accounting law requires §1.3 · policy Promise kept 0 — ±0 —" in text
    assert "Analytics data deleted 24 months after the last visit §2.1 · policy Not checked: not exported — — — —" in text
    # the policy's "last visit" read as the last session is the company's reading, not the policy
    assert ("Log files (IP address, device ID) cleared in time §1.6 · internal standard Internal standard missed 1,290 — "
            "+") in text
    # 2 open past their deadline (4 a quarter earlier), 54 - 48 = 6 completed late
    assert ("Rights requests answered within the legal deadline §3 · law Legal deadline missed 2 6 −2 "
            "2 requests to complete; list: rights_requests_overdue.csv") in text
    assert "Support inquiries answered within 5 working days §1.4 · internal standard Internal standard met 0 0 ±0 —" in text


def test_a_broken_promise_says_what_to_do_in_words_and_names_its_list_unbroken():
    table = overview.findings_table(ctx())
    row = re.search(r'data-finding="logs_retention".*?</tr>', table).group(0)
    assert visible(row).endswith("1,290 session rows to clear; list: logs_past_deadline.csv")
    assert "<wbr>" not in table and "privacy-review" not in table  # no command on the management page
    name = re.search(r"<code[^>]*>logs_past_deadline.csv</code>", row).group(0)
    assert "white-space:nowrap" in name  # a file name never breaks, not even at its _
    kept = re.search(r'data-finding="payments_retention".*?</tr>', table).group(0)
    assert "list" not in visible(kept) and visible(kept).endswith("—")
    nl = visible(overview.findings_table(ctx(language="nl")))
    assert "1.290 sessieregels leeg te maken; lijst: logs_past_deadline.csv" in nl


def test_every_record_fixed_late_leaves_nothing_to_list():
    summary = fake_summary()
    summary["rights"].update(open_overdue=0)
    with_findings(summary)
    row = re.search(r'data-finding="rights_on_time".*?</tr>', overview.findings_table(ctx(summary))).group(0)
    assert "Legal deadline missed 0 6" in visible(row)
    assert visible(row).endswith("Nothing open now; find out why 6 were late")


def test_the_change_is_unknown_without_a_previous_quarter():
    summary = fake_summary(with_previous=False)
    table = overview.findings_table(ctx(summary))
    assert "Open now vs previous quarter" in visible(table)
    assert not re.search(r"<td class=num[^>]*>[+−±]", table)
    assert by_finding(ctx(summary).summary)["logs_retention"]["previous_open_now"] is None


def test_the_one_line_verdict_in_both_languages():
    en = visible(overview.headline(ctx()))
    # by hand from fake_summary: of the policy's 6 promises only payments is kept (analytics not exported); the
    # law's rights deadline is missed; of 5 internal standards logs and the leftovers are missed
    assert en == ("✖ Overall 1 of 6 promises kept 4 not kept, 1 not judged. Beside them: legal deadlines 0 of 1 met, "
                  "internal standards 3 of 5 met.")
    nl = visible(overview.headline(ctx(language="nl")))
    assert nl == ("✖ Samengevat 1 van de 6 beloften nagekomen 4 niet nagekomen, 1 niet beoordeeld. Daarnaast: "
                  "wettelijke termijnen 0 van de 1 gehaald, interne normen 3 van de 5 gehaald.")
    markup = overview.headline(ctx())
    assert 'data-verdict="not_kept"' in markup and 'data-kept="1"' in markup and 'data-total="6"' in markup
    assert "worst:" not in en  # no ranking of accounts against log rows (docs/report.md, "The first screen")


def test_the_line_takes_the_colour_of_the_worst_verdict():
    summary = all_kept()
    summary["retention"]["breaches"]["analytics"] = None
    summary["retention"]["absent_tables"] = ["web_visits"]
    del summary["data"]["rows_as_of"]["web_visits"]
    markup = overview.headline(ctx(summary))
    assert 'data-verdict="not_assessable"' in markup  # one not exported: not all kept
    assert visible(markup) == ("○ Overall 5 of 6 promises kept 1 not judged. Beside them: legal deadlines 1 of 1 met, "
                               "internal standards 5 of 5 met.")
    summary["retention"]["breaches"]["marketing"] = None  # a promise whose figure is missing
    assert 'data-verdict="not_computable"' in overview.headline(ctx(summary))


def test_a_quarter_with_nothing_to_judge_keeps_no_promise():
    c = ctx(nothing_to_judge(), tables={})
    assert {f["verdict"] for f in c.summary["findings"]} == {"not assessable"}
    text = visible(overview.headline(c))
    assert "0 of 6 promises kept 6 not judged." in text
    assert 'data-verdict="not_assessable"' in overview.headline(c)
    assert "Promise kept" not in overview.findings_table(c)


def test_all_promises_kept():
    c = ctx(all_kept())
    assert visible(overview.headline(c)) == ("✔ Overall All 6 promises kept. Beside them: legal deadlines 1 of 1 met, "
                                             "internal standards 5 of 5 met.")
    assert 'data-verdict="kept"' in overview.headline(c)
    assert "pr-command" not in overview.findings_table(c)


def test_the_verdict_and_the_findings_are_on_the_first_screen_of_the_management_report_only():
    markup = overview.title_block(ctx(), overall=True).split("</style>")[1]
    assert (
        markup.index('class="pr-subtitle"')
        < markup.index("pr-headline")
        < markup.index('class="pr-table pr-findings"')
        < markup.index("pr-toc-slot")
    )
    assert "pr-headline" not in overview.title_block(ctx()).split("</style>")[1]
    assert "data-finding" not in overview.title_block(ctx()).split("</style>")[1]


def test_the_dutch_findings_table_has_no_english():
    text = prose(overview.findings_table(ctx(language="nl")))
    assert text.startswith("Belofte Oordeel Nu open Laat verholpen dit kwartaal Nu open t.o.v. 2024Q2 "
                           "Wat het privacyteam moet doen")
    assert ("Restgegevens van gewiste accounts binnen 30 dagen verwijderd §1.2 · interne norm Interne norm niet gehaald "
            "6 — +2") in text
    assert ("Betalingsgegevens niet langer bewaard dan de boekhoudwetgeving vereist §1.3 · beleid Belofte nagekomen 0 — ±0"
            in text)
    english = re.compile(r"\b(the|kept|promise|policy|law|internal|standard|records|change|next|action)\b", re.I)
    assert english.findall(text) == []


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


def test_the_part_for_the_privacy_team_prints_the_runs_commands_and_its_lists():
    from dataclasses import replace as replaced
    from datetime import date
    from pathlib import Path

    from pipelines.dates import Quarter
    from pipelines.report.commands import run_commands

    commands = run_commands(quarter=Quarter.parse("2024Q3"), as_of=date(2024, 9, 30), cwd=Path("/srv/pr"),
                            out_dir=Path("reports"), given={"--data": Path("exports"), "--db": Path("/mnt/db.duckdb")})
    c = replaced(ctx(), evidence={"run": {"commands": commands}})
    team = overview.for_the_team(c)
    text = visible(team)
    assert text.startswith("For the privacy team")
    assert "privacy-review worklist --quarter 2024Q3 --data exports --db <--db> --out <private folder>" in text
    assert "privacy-review verify reports/2024Q3 --data exports --db <--db> --seal <seal from the run's log>" in text
    assert "The run was given --db as absolute paths outside the folder it was started in" in text
    # the lists of the findings not kept with records open now, each once, in the findings' order
    listed = re.findall(r"<code[^>]*>(\w+\.csv)</code>", team)
    assert listed[0] == "account_past_deadline.csv" and "rights_requests_overdue.csv" in listed
    assert "payments_past_deadline.csv" not in listed and len(listed) == len(set(listed))
    nl = visible(overview.for_the_team(replaced(c, language="nl")))
    assert nl.startswith("Voor het privacyteam") and "--out <privémap>" in nl  # the placeholders in Dutch
    assert "--seal <zegel uit het logboek van de run>" in nl and "--data exports" in nl
    # results computed in a notebook, or by an older run: no commands recorded, no part
    assert overview.for_the_team(ctx()) == ""
