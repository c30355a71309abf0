"""What the tool made (pipelines/ownership.py): an editor's traces are tolerated by name, nothing else is."""

from __future__ import annotations

import os

import pytest

from pipelines import ownership

CHECKPOINT = "notebooks/.ipynb_checkpoints/00_quarterly_review-checkpoint.ipynb"


def quarter(folder, *extra: str):
    """A tiny published quarter (its files and manifest), then ``extra`` files written after it."""
    (folder / "tables").mkdir(parents=True)
    (folder / "notebooks").mkdir()
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    (folder / "tables" / "retention_by_rule.csv").write_text("rule\n", encoding="utf-8")
    (folder / "notebooks" / "00_quarterly_review.ipynb").write_text("{}", encoding="utf-8")
    ownership.mark_quarter(folder)
    for name in extra:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("written later", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", [
    CHECKPOINT,
    ".ipynb_checkpoints/summary-checkpoint.json",  # JupyterLab opened summary.json
    ".ipynb_checkpoints/quarterly-review-checkpoint.html",
    "tables/.ipynb_checkpoints/retention_by_rule-checkpoint.csv",
    "failed/failed/.ipynb_checkpoints/20_retention-checkpoint.ipynb",
    ".virtual_documents/notebooks/00_quarterly_review.ipynb",  # jupyter-lsp's shadow copy, under its root
    "notebooks/.virtual_documents/00_quarterly_review.ipynb",
])
def test_what_jupyterlab_writes_beside_a_published_file_is_a_trace_and_in_nobodys_way(tmp_path, name):
    folder = quarter(tmp_path / "2024Q3", name)
    assert ownership.is_editor_trace(folder, name)
    assert ownership.foreign_entries(folder) == []
    ownership.check_replaceable(folder)  # no exit 2
    assert ownership.editor_traces(folder) == [name]
    ownership.mark_quarter(folder)
    assert name not in ownership.quarter_manifest(folder)  # the manifest names what the tool wrote


@pytest.mark.parametrize("name", [
    "notes.txt",
    "tables/mine.csv",
    "notebooks/.ipynb_checkpoints/notes.txt",  # not a checkpoint's name
    "notebooks/.ipynb_checkpoints/-checkpoint.ipynb",  # no stem
    ".ipynb_checkpoints",  # a file, not JupyterLab's folder
    "notebooks/ipynb_checkpoints/00_quarterly_review-checkpoint.ipynb",
    "notebooks/.ipynb_checkpoints/deeper/00_quarterly_review-checkpoint.ipynb",
    ".virtual_documents",
])
def test_any_other_stranger_file_still_blocks(tmp_path, name):
    folder = quarter(tmp_path / "2024Q3", name)
    assert not ownership.is_editor_trace(folder, name)
    assert ownership.foreign_entries(folder) == [name]
    with pytest.raises(Exception, match="did not write"):
        ownership.check_replaceable(folder)


def test_a_link_is_never_a_trace(tmp_path):
    """A trace is a regular file in a real folder: a link (to a file or a folder elsewhere) is the user's and blocks."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    folder = quarter(tmp_path / "2024Q3")
    (folder / "notebooks" / ".ipynb_checkpoints").mkdir()
    (folder / "notebooks" / ".ipynb_checkpoints" / "a-checkpoint.ipynb").symlink_to(elsewhere / "x-checkpoint.ipynb")
    (folder / ".ipynb_checkpoints").symlink_to(elsewhere, target_is_directory=True)
    os.mkfifo(folder / "notebooks" / ".ipynb_checkpoints" / "b-checkpoint.ipynb")
    assert ownership.editor_traces(folder) == []
    assert ownership.foreign_entries(folder) == [
        ".ipynb_checkpoints", "notebooks/.ipynb_checkpoints/a-checkpoint.ipynb",
        "notebooks/.ipynb_checkpoints/b-checkpoint.ipynb"]


def test_a_legacy_quarter_opened_in_jupyterlab_is_still_recognised(tmp_path):
    folder = tmp_path / "2024Q3"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    (folder / "notebooks" / "00_quarterly_review.ipynb").write_text("{}", encoding="utf-8")
    (folder / "notebooks" / ".ipynb_checkpoints").mkdir()
    (folder / CHECKPOINT).write_text("{}", encoding="utf-8")
    assert ownership.foreign_entries(folder) == []
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert ownership.foreign_entries(folder) == [folder.name]


def test_the_notebooks_record_keeps_earlier_names_and_ignores_a_strangers_file(tmp_path):
    ownership.mark_notebooks(tmp_path, {"a.ipynb": "1" * 64})
    ownership.mark_notebooks(tmp_path, {"b.ipynb": "2" * 64})
    assert ownership.notebook_copies(tmp_path) == {"a.ipynb": "1" * 64, "b.ipynb": "2" * 64}
    assert not ownership.foreign_notebooks_marker(tmp_path)
    (tmp_path / ownership.NOTEBOOKS_MARKER).write_text('{"files": {"a.ipynb": "x"}}', encoding="utf-8")
    assert ownership.notebook_copies(tmp_path) == {} and ownership.foreign_notebooks_marker(tmp_path)


def test_a_worklist_folder_is_found_by_its_marker_above_or_by_its_files_in_it(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    ownership.mark_worklist(lists, ["accounts.csv"])
    assert ownership.worklist_folder(lists) == lists
    assert ownership.worklist_folder(lists / "sub" / ".." / "x") == lists  # resolved, then judged
    unmarked = tmp_path / "old"
    unmarked.mkdir()
    (unmarked / "rights_requests_overdue.csv").write_text("request_id\n", encoding="utf-8")
    assert ownership.worklist_folder(unmarked, ["rights_requests_overdue.csv"]) == unmarked
    # a file of that name above the folder is the user's, not a worklist (a register beside the reports)
    assert ownership.worklist_folder(unmarked / "reports", ["rights_requests_overdue.csv"]) is None
    assert ownership.worklist_folder(tmp_path / "elsewhere", ["rights_requests_overdue.csv"]) is None


def test_the_worklist_marker_is_private_under_any_umask(tmp_path):
    before = os.umask(0)
    try:
        ownership.mark_worklist(tmp_path, ["a.csv"])
    finally:
        os.umask(before)
    assert os.stat(tmp_path / ownership.WORKLIST_MARKER).st_mode & 0o777 == 0o600
    assert ownership.worklist_files(tmp_path) == {"a.csv"}
