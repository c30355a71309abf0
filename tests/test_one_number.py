"""One number per finding, the same in every published file (docs/report.md, "Open now and fixed late"): a whole
run on the shipped sample, printed to PDF, and its worklist, read back by tests/consistency.py; and the part for
the privacy team, whose commands run as printed."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.policy import load_policy
from tests.consistency import disagreements, findings, html_disagreements

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[1] / "data_samples"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """``run --pdf`` on a copy of the sample with relative paths, from its folder, as a scheduler would."""
    import os
    import shutil

    root = tmp_path_factory.mktemp("one-number")
    shutil.copytree(SAMPLE, root / "exports")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["run", "--data", "exports", "--out", "reports", "--db", "db/review.duckdb", "--pdf"]) == 0
    finally:
        os.chdir(cwd)
    return root, root / "reports" / "2026Q2"


def test_every_published_file_and_the_worklist_give_each_finding_the_same_numbers(sample_run, monkeypatch):
    root, quarter = sample_run
    page = (quarter / "quarterly-review.html").read_text(encoding="utf-8")
    # the worklist exactly as the report prints it, from the folder the run started in
    command = re.search(r'<code class="pr-code pr-command"[^>]*>(.*?)</code>', page[page.index("data-team"):]).group(1)
    words = [re.sub(r"<[^>]+>", "", w).replace("&lt;", "<").replace("&gt;", ">")
             for w in re.findall(r"<span[^>]*>(.*?)</span>", command)]
    assert words[:4] == ["privacy-review", "worklist", "--quarter", "2026Q2"]
    assert words[4:-2] == ["--data", "exports", "--db", "db/review.duckdb"] and words[-2:] == ["--out", "<private folder>"]
    monkeypatch.chdir(root)
    assert main([*words[1:-1], "private/worklist"]) == 0
    said, compared = disagreements(quarter, load_policy(None), worklist_dir=root / "private" / "worklist")
    assert said == []
    found = findings(quarter)
    # the sample breaks most promises, with records open and fixed late: nothing was compared trivially
    assert compared > 3 * len(found)
    assert found["account_erasure"]["open_now"] and found["account_erasure"]["fixed_late"]
    assert found["rights_on_time"]["open_now"] and found["rights_on_time"]["fixed_late"]
    # the index's column of accounts past their deadline is the inactivity finding's open now
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    row = re.search(r"<tr>.*?2026Q2.*?</tr>", index, re.DOTALL).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
    assert f"{found['account_erasure']['open_now']:,}" in cells and f"{found['rights_on_time']['open_now']:,}" in cells


def test_the_check_finds_a_number_changed_in_one_place(sample_run):
    _, quarter = sample_run
    page = (quarter / "quarterly-review.html").read_text(encoding="utf-8")
    by_id = findings(quarter)
    n = by_id["account_erasure"]["open_now"]
    assert html_disagreements("page", page, by_id)[0] == []
    forged = page.replace(f'data-open-now="{n}"', f'data-open-now="{n + 19}"', 1)
    assert html_disagreements("page", forged, by_id)[0]
    cell = re.search(r'data-finding="account_erasure"[^>]*>(?:<td.*?</td>){2}<td[^>]*>([\d,]+)</td>', page).group(1)
    forged = page.replace(f">{cell}</td>", f">{n + 19:,}</td>", 1)
    assert any("first screen shows" in s for s in html_disagreements("page", forged, by_id)[0])


def test_the_report_says_once_why_nothing_is_tracked_and_keeps_commands_off_the_first_screen(sample_run):
    _, quarter = sample_run
    page = (quarter / "quarterly-review.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert text.count("known only from a recorded run of 2026Q1") == 1
    assert "No earlier quarter" not in text and "no earlier quarter" not in text
    first = page[page.index('<header class="pr-title">'):page.index('class="pr-toc')]
    assert "privacy-review" not in re.sub(r"<[^>]+>", " ", first)
    assert "<wbr" not in page
    team = page[page.index("data-team"):]
    assert "privacy-review verify reports/2026Q2 --data exports --db db/review.duckdb" in re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", team))
    evidence = json.loads((quarter / "evidence.json").read_text(encoding="utf-8"))
    assert shlex.join(evidence["run"]["commands"]["worklist"]).startswith("privacy-review worklist --quarter 2026Q2")


def test_both_languages_are_published_side_by_side_and_open_in_a_browser(sample_run):
    """A default run publishes the report in English and Dutch (docs/report.md, "Languages"): a real browser opens
    the English page, follows its link to the Dutch one, which shows the same numbers, and both index pages."""
    from tests.report.chromium import browser, skip_without_browser

    skip_without_browser()
    root, quarter = sample_run
    assert {p.name for p in quarter.glob("quarterly-review*")} == {
        "quarterly-review.html", "quarterly-review.nl.html", "quarterly-review.pdf", "quarterly-review.nl.pdf"}
    assert sorted(p.name for p in (quarter / "notebooks-nl").glob("*.ipynb")) == sorted(
        p.name for p in (quarter / "notebooks").glob("*.ipynb"))
    with browser() as driver:
        driver.get((quarter / "quarterly-review.html").as_uri())
        assert driver.find_element("tag name", "html").get_attribute("lang") == "en"

        def counts():
            return [(r.get_attribute("data-finding"), r.get_attribute("data-open-now"), r.get_attribute("data-fixed-late"))
                    for r in driver.find_elements("css selector", "table.pr-findings tr[data-finding]")]

        english = counts()
        driver.find_element("css selector", "nav.pr-languages a[hreflang=nl]").click()
        assert driver.current_url.endswith("/quarterly-review.nl.html")
        assert driver.find_element("tag name", "html").get_attribute("lang") == "nl"
        assert counts() == english and len(english) == len(findings(quarter))
        assert "Wat het privacyteam moet doen" in driver.find_element("css selector", "table.pr-findings").text
        driver.get((root / "reports" / "index.html").as_uri())
        driver.find_element("css selector", "nav.languages a[hreflang=nl]").click()
        assert driver.current_url.endswith("/index.nl.html")
        driver.find_element("link text", "2026Q2").click()
        assert driver.current_url.endswith("/2026Q2/quarterly-review.nl.html")
