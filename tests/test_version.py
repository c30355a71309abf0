"""One version, written in pyproject.toml: ``pipelines.__version__``, ``--version``, summary.json, the About section."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import pipelines
from pipelines import cli
from pipelines.policy import load_policy
from pipelines.report.sections import overview
from pipelines.results import Results, compute_results, generator, write_results
from tests.report.sections.helpers import ctx, visible
from tests.test_results import Q3, TABLES

REPO = Path(__file__).resolve().parents[1]
PYPROJECT_VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_package_version_is_pyprojects():
    assert pipelines.__version__ == PYPROJECT_VERSION
    assert pipelines.__version__ != "0+unknown"


def test_version_option_prints_the_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"privacy-review {PYPROJECT_VERSION}\n"


def test_computed_results_name_their_generator(make_db):
    summary = compute_results(make_db(TABLES, absent=("web_visits",)), Q3, load_policy()).summary
    assert summary["generator"] == {"name": "privacy-review", "version": PYPROJECT_VERSION}


def test_summary_json_names_the_version_even_for_results_built_without_one(tmp_path):
    results = Results({"period": "2024Q3"})
    write_results(results, tmp_path / "a")
    written = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert written == {"period": "2024Q3", "generator": {"name": "privacy-review", "version": PYPROJECT_VERSION}}
    assert "generator" not in results.summary  # the caller's summary is left as it was


def test_summary_json_keeps_the_generator_that_computed_it(tmp_path):
    write_results(Results({"period": "2024Q3", "generator": {"name": "privacy-review", "version": "0.0.9"}}), tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert written["generator"]["version"] == "0.0.9"
    assert generator()["version"] == PYPROJECT_VERSION


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", f"Made with privacy-review {PYPROJECT_VERSION}."), ("nl", f"Gemaakt met privacy-review {PYPROJECT_VERSION}.")],
)
def test_the_about_section_names_the_version(language, said):
    summary = {"period": "2024Q3", "as_of": "2024-09-30", "generator": generator()}
    text = visible(overview.about(ctx(summary, tables={}, language=language)))
    assert text.endswith(said)
    assert "computed with" not in text and "berekend met" not in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", f"Made with privacy-review {PYPROJECT_VERSION}; the figures were computed with privacy-review 0.0.9."),
        ("nl", f"Gemaakt met privacy-review {PYPROJECT_VERSION}; de cijfers zijn berekend met privacy-review 0.0.9."),
    ],
)
def test_the_about_section_names_an_older_version_that_computed_the_figures(language, said):
    summary = {"period": "2024Q3", "as_of": "2024-09-30", "generator": {"name": "privacy-review", "version": "0.0.9"}}
    assert visible(overview.about(ctx(summary, tables={}, language=language))).endswith(said)


def test_a_summary_without_a_generator_names_only_the_report_version():
    text = visible(overview.about(ctx({"period": "2024Q3", "as_of": "2024-09-30"}, tables={})))
    assert text.endswith(f"Made with privacy-review {PYPROJECT_VERSION}.")
