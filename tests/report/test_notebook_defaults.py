"""Every notebook runs top to bottom with its own defaults, as "Run All" in JupyterLab on a fresh checkout.

A copy of the checkout's layout (notebooks/ beside data_samples/, no reports/ yet)
so the defaults (`../reports/latest`, else `../data_samples`) are exercised for real.
"""

from __future__ import annotations

import shutil

import pytest

from pipelines.report.execute import execute_notebook
from pipelines.sample.generate import write_sample
from tests.report.conftest import NOTEBOOKS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_sample(root / "data_samples", accounts=200, seed=9, fmt="csv")  # small stand-in for the shipped sample
    return root


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs_with_its_defaults(checkout, name, tmp_path):
    executed = execute_notebook(checkout / "notebooks" / name, tmp_path / name, parameters={}, cwd=checkout / "notebooks")
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    assert not (checkout / "reports").exists()  # exploring never publishes anything
