"""A database loaded from the same, unchanged exports is reused; any change, or --reload, loads again."""

import logging
import os

import pytest

from pipelines.load import load_exports
from pipelines.load import fingerprint as fp
from tests.load.helpers import write_exports


def load(data, db, caplog, **kwargs):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipelines.load.build"):
        report = load_exports(data, db, reload=kwargs.pop("reload", False), **kwargs)
    reused = any(r.getMessage().startswith("reusing the database loaded at") for r in caplog.records)
    return report, reused


@pytest.fixture()
def loaded(tmp_path, caplog):
    data = write_exports(tmp_path / "x")
    db = tmp_path / "db.duckdb"
    report, reused = load(data, db, caplog)
    assert not reused
    return data, db, report


def test_unchanged_exports_reuse_the_database_and_its_counts(loaded, caplog):
    data, db, first = loaded
    before = db.stat().st_mtime_ns
    report, reused = load(data, db, caplog)
    assert reused
    assert db.stat().st_mtime_ns == before  # not rebuilt
    assert report.as_dict() == first.as_dict()
    assert report.absent == first.absent == ["marketing_contacts", "web_visits", "payments", "server_logs"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_reload_loads_again(loaded, caplog):
    data, db, _ = loaded
    _, reused = load(data, db, caplog, reload=True)
    assert not reused
    assert "loading: --reload given" in caplog.text


def test_a_touched_file_loads_again(loaded, caplog):
    data, db, _ = loaded
    st = (data / "sessions.csv").stat()
    os.utime(data / "sessions.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    _, reused = load(data, db, caplog)
    assert not reused
    assert "loading: exports changed (sessions.csv modified)" in caplog.text


def test_a_file_of_other_size_loads_again_and_its_rows_count(loaded, caplog):
    data, db, _ = loaded
    st = (data / "sessions.csv").stat()
    with open(data / "sessions.csv", "a", encoding="utf-8") as f:
        f.write("S2,A1,2024-02-02T10:00:00Z\n")
    os.utime(data / "sessions.csv", ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, other size
    report, reused = load(data, db, caplog)
    assert not reused
    assert report.rows_loaded["sessions"] == 2


def test_an_added_file_loads_again(loaded, caplog):
    data, db, _ = loaded
    (data / "payments.csv").write_text("payment_id,account_id,paid_at\nP1,A1,2024-02-01T10:00:00Z\n", encoding="utf-8")
    report, reused = load(data, db, caplog)
    assert not reused
    assert "payments.csv added" in caplog.text
    assert report.rows_loaded["payments"] == 1


def test_a_changed_mapping_or_zone_loads_again(loaded, caplog):
    data, db, _ = loaded
    (data / "column-mapping.toml").write_text('[accounts]\nplan = "plan"\n', encoding="utf-8")
    _, reused = load(data, db, caplog)
    assert not reused
    assert "column mapping changed" in caplog.text
    _, reused = load(data, db, caplog)
    assert reused
    _, reused = load(data, db, caplog, input_zone="Europe/Brussels")
    assert not reused
    assert "input zone changed" in caplog.text


def test_another_loader_version_loads_again(loaded, caplog, monkeypatch):
    data, db, _ = loaded
    monkeypatch.setattr(fp, "LOADER_VERSION", "0-test")
    _, reused = load(data, db, caplog)
    assert not reused
    assert "loader version" in caplog.text


def test_a_missing_database_says_so(tmp_path, caplog):
    data = write_exports(tmp_path / "x")
    _, reused = load(data, tmp_path / "new.duckdb", caplog)
    assert not reused
    assert "loading: exports changed (no database at" in caplog.text
