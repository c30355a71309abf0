"""``privacy-review notebooks DIR``: the report's notebooks copied out, parameters pointed at the user's files."""

from __future__ import annotations

import hashlib
import json
import logging

import nbformat
import papermill as pm
import pytest

from pipelines import cli, ownership
from pipelines.errors import BadInput
from pipelines.report.build import (
    NOTEBOOKS_ENV,
    default_notebooks_dir,
    packaged_notebooks_dir,
)
from pipelines.report.execute import execute_notebook
from pipelines.report.workspace import EXPLORE_NOTEBOOK, point_parameters, write_workspace
from tests.report.conftest import NOTEBOOKS
from tests.report.fake_results import QUARTER, write_fake_results

CELL = (
    "# Parameters: ...\n"
    'results_dir: str = "../reports/latest"  # results of a run\n'
    'db: str = "../.privacy-review/privacy-review.duckdb"  # the run\'s DuckDB file\n'
    'quarter: str = "latest"  # the reviewed quarter'
)


def parameters_cell(path) -> str:
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return cell.source


def test_a_checkout_runs_its_own_notebooks_folder(tmp_path, monkeypatch):
    """The wheel's copy is tests/test_wheel.py's; here the checkout's, and the override."""
    monkeypatch.delenv(NOTEBOOKS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert packaged_notebooks_dir() is None  # no pipelines/notebooks/ in a checkout
    assert default_notebooks_dir() == NOTEBOOKS
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "00_quarterly_review.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path / "mine"))
    assert default_notebooks_dir() == tmp_path / "mine"


def test_point_parameters_replaces_only_the_named_defaults_and_keeps_the_help():
    pointed = point_parameters(CELL, {"db": "/data/my db.duckdb", "results_dir": '/r/"odd"\\name'})
    assert pointed.split("\n") == [
        "# Parameters: ...",
        'results_dir: str = "/r/\\"odd\\"\\\\name"  # results of a run',
        'db: str = "/data/my db.duckdb"  # the run\'s DuckDB file',
        'quarter: str = "latest"  # the reviewed quarter',
    ]


def test_point_parameters_refuses_a_name_the_cell_does_not_set():
    with pytest.raises(ValueError, match="0 lines set data_dir"):
        point_parameters(CELL, {"data_dir": "/x"})


def test_every_notebook_is_written_with_the_users_paths_and_nothing_else_changed(tmp_path):
    written = write_workspace(tmp_path / "work", db=tmp_path / "home" / "db.duckdb",
                              results_dir=tmp_path / "reports" / "latest", data_dir=tmp_path / "exports")
    assert [p.name for p in written] == [*sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), EXPLORE_NOTEBOOK]
    explore = written.pop()  # the exploration notebook reads the database only: its db, and nothing else changed
    assert {k: v["default"] for k, v in pm.inspect_notebook(str(explore)).items()} == {
        "db": json.dumps(str(tmp_path / "home" / "db.duckdb")), "quarter": '"latest"', "as_of": '""', "policy": '""'}
    assert [c.source for c in nbformat.read(explore, as_version=4).cells][2:] == [
        c.source for c in nbformat.read(NOTEBOOKS / EXPLORE_NOTEBOOK, as_version=4).cells][2:]
    for path in written:
        defaults = {k: v["default"] for k, v in pm.inspect_notebook(str(path)).items()}
        assert defaults["db"] == json.dumps(str(tmp_path / "home" / "db.duckdb"))
        assert defaults["results_dir"] == json.dumps(str(tmp_path / "reports" / "latest"))
        assert defaults["data_dir"] == json.dumps(str(tmp_path / "exports"))
        assert defaults["quarter"] == '"latest"' and defaults["language"] == '"en"'
        source, copy = nbformat.read(NOTEBOOKS / path.name, as_version=4), nbformat.read(path, as_version=4)
        assert [c.source for c in copy.cells if "parameters" not in c.metadata.get("tags", [])] == [
            c.source for c in source.cells if "parameters" not in c.metadata.get("tags", [])
        ]
        assert {k: v for k, v in copy.metadata.items() if k != "privacy_review"} == source.metadata
        assert copy.metadata["privacy_review"] == {"made_by": "privacy-review notebooks"}  # --force may replace it
        assert not any(c.get("outputs") for c in copy.cells if c.cell_type == "code")


def test_without_exports_data_dir_is_left_empty(tmp_path):
    (path, *_) = write_workspace(tmp_path / "w", db=tmp_path / "db.duckdb", results_dir=tmp_path / "r")
    assert pm.inspect_notebook(str(path))["data_dir"]["default"] == '""'


def test_existing_notebooks_are_kept_unless_forced(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine", encoding="utf-8")
    write_workspace(work, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r")
    mine = (work / "10_inactivity.ipynb").read_text(encoding="utf-8")
    with pytest.raises(BadInput, match=r"already holds 00_quarterly_review\.ipynb.*; use --force"):
        write_workspace(work, db=tmp_path / "db2.duckdb", results_dir=tmp_path / "r")
    assert (work / "10_inactivity.ipynb").read_text(encoding="utf-8") == mine  # nothing written
    write_workspace(work, db=tmp_path / "db2.duckdb", results_dir=tmp_path / "r", force=True)
    assert "db2.duckdb" in (work / "10_inactivity.ipynb").read_text(encoding="utf-8")
    assert (work / "notes.txt").read_text(encoding="utf-8") == "mine"
    # a notebook of the same name the command did not write is never replaced, not even with --force
    (work / "10_inactivity.ipynb").write_text("my edits", encoding="utf-8")
    with pytest.raises(BadInput, match=r"10_inactivity\.ipynb, not written by privacy-review notebooks"):
        write_workspace(work, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r", force=True)
    assert (work / "10_inactivity.ipynb").read_text(encoding="utf-8") == "my edits"


def test_an_analysts_edit_is_never_overwritten_not_even_with_force(tmp_path, caplog):
    """Run again over copies an analyst changed: exit 2 naming the changed copy, nothing written; the unchanged
    copies are replaced with --force once it is moved away (docs/operations.md, "Analyst notebooks")."""
    caplog.set_level(logging.INFO)
    work = tmp_path / "work"
    written = write_workspace(work, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r")
    assert ownership.notebook_copies(work) == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    edited = work / "20_retention.ipynb"
    nb = nbformat.read(edited, as_version=4)
    nb.cells[-1].source += "\n# my own check"  # still carries the copy's mark: only its bytes tell
    nbformat.write(nb, edited)
    mine = edited.read_bytes()
    others = {p.name: p.read_bytes() for p in written if p != edited}
    for force in (False, True):
        with pytest.raises(BadInput) as refused:
            write_workspace(work, db=tmp_path / "db2.duckdb", results_dir=tmp_path / "r", force=force)
        assert str(refused.value).startswith(f"{edited}: changed since privacy-review notebooks wrote it; ")
        assert "never replaced, not even with --force" in str(refused.value)
        assert edited.read_bytes() == mine
        assert {p.name: p.read_bytes() for p in written if p != edited} == others  # nothing written at all
    edited.rename(work / "20_retention-mine.ipynb")  # the analyst keeps it under another name
    write_workspace(work, db=tmp_path / "db2.duckdb", results_dir=tmp_path / "r", force=True)
    assert "db2.duckdb" in (work / "10_inactivity.ipynb").read_text(encoding="utf-8")
    assert (work / "20_retention-mine.ipynb").read_bytes() == mine
    assert "replaced 6 copies" in caplog.text and "an edited copy is never replaced" in caplog.text


def test_a_copy_written_before_hashes_were_recorded_is_kept_as_if_edited(tmp_path):
    """No record of what was written (an earlier version, or the record deleted): an edit cannot be told apart."""

    work = tmp_path / "work"
    write_workspace(work, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r")
    (work / ownership.NOTEBOOKS_MARKER).unlink()
    with pytest.raises(BadInput, match=r"00_quarterly_review\.ipynb: changed since .*\(and 10_inactivity"):
        write_workspace(work, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r", force=True)
    (work / ownership.NOTEBOOKS_MARKER).write_text("my notes", encoding="utf-8")  # a stranger's file of that name
    with pytest.raises(BadInput, match="privacy-review-notebooks: not written by privacy-review"):
        write_workspace(tmp_path / "work", db=tmp_path / "db.duckdb", results_dir=tmp_path / "r", force=True)
    assert (work / ownership.NOTEBOOKS_MARKER).read_text(encoding="utf-8") == "my notes"


def test_the_reports_own_notebooks_are_never_rewritten(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "00_quarterly_review.ipynb").write_bytes((NOTEBOOKS / "00_quarterly_review.ipynb").read_bytes())
    with pytest.raises(BadInput, match="the notebooks every report is made from"):
        write_workspace(source, db=tmp_path / "db.duckdb", results_dir=tmp_path / "r", force=True,
                        notebooks_dir=source)
    assert (source / "00_quarterly_review.ipynb").read_bytes() == (NOTEBOOKS / "00_quarterly_review.ipynb").read_bytes()


def test_a_file_in_the_way_is_bad_input(tmp_path):
    (tmp_path / "work").write_text("", encoding="utf-8")
    with pytest.raises(BadInput, match="not a folder"):
        write_workspace(tmp_path / "work", db=tmp_path / "db.duckdb", results_dir=tmp_path / "r")


def test_the_command_points_at_the_default_database_and_refuses_a_second_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["notebooks", "work"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed[0] == str(tmp_path / "work" / "00_quarterly_review.ipynb") and len(printed) == len(
        list(NOTEBOOKS.glob("*.ipynb"))
    )
    source = parameters_cell(tmp_path / "work" / "00_quarterly_review.ipynb")
    assert f'db: str = "{tmp_path / "home" / "privacy-review.duckdb"}"' in source
    assert f'results_dir: str = "{tmp_path / "reports" / "latest"}"' in source
    assert not (tmp_path / "home").exists()  # pointing at the database creates nothing
    assert cli.main(["notebooks", "work"]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli.main(["notebooks", "work", "--force", "--db", "my.duckdb", "--reports", "out", "--data", "x"]) == 0
    source = parameters_cell(tmp_path / "work" / "40_rights.ipynb")
    assert f'db: str = "{tmp_path / "my.duckdb"}"' in source
    assert f'results_dir: str = "{tmp_path / "out" / "latest"}"' in source
    assert f'data_dir: str = "{tmp_path / "x"}"' in source


@pytest.mark.slow
def test_a_copied_notebook_runs_all_on_the_users_published_results(tmp_path, monkeypatch):
    """"Run All" from the working folder, far from any checkout: it reads reports/latest, the newest quarter."""
    write_fake_results(tmp_path / "reports" / QUARTER)
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["notebooks", "work"]) == 0
    executed = execute_notebook(tmp_path / "work" / "10_inactivity.ipynb", tmp_path / "out.ipynb", parameters={},
                                cwd=tmp_path / "work")
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    shown = json.dumps([c.get("outputs") for c in executed.cells])
    assert QUARTER in shown
