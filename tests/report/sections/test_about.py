"""The About section's evidence lines in the report's language: the engine in words, the policy's own Dutch name."""

from __future__ import annotations

import pytest

from pipelines.report.sections import overview
from tests.report.sections.helpers import POLICY, ctx, visible


def evidence(engine: str = "duckdb", policy_name: str = POLICY.name) -> dict:
    return {
        "policy": {"name": policy_name, "version": POLICY.version, "file": "privacy-policy-2024-06-17.toml", "sha256": "ab" * 32},
        "software": {"privacy-review": "0.1.0", "duckdb": "1.1.0"},
        "run": {"quarter": "2024Q3", "as_of": "2024-09-30", "input_zone": "UTC", "engine": engine,
                "started_at": "2024-10-01T08:00:00Z"},
    }


def about(language: str, **kwargs) -> str:
    context = ctx(language=language)
    context.evidence = evidence(**kwargs)
    return visible(overview.about(context))


def test_the_dutch_about_section_names_the_policy_and_engine_in_dutch():
    assert POLICY.name_nl  # the packaged policy file states its Dutch name
    text = about("nl")
    assert f"Beleid: {POLICY.name_nl}, versie" in text
    assert POLICY.name not in text
    assert "berekend met DuckDB" in text
    assert "engine" not in text.lower() and "duckdb;" not in text


def test_the_english_about_section():
    text = about("en")
    assert f"Policy: {POLICY.name}, version" in text
    assert "computed with DuckDB" in text and "engine duckdb" not in text


@pytest.mark.parametrize("language,words", [("en", "computed with Apache Spark"), ("nl", "berekend met Apache Spark")])
def test_spark_runs_are_named_too(language, words):
    assert words in about(language, engine="spark")


def test_another_policy_keeps_the_name_its_evidence_records():
    """Only the policy the report quotes has a known Dutch name; another file's name is shown as recorded."""
    assert "Beleid: Other Corp policy, versie" in about("nl", policy_name="Other Corp policy")
