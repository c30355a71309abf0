"""The report's remediation and exemption blocks (docs/report.md, "Remediation", "Exceptions"), on fake results."""

from __future__ import annotations

import re
from html import unescape

import pytest

from pipelines.report.kit import remediation
from pipelines.report.kit.context import open_results
from pipelines.report.sections import overview, quality, retention, rights
from tests.report.fake_results import write_fake_results
from tests.report.test_dutch_report import CODES, ENGLISH


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return write_fake_results(tmp_path_factory.mktemp("remediation") / "2024Q3")


def test_the_retention_block_counts_per_category_and_charts_each_quarter(results):
    ctx = open_results(results, language="en")
    html = remediation.block(ctx, remediation.retention_categories(ctx))
    words = text(html)
    assert "Were last quarter's breaches fixed?" in words
    assert "The oldest record carried over has been reported for 3 quarters (Accounts, since 2024Q1)." in words
    assert "Against 2024Q2, per category:" in words
    assert "Accounts 2 30 5 3 quarters" in words  # resolved, carried over, new, oldest
    assert "Website analytics" not in words  # null: not compared
    # the flow chart: one bar per compared quarter, its numbers in words (never by colour alone)
    assert re.findall(r'data-quarter="(\w+)"', html) == ["2024Q2", "2024Q3"]
    assert "6 resolved, 24 carried over, 8 new" in words
    assert "Requests open past their deadline" not in words  # the rights section's


def test_the_rights_block_and_the_first_screen_line(results):
    ctx = open_results(results, language="en")
    assert "Requests open past their deadline 3 1 2 2 quarters" in text(remediation.block(ctx, remediation.RIGHTS))
    line = text(remediation.first_screen(ctx))
    assert line.startswith("Were last quarter's breaches fixed? Against 2024Q2: Accounts: 2 resolved, 30 carried over")
    assert "Requests open past their deadline: 3 resolved, 1 carried over, 2 new." in line
    assert "Payment records" not in line  # nothing moved


def test_the_sections_and_the_first_screen_show_them(results):
    ctx = open_results(results, language="en")
    assert 'class="pr-remediation"' in retention.section(ctx) and 'class="pr-exemptions"' in retention.section(ctx)
    assert 'class="pr-remediation"' in rights.section(ctx)
    assert 'class="pr-exceptions-invalid"' in quality.section(ctx)
    assert 'class="pr-remediation-line"' in overview.title_block(ctx, overall=True)
    assert 'class="pr-remediation-line"' not in overview.title_block(ctx)  # analyst notebooks


def test_exemptions_show_the_register_beside_legal_hold(results):
    words = text(remediation.exemptions(open_results(results, language="en")))
    assert "3 accounts past their deadline are on legal hold, which the policy exempts." in words
    assert "holds 5 rows: 1 in force, 2 expired, 0 not yet in force and 2 invalid" in words
    assert "Accounts 1 1 in force until 31 December 2025" in words
    assert "2 expired between 31 July 2024 and 31 August 2024: no longer exempt" in words


def test_invalid_rows_are_listed_by_line_column_and_problem(results):
    words = text(remediation.invalid_rows(open_results(results, language="en")))
    assert "2 rows of the register of exceptions are invalid and exempt nothing" in words
    assert "4 Accounts approved by no approver" in words and "5 n/a category unknown category" in words


def test_the_dutch_blocks_hold_no_english_word_and_no_code(results):
    ctx = open_results(results, language="nl")
    for html in (remediation.block(ctx, remediation.retention_categories(ctx)), remediation.block(ctx, remediation.RIGHTS),
                 remediation.first_screen(ctx), remediation.invalid_rows(ctx)):
        words = text(html)
        assert words and ENGLISH.findall(words) == [] and CODES.findall(words) == [], words
    assert "Ten opzichte van 2024Q2" in text(remediation.first_screen(ctx))


def test_no_earlier_quarter_says_so_and_older_results_show_nothing(tmp_path):
    import json

    folder = write_fake_results(tmp_path / "2024Q3")
    summary = json.loads((folder / "summary.json").read_text())
    summary["remediation"] = {"compared_with": None, "reason": "no_earlier_quarter", "trend": []}
    (folder / "summary.json").write_text(json.dumps(summary))
    ctx = open_results(folder, language="en")
    # said once, on the first screen, in words that do not contradict the change column; the sections say nothing
    assert remediation.block(ctx, remediation.retention_categories(ctx)) == ""
    said = text(remediation.first_screen(ctx))
    assert "known only from a recorded run of 2024Q2" in said and "tracking starts with 2024Q3" in said
    assert "counts 2024Q2 again from today's exports" in said and "No earlier quarter" not in said
    for key in ("remediation", "exceptions"):
        summary.pop(key)
    summary["retention"].pop("legal_hold_exempt")
    (folder / "summary.json").write_text(json.dumps(summary))
    ctx = open_results(folder, language="en")
    assert remediation.block(ctx, remediation.retention_categories(ctx)) == remediation.first_screen(ctx) == ""
    assert remediation.exemptions(ctx) == remediation.invalid_rows(ctx) == ""


def test_no_published_block_names_an_id(results):
    """The results hold no id; the blocks name categories, counts, dates and register lines only."""
    ctx = open_results(results, language="en")
    html = "".join((remediation.block(ctx, (*remediation.retention_categories(ctx), *remediation.RIGHTS)), remediation.exemptions(ctx), remediation.invalid_rows(ctx)))
    assert not re.search(r"acct-|sess-|\b[0-9a-f]{32}\b", html)


def test_the_about_section_names_the_register_and_the_history_compared_with(results):
    import json

    evidence = {"exports": {}, "policy": {}, "software": {}, "run": {},
                "exceptions": {"file": "register.csv", "sha256": "ab" * 32, "rows": 11},
                "remediation": {"compared_with": "2024Q2", "compared_sha256": "cd" * 32, "recorded_sha256": "ef" * 32}}
    (results / "evidence.json").write_text(json.dumps(evidence))
    try:
        for lang, words in (("en", "Register of exceptions: register.csv, 11 rows, SHA-256 abababababab."),
                            ("nl", "Register van uitzonderingen: register.csv, 11 rijen, SHA-256 abababababab.")):
            about = text(overview.evidence_lines(open_results(results, language=lang)))
            assert words in about and "2024Q2" in about and "cdcdcdcdcdcd" in about
    finally:
        (results / "evidence.json").unlink()
