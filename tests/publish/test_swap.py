"""The swap (pipelines/publish/swap.py): a quarter replaced in one step, what JupyterLab left beside it kept."""

from __future__ import annotations

import os

import pytest

from pipelines import ownership
from pipelines.publish import swap

CHECKPOINT = "notebooks/.ipynb_checkpoints/00_quarterly_review-checkpoint.ipynb"


def staged_quarter(final, text: str):
    """A staging folder for ``final`` holding one notebook and one table, as a run writes them."""
    folder = swap.staging_dir(final)
    (folder / "notebooks").mkdir()
    (folder / "tables").mkdir()
    (folder / "notebooks" / "00_quarterly_review.ipynb").write_text(text, encoding="utf-8")
    (folder / "tables" / "t.csv").write_text(text, encoding="utf-8")
    return folder


def write(path, text: str, *, mtime: int | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def test_a_trace_is_copied_into_the_new_version_with_its_time_and_left_out_of_the_manifest(tmp_path):
    final = swap.publish(staged_quarter(tmp_path / "2024Q3", "old"), tmp_path / "2024Q3")
    write(final / CHECKPOINT, "what the analyst saved", mtime=1_700_000_000_000_000_000)
    folder = staged_quarter(final, "new")
    assert swap.carry_traces(final, folder) == [CHECKPOINT]
    assert swap.carry_traces(final, folder) == []  # the same bytes are there already
    swap.publish(folder, final)
    assert (final / "notebooks" / "00_quarterly_review.ipynb").read_text(encoding="utf-8") == "new"
    assert (final / CHECKPOINT).read_text(encoding="utf-8") == "what the analyst saved"
    assert (final / CHECKPOINT).stat().st_mtime_ns == 1_700_000_000_000_000_000  # JupyterLab lists its time
    assert CHECKPOINT not in ownership.quarter_manifest(final)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".2024Q3")]  # the old version is gone


def test_a_trace_written_while_the_quarter_is_replaced_is_kept(tmp_path, caplog):
    """JupyterLab saves again after the traces were copied (before the scan): the newer checkpoint is not lost."""
    final = swap.publish(staged_quarter(tmp_path / "2024Q3", "old"), tmp_path / "2024Q3")
    write(final / CHECKPOINT, "first save", mtime=1_700_000_000_000_000_000)
    folder = staged_quarter(final, "new")
    swap.carry_traces(final, folder)
    write(final / CHECKPOINT, "second save", mtime=1_700_000_100_000_000_000)
    write(final / ".ipynb_checkpoints" / "summary-checkpoint.json", "{}")
    swap.publish(folder, final)
    assert (final / CHECKPOINT).read_text(encoding="utf-8") == "second save"
    assert (final / ".ipynb_checkpoints" / "summary-checkpoint.json").is_file()
    assert "kept 2 editor trace(s) written while it was being replaced" in caplog.text


def test_a_newer_trace_in_the_target_is_never_replaced_by_an_older_one(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    write(source / CHECKPOINT, "older", mtime=1_700_000_000_000_000_000)
    write(target / CHECKPOINT, "newer", mtime=1_700_000_100_000_000_000)
    assert swap.carry_traces(source, target) == []
    assert (target / CHECKPOINT).read_text(encoding="utf-8") == "newer"


def test_a_stranger_file_still_stops_the_swap_and_stays(tmp_path):
    final = swap.publish(staged_quarter(tmp_path / "2024Q3", "old"), tmp_path / "2024Q3")
    write(final / "notebooks" / ".ipynb_checkpoints" / "notes.txt", "mine")
    with pytest.raises(Exception, match=r"1 file\(s\) privacy-review did not write, e.g. notebooks/.ipynb_che"):
        swap.publish(staged_quarter(final, "new"), final)
    assert (final / "notebooks" / ".ipynb_checkpoints" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (final / "notebooks" / "00_quarterly_review.ipynb").read_text(encoding="utf-8") == "old"


def test_a_kept_failed_run_and_its_removal_leave_the_traces_beside_it(tmp_path):
    final = swap.publish(staged_quarter(tmp_path / "2024Q3", "published"), tmp_path / "2024Q3")
    trace = "failed/.ipynb_checkpoints/20_retention-checkpoint.ipynb"
    kept = swap.keep_failed(staged_quarter(final, "failed once"), final)
    write(final / trace, "the analyst looked at the failure")
    kept = swap.keep_failed(staged_quarter(final, "failed twice"), final)  # replaces the older failed run
    assert (kept / "tables" / "t.csv").read_text(encoding="utf-8") == "failed twice"
    assert (final / trace).read_text(encoding="utf-8") == "the analyst looked at the failure"
    assert ownership.foreign_entries(final) == [] and trace not in ownership.quarter_manifest(final)
    swap.drop_failed(final)  # the failed run could not be kept safely: its files go, the trace stays
    assert ownership.files_under(kept) == [".ipynb_checkpoints/20_retention-checkpoint.ipynb"]
    assert (final / "notebooks" / "00_quarterly_review.ipynb").read_text(encoding="utf-8") == "published"
