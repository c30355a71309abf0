"""``privacy-review run --engine spark``: the same summary.json and tables as DuckDB, the report made from them.

The refusals need no Spark; the run uses the test session's SparkSession (conftest.py), which
``run`` reuses and leaves running.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import EXIT_BAD_INPUT, EXIT_OK, main
from pipelines.load.build import SALT_ENV
from pipelines.results import read_results
from pipelines.sample.generate import write_sample
from tests.spark.test_metrics_differential import assert_same_results


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--conf", "spark.executor.memory=4g"], "--spark-master and --conf need --engine spark"),
        (["--spark-master", "local[2]"], "--spark-master and --conf need --engine spark"),
        (["--engine", "spark", "--conf", "spark.executor.memory"], "expected key=value"),
        (["--engine", "spark", "--conf", "spark.sql.session.timeZone=UTC"], "set by privacy-review from the policy"),
    ],
)
def test_spark_options_are_refused_before_anything_runs(tmp_path, capsys, args, message):
    code = main(["run", "--data", str(tmp_path), "--out", str(tmp_path / "out"), *args])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_run_on_spark_publishes_duckdbs_figures_and_the_report(spark, tmp_path, monkeypatch, capsys):
    data = tmp_path / "exports"
    write_sample(data, accounts=60, seed=7)
    monkeypatch.setenv(SALT_ENV, "one-salt-for-both-engines")  # the same pseudonymous keys
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    common = ["run", "--data", str(data)]
    assert main([*common, "--out", str(tmp_path / "duckdb"), "--no-report"]) == EXIT_OK
    duck = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert main([*common, "--out", str(tmp_path / "spark"), "--engine", "spark", "--spark-master", "local[2]",
                 "--conf", "spark.sql.shuffle.partitions=4"]) == EXIT_OK
    spark_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert spark_dir == tmp_path / "spark" / duck.name

    assert_same_results(read_results(spark_dir), read_results(duck))
    assert json.loads((spark_dir / "evidence.json").read_text())["run"]["engine"] == "spark"
    # the report stage ran unchanged from the results
    html = (spark_dir / "quarterly-review.html").read_text(encoding="utf-8")
    assert duck.name in html and len(html) > 10_000
    # the working directory is the database home's spark/ folder, never under --out
    work = tmp_path / "home" / "spark" / "tables"
    assert {p.name for p in work.iterdir()} >= {"accounts", "load_tables", "sessions", "settings"}
    assert not any(p.suffix == ".parquet" for p in (tmp_path / "spark").rglob("*"))
    assert spark.sparkContext._jsc is not None  # the test session's SparkSession is still running
