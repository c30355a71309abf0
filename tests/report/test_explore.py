"""The exploration notebook (notebooks/explore.ipynb): shipped, copied by ``privacy-review notebooks``, run top to
bottom on the sample's database, never run by the report nor published (docs/report.md, "Exploring the database")."""

from __future__ import annotations

import re
from html import unescape

import nbformat
import pytest

from pipelines import cli
from pipelines.contract import TABLES


def html_tables(nb: nbformat.NotebookNode) -> list[list[str]]:
    """The column headings of every HTML table in the notebook's outputs."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for table in re.findall(r"<table\b.*?</table>", output.get("data", {}).get("text/html", ""), re.DOTALL):
                found.append([unescape(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.DOTALL)])
    return found


@pytest.mark.slow
def test_the_exploration_notebook_runs_on_the_samples_database(explored):
    nb = nbformat.read(explored["notebook"], as_version=4)  # the fixture raises on a failing cell
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    tables = html_tables(nb)
    accounts = list(TABLES["accounts"].column_names)
    assert accounts in tables, "the accounts table with every one of its columns"
    # the first retention figure's records (the worklist's columns, without its remediation label)
    assert ["rule", "table", "id", "account_id", "subject_id", "deadline", "days_overdue", "exception"] in tables
    assert any("quarter_end" in headings and "past_deadline" in headings for headings in tables)
    charts = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.vegalite.v5+json" in o.get("data", {})]
    assert len(charts) == 1 and charts[0]["data"]["application/vnd.vegalite.v5+json"]["config"], "in the theme"
    assert explored["after"] == explored["before"], "the database is opened read-only"


def test_privacy_review_notebooks_copies_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["notebooks", "work"]) == 0
    assert str(tmp_path / "work" / "explore.ipynb") in capsys.readouterr().out.split()
    source = (tmp_path / "work" / "explore.ipynb").read_text(encoding="utf-8")
    assert str(tmp_path / "home" / "privacy-review.duckdb") in source


def test_a_published_quarter_holds_no_exploration_notebook(published):
    """The report runs the NN_*.ipynb notebooks only: nothing of the exploration notebook is published."""
    assert not [p for p in published["reports"].rglob("*") if "explore" in p.name]
    assert "explore" not in published["html"].read_text(encoding="utf-8").lower()
