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


def publish(root, quarter: str, as_of: str, *, synthetic: bool = False, report: bool = True, findings=True, **support):
    summary = fake_summary(quarter, as_of, with_previous=False)
    summary["data"]["synthetic_sample"] = synthetic
    summary["support"].update(support)
    if findings is not True:
        summary["findings"] = findings
    if summary["findings"] is None:
        del summary["findings"]
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
    assert one in visible(build_index(tmp_path, languages=(language,)).read_text(encoding="utf-8"))
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path, languages=(language,)).read_text(encoding="utf-8")
    assert two in visible(page) and rows(page) == ["2024Q3", "2024Q2"]


@pytest.mark.parametrize("language,date", [("en", "30\u00a0September\u00a02024"), ("nl", "30\u00a0september\u00a02024")])
def test_dates_are_words_that_do_not_wrap(tmp_path, language, date):
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path, languages=(language,)).read_text(encoding="utf-8")
    assert f'<small class="date">{date}</small>' in page
    assert re.search(r"\.date \{[^}]*white-space: nowrap", page)
    assert "2024-09-30" not in visible(page)


def test_numbers_are_formatted_for_the_language(tmp_path):
    publish(tmp_path, "2024Q3", "2024-09-30", tickets=12345)
    assert ">12,345<" in build_index(tmp_path).read_text(encoding="utf-8")
    assert ">12.345<" in build_index(tmp_path, languages=("nl",)).read_text(encoding="utf-8")


def test_only_synthetic_quarters_carry_the_marker(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30")
    publish(tmp_path, "2024Q3", "2024-09-30", synthetic=True)
    page = build_index(tmp_path).read_text(encoding="utf-8")
    marked = re.findall(r'<tr data-quarter="(\w+)">(?:(?!</tr>).)*data-synthetic-sample', page)
    assert marked == ["2024Q3"]
    assert "Synthetic sample data" in visible(page)
    nl = build_index(tmp_path, languages=("nl",)).read_text(encoding="utf-8")
    assert "Synthetische voorbeeldgegevens" in visible(nl)


def test_links_only_to_reports_that_are_there(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30", report=False)
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    # the quarter and its tally link the report
    assert re.findall(r'href="([^"]+)"', page) == ["2024Q3/quarterly-review.html"] * 2
    assert [q for q, _ in published_quarters(tmp_path)] == ["2024Q3", "2024Q2"]


@pytest.mark.parametrize("language,empty", [("en", "No report has been published yet."), ("nl", "Er is nog geen rapport gepubliceerd.")])
def test_an_empty_folder_says_so(tmp_path, language, empty):
    page = visible(build_index(tmp_path, languages=(language,)).read_text(encoding="utf-8"))
    assert empty in page


def test_the_dutch_page_has_no_english_words(tmp_path):
    publish(tmp_path, "2024Q2", "2024-06-30")
    publish(tmp_path, "2024Q3", "2024-09-30", synthetic=True)
    nl = visible(build_index(tmp_path, languages=("nl",)).read_text(encoding="utf-8"))
    assert ENGLISH.findall(nl) == []
    en = visible(build_index(tmp_path).read_text(encoding="utf-8"))
    assert "quarters" in ENGLISH.findall(en)  # the word list finds English where there is English


def record(root, quarter: str, files: dict[str, str], started_at: str = "2026-04-05T06:00:12+00:00") -> None:
    """An evidence.json beside a published quarter's summary: its export files' hashes and the run's start."""
    evidence = {"format": 1, "exports": {name.split(".")[0]: {"files": [{"name": name, "bytes": 1, "sha256": sha}]}
                                         for name, sha in files.items()},
                "run": {"quarter": quarter, "started_at": started_at}}
    (root / quarter / "evidence.json").write_text(json.dumps(evidence), encoding="utf-8")


def test_each_quarter_says_which_exports_it_was_computed_from_and_when(tmp_path):
    from pipelines.evidence import exports_fingerprint

    for quarter, as_of in (("2024Q1", "2024-03-31"), ("2024Q2", "2024-06-30"), ("2024Q3", "2024-09-30")):
        publish(tmp_path, quarter, as_of)
    same = {"accounts.csv": "a" * 64, "sessions.csv": "b" * 64}
    record(tmp_path, "2024Q3", same, "2024-10-05T06:00:12+00:00")
    record(tmp_path, "2024Q2", dict(reversed(same.items())), "2024-07-05T06:00:00+00:00")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    digits = exports_fingerprint(json.loads((tmp_path / "2024Q3" / "evidence.json").read_text(encoding="utf-8")))[:12]
    found = dict(re.findall(r'<tr data-quarter="(\w+)"><td>(?:(?!</td>).)*?data-exports="([0-9a-f]+)"', page))
    assert found == {"2024Q3": digits, "2024Q2": digits}  # the same exports in any order: the same digits; 2024Q1 has
    # no evidence.json (published before evidence was recorded): no line
    text = visible(page)
    assert f"from exports {digits}, run 5 October 2024" in text and f"from exports {digits}, run 5 July 2024" in text
    record(tmp_path, "2024Q2", {**same, "sessions.csv": "c" * 64})
    page = build_index(tmp_path).read_text(encoding="utf-8")
    found = dict(re.findall(r'<tr data-quarter="(\w+)"><td>(?:(?!</td>).)*?data-exports="([0-9a-f]+)"', page))
    assert found["2024Q2"] != found["2024Q3"] == digits  # one file changed: other digits
    nl = visible(build_index(tmp_path, languages=("nl",)).read_text(encoding="utf-8"))
    assert f"uit exports {digits}, berekend op 5 oktober 2024" in nl
    assert ENGLISH.findall(nl) == []


def test_an_unreadable_evidence_file_leaves_the_exports_line_out(tmp_path):
    publish(tmp_path, "2024Q3", "2024-09-30")
    (tmp_path / "2024Q3" / "evidence.json").write_text("{not json", encoding="utf-8")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert rows(page) == ["2024Q3"] and "data-exports" not in page


def tally(page: str, quarter: str) -> str:
    return re.search(rf'<tr data-quarter="{quarter}">.*?(<td class="tally[^>]*>.*?</td>)</tr>', page, re.DOTALL).group(1)


@pytest.mark.parametrize("language,words", [("en", "1 of 6 kept"), ("nl", "1 van de 6 nagekomen")])
def test_each_quarter_shows_its_findings_kept_of_total_coloured_by_the_worst(tmp_path, language, words):
    """The last column: the quarter's first-screen tally of the policy's own promises (``findings.tally``), linking
    the quarter's report."""
    publish(tmp_path, "2024Q3", "2024-09-30")
    page = build_index(tmp_path, languages=(language,)).read_text(encoding="utf-8")
    cell = tally(page, "2024Q3")
    assert words in visible(cell)
    assert 'class="tally v-not_kept" data-verdict="not_kept" data-kept="1" data-total="6"' in cell
    assert 'href="2024Q3/quarterly-review.html"' in cell
    heads = re.findall(r"<th>([^<]*)</th>", page)
    assert heads[-1] == ("Promises kept" if language == "en" else "Beloften nagekomen")
    assert "Data-subject rights requests" not in heads and "Records past their retention deadline" not in heads


def test_the_tally_takes_the_worst_verdicts_colour_and_older_results_say_not_computable(tmp_path):
    kept = [{"id": f"p{i}", "verdict": "kept", "reason": "no_breach", "open_now": 0, "fixed_late": None} for i in range(9)]
    publish(tmp_path, "2024Q1", "2024-03-31", findings=None)  # written before findings
    publish(tmp_path, "2024Q2", "2024-06-30", findings=[*kept, {"id": "x", "verdict": "not assessable"}], report=False)
    publish(tmp_path, "2024Q3", "2024-09-30", findings=[*kept, {"id": "x", "verdict": "kept"}])
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert 'data-verdict="kept"' in tally(page, "2024Q3") and "10 of 10 kept" in visible(tally(page, "2024Q3"))
    second = tally(page, "2024Q2")
    assert 'data-verdict="not_assessable"' in second and "9 of 10 kept" in visible(second) and "href" not in second
    first = tally(page, "2024Q1")
    assert 'data-verdict="not_computable"' in first and "Not computable" in visible(first)
    assert re.search(r"td\.v-not_kept \{[^}]*color", page) and re.search(r"td\.v-kept \{[^}]*color", page)


def test_a_figure_no_quarter_holds_has_no_column(tmp_path):
    """A policy with no rights rule (docs/report.md, "The index page"): its quarters hold no rights figures."""
    folder = publish(tmp_path, "2026Q3", "2026-09-30")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["rights"] = {"on_time_rate": None, "open_overdue": None}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert 'data-kpi="rights.open_overdue"' not in page and 'data-kpi="rights.on_time_rate"' not in page
    assert 'data-kpi="support.tickets"' in page
    # a second quarter that holds one brings the column back, n/a in the quarter without it
    publish(tmp_path, "2026Q2", "2026-06-30")
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert page.count('data-kpi="rights.open_overdue"') == 2


def with_editions(folder, *languages):
    """A published quarter's evidence naming its report's languages, and each edition's HTML."""
    from pipelines.report.editions import editions

    (folder / "evidence.json").write_text(json.dumps({"run": {"report": True, "languages": list(languages)}}),
                                          encoding="utf-8")
    for edition in editions(languages):
        (folder / edition.html).write_text(f'<!DOCTYPE html><html lang="{edition.language}">', encoding="utf-8")
    return folder


def test_one_page_per_language_each_linking_the_other_and_its_quarters_in_its_language(tmp_path):
    with_editions(publish(tmp_path, "2024Q3", "2024-09-30"), "en", "nl")
    with_editions(publish(tmp_path, "2024Q2", "2024-06-30"), "en")  # an older quarter in English only
    main = build_index(tmp_path, languages=("en", "nl"))
    assert main.name == "index.html" and (tmp_path / "index.nl.html").is_file()
    en, nl = main.read_text(encoding="utf-8"), (tmp_path / "index.nl.html").read_text(encoding="utf-8")
    assert '<a href="index.nl.html" hreflang="nl" lang="nl">Nederlands</a>' in en
    assert '<a href="index.html" hreflang="en" lang="en">English</a>' in nl
    assert 'href="2024Q3/quarterly-review.html"' in en and 'href="2024Q3/quarterly-review.nl.html"' in nl
    # the quarter without a Dutch edition: its main report, from either page
    assert 'href="2024Q2/quarterly-review.html"' in nl and "quarterly-review.nl.html" not in en
    assert ENGLISH.findall(visible(nl).replace("English", "")) == []


def test_a_run_in_one_language_keeps_a_page_for_every_language_a_quarter_has(tmp_path):
    with_editions(publish(tmp_path, "2024Q3", "2024-09-30"), "en", "nl")
    build_index(tmp_path, languages=("en", "nl"))
    with_editions(publish(tmp_path, "2024Q4", "2024-12-31"), "nl")  # --language nl: Dutch is now the main page
    build_index(tmp_path, languages=("nl",))
    assert '<html lang="nl"' in (tmp_path / "index.html").read_text(encoding="utf-8")
    english = (tmp_path / "index.en.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in english and rows(english) == ["2024Q4", "2024Q3"]
    assert not (tmp_path / "index.nl.html").exists()  # the tool's own page, stale: removed
    # a page of that name the tool did not write is never touched
    (tmp_path / "index.nl.html").write_text("mine", encoding="utf-8")
    build_index(tmp_path, languages=("nl",))
    assert (tmp_path / "index.nl.html").read_text(encoding="utf-8") == "mine"


def test_verify_names_an_edited_page_of_any_language(tmp_path):
    from pipelines.report.index import index_differences

    quarter = with_editions(publish(tmp_path, "2024Q3", "2024-09-30"), "en", "nl")
    build_index(tmp_path, languages=("en", "nl"))
    assert index_differences(quarter) == []
    page = tmp_path / "index.nl.html"
    page.write_text(page.read_text(encoding="utf-8").replace("2024Q3", "2024Q4", 1), encoding="utf-8")
    assert index_differences(quarter) == ["published files: ../index.nl.html: differs from the index the published "
                                          "quarters make (changed after the run; the next run rebuilds it)"]
