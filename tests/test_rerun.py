"""An unchanged re-run (pipelines/rerun.py; docs/operations.md, "An unchanged re-run"): the published quarter
stands and nothing is recomputed; anything its files depend on changed, or ``--force``, and it is computed again."""

import json
import logging
import os

import nbformat
import pytest

from pipelines import ownership
from pipelines.run import RunOptions, run
from tests.load.helpers import write_exports
from tests.policy.helpers import write_policy


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def options(tmp_path, **more) -> RunOptions:
    return RunOptions(data_dir=tmp_path / "x", out_dir=tmp_path / "reports", quarter="2024Q1", report=False, **more)


def published_at(final) -> str:
    return json.loads((final / "evidence.json").read_text())["run"]["ended_at"]


def rerun(tmp_path, caplog, **more) -> bool:
    """Run again; True when the run said the quarter was unchanged and left every published byte as it was."""
    final = tmp_path / "reports" / "2024Q1"
    before = {p: p.read_bytes() for p in final.rglob("*") if p.is_file()}
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert run(options(tmp_path, **more)) == final
    said = any("is unchanged" in r.getMessage() and "--force" in r.getMessage() for r in caplog.records)
    same = {p: p.read_bytes() for p in final.rglob("*") if p.is_file()} == before
    assert said == same, (said, same)
    return said


@pytest.fixture
def published(tmp_path):
    write_exports(tmp_path / "x")
    final = run(options(tmp_path))
    assert json.loads((final / "evidence.json").read_text())["run"]["inputs_digest"]
    return final


def test_an_unchanged_rerun_recomputes_nothing_and_says_so(tmp_path, caplog, published):
    assert rerun(tmp_path, caplog)
    assert rerun(tmp_path, caplog)  # and again


def test_force_computes_again(tmp_path, caplog, published):
    assert not rerun(tmp_path, caplog, force=True)
    assert rerun(tmp_path, caplog)


def test_a_changed_export_policy_or_parameter_computes_again(tmp_path, caplog, published):
    accounts = tmp_path / "x" / "accounts.csv"
    accounts.write_text(accounts.read_text() + "A2,2024-01-02T10:00:00Z,free,active\n")
    assert not rerun(tmp_path, caplog)
    summary = json.loads((published / "summary.json").read_text())
    assert summary["data_quality"]["rows_loaded"]["accounts"] == 2
    assert rerun(tmp_path, caplog)
    policy = tmp_path / "policy.toml"
    from pipelines.policy import default_policy_path

    write_policy(tmp_path, default_policy_path().read_text().replace("due_soon_days = 30", "due_soon_days = 31"))
    assert not rerun(tmp_path, caplog, policy_path=policy)
    assert rerun(tmp_path, caplog, policy_path=policy)
    assert not rerun(tmp_path, caplog, policy_path=policy, as_of=None, input_zone="Europe/Brussels")


def test_a_same_size_edit_with_a_new_time_computes_again(tmp_path, caplog, published):
    accounts = tmp_path / "x" / "accounts.csv"
    text = accounts.read_text()
    accounts.write_text(text.replace("free", "FREE"))  # same size
    stat = accounts.stat()
    os.utime(accounts, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert not rerun(tmp_path, caplog)


def test_a_published_quarter_missing_a_file_is_computed_again(tmp_path, caplog, published):
    (published / "tables" / "retention_breaches.csv").unlink()
    assert "tables/retention_breaches.csv" in ownership.quarter_manifest(published)
    assert not rerun(tmp_path, caplog)
    assert (published / "tables" / "retention_breaches.csv").is_file()


def test_an_earlier_quarter_recorded_in_the_history_computes_again(tmp_path, caplog):
    """The remediation figures compare with the latest earlier quarter of the history: a new one changes them."""
    data = write_exports(tmp_path / "x", {
        "sessions": "session_id,account_id,started_at\nS1,A1,2024-02-01T10:00:00Z\nS2,A1,2024-05-01T10:00:00Z\n"})
    second = RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q2", report=False)
    run(second)
    run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run(second)
    assert not any("is unchanged" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run(second)
    assert any("is unchanged" in r.getMessage() for r in caplog.records)


@pytest.mark.slow  # runs a notebook
def test_a_missing_index_is_published_again(tmp_path, caplog, monkeypatch):
    """A report's quarter is listed by OUT/index.html: with the index gone, the run publishes again (and rebuilds it)."""
    write_exports(tmp_path / "x")
    index = tmp_path / "reports" / "index.html"
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('results_dir = ""', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_markdown_cell("# A one-cell report")]
    nbformat.write(nb, notebooks / "00_quarterly_review.ipynb")
    monkeypatch.setenv("PRIVACY_REVIEW_NOTEBOOKS", str(notebooks))
    report = RunOptions(data_dir=tmp_path / "x", out_dir=tmp_path / "reports", quarter="2024Q1")
    run(report)
    assert index.is_file()
    index.unlink()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run(report)
    assert index.is_file() and not any("is unchanged" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run(report)
    assert any("is unchanged" in r.getMessage() for r in caplog.records)
