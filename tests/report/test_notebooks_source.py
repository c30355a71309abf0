"""The notebooks as stored: clean, parameterized the same way, ready for papermill and JupyterLab."""

from __future__ import annotations

import importlib.util

import nbformat
import papermill as pm
import pytest

from tests.report.conftest import NOTEBOOKS, REPO

EXPECTED = [
    "00_quarterly_review.ipynb",
    "10_inactivity.ipynb",
    "20_retention.ipynb",
    "30_support.ipynb",
    "40_rights.ipynb",
    "50_data_quality.ipynb",
]
PARAMETERS = [
    "results_dir",
    "db",
    "data_dir",
    "quarter",
    "as_of",
    "policy",
    "language",
    "output_dir",
]
#: the report's notebooks (the exploration notebook is the analysts' own: test_explore.py)
ALL = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
EXPLORE = NOTEBOOKS / "explore.ipynb"


def _strip_script():
    spec = importlib.util.spec_from_file_location(
        "strip_notebook_outputs", REPO / "scripts" / "strip_notebook_outputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_notebooks_are_there_in_reading_order():
    assert [p.name for p in ALL] == EXPECTED
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted([*EXPECTED, EXPLORE.name])


def test_the_exploration_notebook_is_stored_clean_with_its_parameters():
    nb = nbformat.read(EXPLORE, as_version=4)
    nbformat.validate(nb)
    assert not _strip_script().problems(nb)
    inferred = pm.inspect_notebook(str(EXPLORE))
    assert list(inferred) == ["db", "quarter", "as_of", "policy"] and all(p["help"] for p in inferred.values())
    assert inferred["db"]["default"] == '"../.privacy-review/privacy-review.duckdb"'
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "personal data" in text and "never published" in text and "read-only" in text


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    problems = _strip_script().problems(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: {problems}; run python scripts/strip_notebook_outputs.py"
    )


def test_strip_script_check_fails_on_an_executed_notebook(tmp_path):
    strip = _strip_script()
    nb = nbformat.read(NOTEBOOKS / EXPECTED[0], as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x")]
    nb.cells[2].execution_count = 3
    dirty = tmp_path / "dirty.ipynb"
    nbformat.write(nb, dirty)
    assert strip.main(["--check", str(dirty)]) == 1
    assert strip.main([str(dirty)]) == 0
    assert strip.main(["--check", str(dirty)]) == 0


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_metadata_and_parameters(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec["language"] == "python"
    assert nb.metadata.get("title"), "nb.metadata.title is the HTML title"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    # every line documented as `name: type = default  # help` (papermill --help-notebook)
    inferred = pm.inspect_notebook(str(path))
    assert list(inferred) == PARAMETERS
    assert all(p["help"] for p in inferred.values())
    assert inferred["results_dir"]["default"] == '"../reports/latest"'
    assert inferred["data_dir"]["default"] == '"../data_samples"'
    assert inferred["language"]["default"] == '"en"'


def test_the_explore_notebooks_instructions_name_paths_that_exist_from_the_repository_root():
    """Issue 32: an instruction in a notebook works verbatim from where it says to run it."""
    import re

    text = (REPO / "notebooks" / "explore.ipynb").read_text(encoding="utf-8")
    commands = re.findall(r"`(\.venv/bin/python [^`]+)`", text)
    assert commands
    for command in commands:
        for word in command.split()[1:]:
            if "/" in word:
                assert (REPO / word).exists(), word
