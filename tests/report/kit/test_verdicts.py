"""Reading the findings (docs/report.md, "Findings"): a finding's verdict as the report's code, its basis' words,
and the tally of kept of total coloured by the worst verdict. Nothing here judges a figure."""

from __future__ import annotations

import pytest

from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
    basis,
    code,
    finding,
    findings_of,
    overall,
    source,
    verdict,
    words_key,
)
from pipelines.report.kit.words import t


def f(id_, verdict_, reason="", **more) -> dict:
    return {"id": id_, "verdict": verdict_, "reason": reason, **more}


@pytest.mark.parametrize(
    "found,expected",
    [
        (f("a", "kept", "no_breach"), KEPT),
        (f("a", "not kept", "breach"), NOT_KEPT),
        (f("a", "not assessable", "nothing_to_judge"), NOT_ASSESSABLE),
        (f("a", "not assessable", "not_exported"), NOT_CHECKED),  # the report's "Not checked: not exported"
        (f("a", "not computable", "figure_missing"), NOT_COMPUTABLE),
        (f("a", "something new"), NOT_COMPUTABLE),
        (None, NOT_COMPUTABLE),  # no such finding: an older summary.json
    ],
)
def test_a_findings_verdict_as_the_reports_code(found, expected):
    assert code(found) == expected


def test_findings_by_id_and_older_summaries_without_them():
    summary = {"findings": [f("a", "kept"), "junk", f("b", "not kept")]}
    assert [x["id"] for x in findings_of(summary)] == ["a", "b"]
    assert finding(summary, "b")["verdict"] == "not kept"
    assert finding(summary, "c") is None and verdict(summary, "c") == NOT_COMPUTABLE
    assert findings_of({}) == [] and findings_of(None) == [] and findings_of({"findings": None}) == []


def test_basis_source_and_words():
    law = f("r", "not kept", basis="law", source={"en": "GDPR Art. 12(3)", "nl": "AVG art. 12, lid 3"})
    assert basis(law) == "law" and source(law, "nl") == "AVG art. 12, lid 3"
    assert source({**law, "source": {"en": "only English", "nl": ""}}, "nl") == "only English"
    assert basis(f("p", "kept", basis="policy")) == "policy" and source(f("p", "kept", source=None), "en") == ""
    assert basis(None) is None and basis(f("x", "kept", basis="folklore")) is None
    assert t("en", words_key(KEPT, "policy")) == "Promise kept"
    assert t("en", words_key(NOT_KEPT, None)) == "Promise not kept"
    assert t("en", words_key(KEPT, "law")) == "Legal deadline met"
    assert t("en", words_key(NOT_KEPT, "law")) == "Legal deadline missed"
    assert t("en", words_key(KEPT, "internal standard")) == "Internal standard met"
    assert t("en", words_key(NOT_KEPT, "internal standard")) == "Internal standard missed"
    assert t("nl", words_key(NOT_KEPT, "law")) == "Wettelijke termijn overschreden"
    assert t("nl", words_key(KEPT, "internal standard")) == "Interne norm gehaald"
    assert words_key(NOT_ASSESSABLE, "law") == NOT_ASSESSABLE  # judging nothing reads the same on any basis


@pytest.mark.parametrize(
    "verdicts,worst",
    [
        (["kept", "kept"], KEPT),
        (["kept", "not assessable"], NOT_ASSESSABLE),  # one not judged: not "all kept"
        (["kept", "not computable", "not assessable"], NOT_COMPUTABLE),
        (["kept", "not kept", "not computable"], NOT_KEPT),
        ([], NOT_COMPUTABLE),  # no findings at all
    ],
)
def test_the_tally_is_coloured_by_the_worst_verdict(verdicts, worst):
    result = overall([f(str(i), v) for i, v in enumerate(verdicts)])
    assert result.verdict == worst
    assert result.total == len(verdicts)
    assert result.kept == verdicts.count("kept") and result.not_kept == verdicts.count("not kept")
    assert result.kept + result.not_kept + result.not_judged == result.total
