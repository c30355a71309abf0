"""reports/index.html: quarters newest first, dates on one line, plurals, Babel numbers, the synthetic-data marker."""

from __future__ import annotations

import json
import re

import pytest

from pipelines.report.index import build_index, published_quarters
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import visible

#: English UI words that must not appear on the Dutch page
ENGLISH = re.compile(r"\b(quarters?|published|report|reviews?|synthetic|sample|accounts past|requests|on time|the|of)\b")


def publish(root, quarter: str, as_of: str, *, synthetic: bool = False, report: bool = True, **support):
    summary = fake_summary(quarter, as_of, with_previous=False)
    summary["data"]["synthetic_sample"] = synthetic
    summary["support"].update(support)
    folder = root / quarter
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    if report:
        (folder / "quarterly-review.html").write_text("<!DOCTYPE html>", encoding="utf-8")
    return folder


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-quarter="([^"]+)"', page)


@pytest.mark.parametrize("language,one,two", [("en", "1 quarter", "2 quarters"), ("nl", "1 kwartaal", "2 kwartalen")])
def test_quarters_counted_with_the_right_plural(tmp_path, language, one, two):
    publish(tmp_path, "2024Q2", "2024-06-30")
    assert one in visible(build_index(tmp_path, language=language).read_text(encoding="utf-8"))
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path, language=language).read_text(encoding="utf-8")
    assert two in visible(page) and rows(page) == ["2024Q3", "2024Q2"]


@pytest.mark.parametrize("language,date", [("en", "30\u00a0September\u00a02024"), ("nl", "30\u00a0september\u00a02024")])
def test_dates_are_words_that_do_not_wrap(tmp_path, language, date):
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path, language=language).read_text(encoding="utf-8")
    assert f'<small class="date">{date}</small>' in page
    assert re.search(r"\.date \{[^}]*white-space: nowrap", page)
    assert "2024-09-30" not in visible(page)


def test_numbers_are_formatted_for_the_language(tmp_path):
    publish(tmp_path, "2024Q3", "2024-09-30", tickets=12345)
    assert ">12,345<" in build_index(tmp_path).read_text(encoding="utf-8")
    assert ">12.345<" in build_index(tmp_path, language="nl").read_text(encoding="utf-8")


def test_only_synthetic_quarters_carry_the_marker(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30")
    publish(tmp_path, "2024Q3", "2024-09-30", synthetic=True)
    page = build_index(tmp_path).read_text(encoding="utf-8")
    marked = re.findall(r'<tr data-quarter="(\w+)">(?:(?!</tr>).)*data-synthetic-sample', page)
    assert marked == ["2024Q3"]
    assert "Synthetic sample data" in visible(page)
    nl = build_index(tmp_path, language="nl").read_text(encoding="utf-8")
    assert "Synthetische voorbeeldgegevens" in visible(nl)


def test_links_only_to_reports_that_are_there(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30", report=False)
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', page) == ["2024Q3/quarterly-review.html"]
    assert [q for q, _ in published_quarters(tmp_path)] == ["2024Q3", "2024Q2"]


@pytest.mark.parametrize("language,empty", [("en", "No report has been published yet."), ("nl", "Er is nog geen rapport gepubliceerd.")])
def test_an_empty_folder_says_so(tmp_path, language, empty):
    page = visible(build_index(tmp_path, language=language).read_text(encoding="utf-8"))
    assert empty in page


def test_the_dutch_page_has_no_english_words(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30")
    publish(tmp_path, "2024Q3", "2024-09-30", synthetic=True)
    nl = visible(build_index(tmp_path, language="nl").read_text(encoding="utf-8"))
    assert ENGLISH.findall(nl) == []
    en = visible(build_index(tmp_path).read_text(encoding="utf-8"))
    assert "quarters" in ENGLISH.findall(en)  # the word list finds English where there is English
