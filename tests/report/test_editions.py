"""The report's editions, one per language, side by side (pipelines/report/editions.py; docs/report.md,
"Languages")."""

from __future__ import annotations

import json

from pipelines.report.editions import Edition, edition_for, editions, published_editions, recorded_languages
from pipelines.run import dropped_languages


def test_the_main_edition_keeps_the_names_a_quarter_always_had_the_others_carry_their_language():
    main, dutch = editions(("en", "nl", "en"))
    assert (main.html, main.pdf, main.notebooks) == ("quarterly-review.html", "quarterly-review.pdf", "notebooks")
    assert (dutch.html, dutch.pdf, dutch.notebooks) == (
        "quarterly-review.nl.html", "quarterly-review.nl.pdf", "notebooks-nl")
    assert editions(("nl",)) == (Edition("nl", main=True),)  # --language nl: Dutch is the main edition


def quarter(tmp_path, run: dict, *files: str):
    folder = tmp_path / "2026Q2"
    folder.mkdir()
    (folder / "evidence.json").write_text(json.dumps({"run": run}), encoding="utf-8")
    for name in files:
        (folder / name).write_text("<!DOCTYPE html>", encoding="utf-8")
    return folder


def test_a_quarter_says_its_editions_from_its_evidence_and_files(tmp_path):
    folder = quarter(tmp_path, {"report": True, "languages": ["en", "nl"]},
                     "quarterly-review.html", "quarterly-review.nl.html")
    assert recorded_languages(folder) == ("en", "nl")
    assert [e.language for e in published_editions(folder)] == ["en", "nl"]
    assert edition_for(folder, "nl").html == "quarterly-review.nl.html"
    assert edition_for(folder, "en").html == "quarterly-review.html"


def test_an_older_quarter_names_its_one_language_and_a_quarter_without_report_none(tmp_path):
    older = quarter(tmp_path, {"language": "nl"}, "quarterly-review.html")
    assert recorded_languages(older) == ("nl",) and edition_for(older, "en").language == "nl"
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "evidence.json").write_text(json.dumps({"run": {"report": False, "languages": []}}), encoding="utf-8")
    assert recorded_languages(bare) == () and published_editions(bare) == () and edition_for(bare, "en") is None


def test_replacing_a_quarter_says_which_report_it_drops(tmp_path):
    folder = quarter(tmp_path, {"report": True, "languages": ["en", "nl"]})
    assert dropped_languages(folder, ("en", "nl")) == []
    assert dropped_languages(folder, ("en",)) == ["nl"]
    assert dropped_languages(folder, ("nl",)) == ["en"]
    assert dropped_languages(folder, ()) == ["en", "nl"]  # --no-report
    assert dropped_languages(tmp_path / "none", ("en",)) == []  # nothing published yet
    one = tmp_path / "one"
    one.mkdir()
    (one / "evidence.json").write_text(json.dumps({"run": {"report": True, "languages": ["en"]}}), encoding="utf-8")
    assert dropped_languages(one, ("nl", "en")) == ["en as its main report (quarterly-review.html is now in nl)"]
