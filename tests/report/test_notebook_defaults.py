"""Every notebook runs top to bottom with its own defaults, as "Run All" in JupyterLab on a fresh checkout.

A copy of the checkout's layout (notebooks/ beside data_samples/, no reports/ yet)
so the defaults (`../reports/latest`, else `../data_samples`) are exercised for real.
"""

from __future__ import annotations

import shutil

import pytest

from papermill.exceptions import PapermillExecutionError

from pipelines.report.build import report_notebooks
from pipelines.report.execute import execute_notebook
from pipelines.report.workspace import EXPLORE_NOTEBOOK
from pipelines.sample.generate import write_sample
from tests.report.conftest import NOTEBOOKS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_sample(root / "data_samples", accounts=200, seed=9, fmt="csv")  # small stand-in for the shipped sample
    return root


@pytest.mark.parametrize("name", [p.name for p in report_notebooks(NOTEBOOKS)])
def test_notebook_runs_with_its_defaults(checkout, name, tmp_path):
    executed = execute_notebook(checkout / "notebooks" / name, tmp_path / name, parameters={}, cwd=checkout / "notebooks")
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    assert not (checkout / "reports").exists()  # exploring never publishes anything


def test_the_exploration_notebook_without_a_database_says_which_one_to_load(checkout, tmp_path):
    """It explores a loaded database; on a checkout where none was loaded (the README's first command makes one
    where its default points), the first cell that needs it stops with the path and the command to run."""
    with pytest.raises(PapermillExecutionError) as failed:
        execute_notebook(checkout / "notebooks" / EXPLORE_NOTEBOOK, tmp_path / EXPLORE_NOTEBOOK, parameters={},
                         cwd=checkout / "notebooks")
    assert failed.value.ename == "FileNotFoundError"
    assert "privacy-review.duckdb: no database; run privacy-review load" in failed.value.evalue
    assert not (checkout / ".privacy-review").exists()  # nothing made
