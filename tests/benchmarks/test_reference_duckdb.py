"""benchmarks/reference_duckdb.py, the benchmark's yardstick, computes summary.json's figures (docs/benchmarks.md):
on a lapses export with its bad rows, it sets aside what the loader sets aside and agrees with run --no-report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pipelines.run import RunOptions, run
from pipelines.sample.generate import write_sample

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def module(name: str):
    """A script of benchmarks/ (a folder of scripts, not a package) as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    found = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(found)
    return found


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reference_agrees_with_run_no_report_on_a_lapses_export(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    data = tmp_path / "data"
    write_sample(data, accounts=1500, seed=7, fmt=fmt, profile="lapses", sessions_per_account=20)
    final = run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", db_path=tmp_path / "db" / "review.duckdb",
                           report=False))
    summary = json.loads((Path(final) / "summary.json").read_text(encoding="utf-8"))
    reference = module("reference_duckdb").compute(data)
    checked = module("run").compare(summary, reference)
    assert checked["compared"] >= 45
    assert checked["differ"] == []
    assert sum(summary["data_quality"]["rows_rejected"].values()) > 0  # the bad rows were there to set aside
