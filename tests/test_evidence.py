"""evidence.json: the exports' SHA-256 (equal to hashlib's), rows, policy, software and run, with every run."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

import pipelines
from pipelines import evidence
from pipelines.policy import default_policy_path
from pipelines.run import RunOptions, run
from tests.load.helpers import write_exports

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data_samples"


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One ``run --no-report`` on a copy of the shipped sample."""
    root = tmp_path_factory.mktemp("evidence")
    data = root / "exports"
    shutil.copytree(SAMPLE, data)
    final = run(RunOptions(data_dir=data, out_dir=root / "reports", db_path=root / "db" / "review.duckdb", report=False))
    return {"data": data, "final": final, "db": root / "db" / "review.duckdb"}


def test_sha256_file_equals_hashlib_for_small_empty_and_multi_chunk_files(tmp_path):
    files = {"empty": b"", "small": b"account_id\nA1\n", "large": bytes(range(256)) * (evidence.CHUNK // 100)}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        assert evidence.sha256_file(tmp_path / name) == (len(content), hashlib.sha256(content).hexdigest()), name


def test_hashing_stops_when_asked(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 10)
    stop = threading.Event()
    stop.set()
    with pytest.raises(evidence.Stopped):
        evidence.sha256_file(tmp_path / "f", stop)


def test_every_export_file_is_named_relative_to_the_export_dir_and_hashed(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    (data / "sessions").mkdir()
    (data / "sessions" / "b.parquet").write_bytes(b"second file")
    (data / "sessions" / "a.parquet").write_bytes(b"first file")
    hashed = evidence.hash_exports(data)
    # a table folder's files by their place in file order, never by the names the user gave them
    assert [f.name for f in hashed["sessions"]] == ["sessions/#1", "sessions/#2"]
    assert hashed["sessions"][0] == evidence.FileHash("sessions/#1", 10, sha(data / "sessions" / "a.parquet"))
    assert hashed["accounts"] == [evidence.FileHash("accounts.csv", (data / "accounts.csv").stat().st_size,
                                                    sha(data / "accounts.csv"))]
    assert hashed["payments"] == []  # an optional table not exported
    # the background thread gives the same
    assert evidence.Hashing(data).result() == hashed


def test_a_run_writes_evidence_that_matches_the_files_the_database_and_the_policy(sample_run):
    data, final = sample_run["data"], sample_run["final"]
    record = json.loads((final / "evidence.json").read_text(encoding="utf-8"))
    assert record["format"] == evidence.FORMAT
    names = sorted(f["name"] for t in record["exports"].values() for f in t["files"])
    assert names == sorted(p.name for p in data.glob("*.csv"))
    with duckdb.connect(str(sample_run["db"]), read_only=True) as con:
        rows = {r[0]: r[1:] for r in con.sql("SELECT table_name, rows_in, rows_loaded, rows_rejected FROM load_tables")
                .fetchall()}
    for table, entry in record["exports"].items():
        (file,) = entry["files"]
        assert file["sha256"] == sha(data / file["name"]), file["name"]
        assert file["bytes"] == (data / file["name"]).stat().st_size
        assert (entry["rows_in"], entry["rows_loaded"], entry["rows_set_aside"]) == rows[table], table
        assert entry["rows_in"] == entry["rows_loaded"] + entry["rows_set_aside"]
    # the policy file and the published policy texts its quotes were checked against (docs/policy-file.md)
    texts = [default_policy_path().with_name(f"privacy-policy-2024-06-17.{lang}.txt") for lang in ("en", "nl")]
    assert record["policy"] == {"file": default_policy_path().name, "sha256": sha(default_policy_path()),
                                "name": "Connexeon BV privacy policy", "version": "2024-06-17",
                                "documents": [{"language": lang, "file": path.name, "sha256": sha(path)}
                                              for lang, path in zip(("en", "nl"), texts, strict=True)]}
    assert record["column_mapping"] is None
    software = record["software"]
    assert software["privacy-review"] == pipelines.__version__ and software["duckdb"] == duckdb.__version__
    assert {"python", "polars", "pyarrow", "holidays"} <= set(software)
    r = record["run"]
    assert (r["quarter"], r["as_of"], r["input_zone"], r["language"], r["engine"], r["report"]) == (
        "2026Q2", "2026-06-30", "UTC", "en", "duckdb", False)
    assert r["started_at"] <= r["ended_at"] and r["ended_at"].endswith("+00:00")


def test_evidence_names_no_path_outside_the_export_dir(sample_run):
    text = (sample_run["final"] / "evidence.json").read_text(encoding="utf-8")
    assert str(sample_run["data"]) not in text and str(sample_run["db"].parent) not in text


def test_a_column_mapping_is_recorded(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": "user_id,created_at,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n"})
    (data / "column-mapping.toml").write_text('[accounts]\naccount_id = "user_id"\n', encoding="utf-8")
    final = run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", db_path=tmp_path / "db.duckdb",
                           quarter="2024Q1", report=False))
    record = json.loads((final / "evidence.json").read_text(encoding="utf-8"))
    assert record["column_mapping"] == {"file": "column-mapping.toml", "sha256": sha(data / "column-mapping.toml")}
    assert "column-mapping.toml" not in {f["name"] for t in record["exports"].values() for f in t["files"]}


def test_the_about_section_shows_short_hashes_in_both_languages(sample_run):
    from pipelines.report.kit.context import open_results
    from pipelines.report.sections import overview

    record = json.loads((sample_run["final"] / "evidence.json").read_text(encoding="utf-8"))
    hashes = [f["sha256"] for t in record["exports"].values() for f in t["files"]] + [record["policy"]["sha256"]]
    for language, words in (("en", "Exports read"), ("nl", "Gelezen exports")):
        ctx = open_results(sample_run["final"], language=language)
        about = overview.about(ctx)
        assert words in about and "DuckDB" in about
        for full in hashes:
            assert full[:12] in about and full not in about, language


def test_no_evidence_no_evidence_lines(tmp_path, sample_run):
    from pipelines.report.kit.context import open_results
    from pipelines.report.sections import overview

    results = tmp_path / "older"
    shutil.copytree(sample_run["final"], results)
    (results / "evidence.json").unlink()
    assert "pr-evidence" not in overview.about(open_results(results))


@pytest.mark.slow
def test_the_published_report_shows_the_short_hashes(tmp_path, monkeypatch):
    """A real run (the management notebook only): its About section names each export's short hash."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / "00_quarterly_review.ipynb", notebooks)
    monkeypatch.setenv("PRIVACY_REVIEW_NOTEBOOKS", str(notebooks))
    final = run(RunOptions(data_dir=SAMPLE, out_dir=tmp_path / "reports", db_path=tmp_path / "db.duckdb"))
    html = (final / "quarterly-review.html").read_text(encoding="utf-8")
    record = json.loads((final / "evidence.json").read_text(encoding="utf-8"))
    assert record["run"]["report"] is True
    for table in record["exports"].values():
        for file in table["files"]:
            assert f"{file['name']} {file['sha256'][:12]}" in html
            assert file["sha256"] not in html
    assert record["policy"]["sha256"][:12] in html

