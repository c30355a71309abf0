"""A report built in Dutch shows no English: page text, chart titles, axes, legends and tooltips.

One management report is built with the publish stage (``language="nl"``) on
the fake results (the session's ``results_dir``), from the management
notebook only, to keep the suite fast. Every chart spec embedded in the HTML
is drawn to SVG, so axis labels and legend entries are checked as a reader
sees them. The word list holds English UI words that are not Dutch words
too ("of", "is", "data", "export", "tickets", "accounts", "status" are).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
import vl_convert as vlc

from pipelines.report.kit import blocks, theme
from pipelines.report.kit.words import t, tn
from pipelines.report.sections import overview, quality, rights, support
from tests.report.conftest import NOTEBOOKS, finding_rows, publish_report
from tests.report.fake_results import fake_summary, fake_tables
from tests.report.sections.helpers import ctx, prose, visible

ENGLISH_WORDS = [
    "the", "and", "with", "within", "were", "are", "has", "have", "not", "none", "all", "from",
    "for", "after", "before", "than", "promise", "kept", "requests", "request", "inquiries",
    "received", "completed", "rows", "loaded", "flagged", "days", "hours", "months", "quarter",
    "quarters", "median", "channel", "category", "overdue", "due", "elapsed", "share", "table",
    "reason", "measure", "count", "timestamp", "identifier", "fields", "unknown", "synthetic",
    "sample", "billing",
]
ENGLISH = re.compile(r"\b(" + "|".join(ENGLISH_WORDS) + r"|help center|live chat|how-to)\b", re.IGNORECASE)
#: internal names: snake_case codes, the families' bin codes, loader reasons
CODES = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|<1h|\b\d+-\d+[hd]\b|\b7d\+|bad timestamp|wrong number of fields")
#: words the Dutch sections B (support, rights, data quality) must not use either
SECTIONS_B_ENGLISH = re.compile(r"\bdeadline\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def dutch(tmp_path_factory, results_dir) -> str:
    notebooks = tmp_path_factory.mktemp("notebooks-nl")
    shutil.copy(NOTEBOOKS / "00_quarterly_review.ipynb", notebooks)
    reports = tmp_path_factory.mktemp("reports-nl")
    html = publish_report(results_dir, reports, language="nl", notebooks_dir=notebooks)
    return html.read_text(encoding="utf-8")


def specs(page: str) -> list[dict]:
    return [
        json.loads(m.group(1))
        for m in re.finditer(r'<script class="pr-chart-spec" type="application/json">(.*?)</script>', page, re.DOTALL)
    ]


def spec_words(node) -> list[str]:
    """Titles, subtitles and tooltip titles anywhere in a spec (the data itself is drawn, and checked, as SVG)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasets":
                continue
            if key in ("title", "subtitle") and isinstance(value, (str, list)):
                found.extend([value] if isinstance(value, str) else map(str, value))
            else:
                found.extend(spec_words(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(spec_words(item))
    return found


def drawn(spec: dict) -> str:
    return visible(vlc.vegalite_to_svg(spec, vl_version=theme.vegalite_version()))


def section_text(page: str, heading: str, next_heading: str) -> str:
    """The visible text from the ``<h2>`` named ``heading`` to the one named ``next_heading``."""
    start = re.search(rf"<h2[^>]*>{heading}</h2>", page)
    end = re.search(rf"<h2[^>]*>{next_heading}</h2>", page[start.end() :])
    return visible(page[start.start() : start.end() + end.start()])


def test_the_word_lists_find_english():
    assert ENGLISH.findall("Promise kept: 3 of the requests were late") == ["Promise", "kept", "the", "requests", "were"]
    assert CODES.findall("help_center 1-4h <1h") == ["help_center", "1-4h", "<1h"]
    nl = "Belofte nagekomen: 12 maanden of langer; 224 supporttickets, data, export, status, accounts"
    assert ENGLISH.findall(nl) == [] and CODES.findall(nl) == []


def test_the_dutch_page_text_has_no_english(dutch):
    text = prose(dutch)  # worklist file names and the command are code, the same in any language
    assert "Supportvragen" in text and "Datakwaliteit" in text
    assert sorted(set(ENGLISH.findall(text))) == []
    assert sorted(set(CODES.findall(text))) == []


def test_the_dutch_charts_have_no_english(dutch):
    charts = specs(dutch)
    assert len(charts) >= 8
    words = " · ".join(w for spec in charts for w in spec_words(spec))
    assert sorted(set(ENGLISH.findall(words))) == [] and sorted(set(CODES.findall(words))) == []
    for spec in charts:
        text = drawn(spec)
        assert sorted(set(ENGLISH.findall(text))) == [], text[:120]
        assert sorted(set(CODES.findall(text))) == [], text[:120]


def test_the_first_screen_holds_every_finding_in_dutch(dutch, results_dir):
    """The findings table right under the overall verdict: every finding of summary.json, with its verdict in
    the words of its basis (docs/report.md, "The first screen")."""
    findings = json.loads((results_dir / "summary.json").read_text(encoding="utf-8"))["findings"]
    first = dutch[dutch.index('<header class="pr-title">') : dutch.index('class="pr-toc')]
    shown = finding_rows(first)
    assert shown == [(f["id"], f["verdict"], json.dumps(f["open_now"]), json.dumps(f["fixed_late"])) for f in findings]
    text = visible(first)
    # the policy's own promises counted, the legal deadline and the internal standards beside them
    assert ("Samengevat 1 van de 6 beloften nagekomen 4 niet nagekomen, 1 niet beoordeeld. Daarnaast: wettelijke "
            "termijnen 0 van de 1 gehaald, interne normen 3 van de 5 gehaald.") in text
    for words in ("Belofte niet nagekomen", "Belofte nagekomen", "Wettelijke termijn overschreden",
                  "Interne norm niet gehaald", "Interne norm gehaald", "Niet gecontroleerd: niet geëxporteerd"):
        assert words in text
    assert "37 accounts te wissen of te anonimiseren; lijst: account_past_deadline.csv" in text
    assert "Gegevens voorbij hun bewaartermijn" not in text and "1.356" not in text  # no total over kinds


def test_support_rights_and_quality_say_termijn_not_deadline(dutch):
    ours = section_text(dutch, "Supportvragen", "Over dit rapport")
    assert "Verzoeken van betrokkenen" in ours and "Datakwaliteit" in ours
    assert "termijn" in ours and SECTIONS_B_ENGLISH.findall(ours) == []


SECTIONS_B_CHARTS = [
    support.by_channel_month, support.by_category, support.durations, support.duration_histogram,
    rights.by_right, rights.days_to_complete, rights.on_time_trend, rights.open_ageing,
    quality.rejects, quality.flags,
]


@pytest.mark.parametrize("make", SECTIONS_B_CHARTS, ids=lambda m: m.table)
def test_every_support_rights_and_quality_chart_is_dutch(make):
    """Also the analyst notebooks' charts, which the management report does not draw."""
    chart = make(fake_tables(fake_summary())[make.table], "nl")
    text = drawn(theme.as_vegalite5(chart.to_dict())) + " " + " ".join(spec_words(chart.to_dict()))
    assert sorted(set(ENGLISH.findall(text))) == [] and sorted(set(CODES.findall(text))) == []
    assert SECTIONS_B_ENGLISH.findall(text) == []


def test_analyst_notebook_words_are_dutch():
    c = ctx(language="nl")
    parts = [
        support.section(c), rights.section(c), quality.section(c),
        *(overview.title_block(c, f"nb{n}_title", intro=f"nb{n}_intro") for n in (30, 40, 50)),
        blocks.subsection(c, "nb30_times", "nb30_times_text"),
        blocks.subsection(c, "nb30_change"),
        blocks.subsection(c, "nb30_missed", "nb30_missed_text", days=tn("nl", "rights_days", 30)),
        blocks.subsection(c, "nb40_days"), blocks.subsection(c, "nb40_trend"),
        blocks.subsection(c, "nb40_open", "nb40_open_text"),
        blocks.subsection(c, "nb50_sources", "nb50_sources_text"), t("nl", "nb50_no_db"),
    ]
    text = visible(" ".join(parts))
    assert sorted(set(ENGLISH.findall(text))) == [] and sorted(set(CODES.findall(text))) == []
    assert SECTIONS_B_ENGLISH.findall(text) == []
