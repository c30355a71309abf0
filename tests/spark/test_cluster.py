"""A real Spark standalone cluster on 127.0.0.1: one master, one worker, the review run against it.

README, "Running on Spark": ``run --engine spark --spark-master spark://HOST:PORT``. The master
and the worker are the pyspark package's own (``bin/spark-class``); executors run in the worker's
JVM and Python workers, not in the driver, so this checks that paths and closures travel. Both
are stopped by their process ids.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.load.build import SALT_ENV
from pipelines.sample.generate import write_sample
from tests.conftest import build_db
from tests.spark.conftest import why_not
from tests.spark.test_metrics_differential import assert_same_figures, edge_exports

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(path: Path, words: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and words in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"{words!r} not seen in {path.name}:\n{path.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``spark://127.0.0.1:PORT`` of a master with one registered worker (2 cores, 2 GiB)."""
    reason = why_not()
    if reason:
        pytest.skip(reason)
    import pyspark

    home = Path(pyspark.__file__).parent
    logs = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOG_DIR": str(logs), "SPARK_WORKER_DIR": str(logs / "work")}
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(home / "bin" / "spark-class")
    procs = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = logs / f"{name}.log"
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen([spark_class, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        procs.append(proc)
        return proc, log

    try:
        master, master_log = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                   "--port", str(port), "--webui-port", str(_free_port()))
        _wait_for(master_log, "I have been elected leader", 120, master)
        start("worker", "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "2",
              "--memory", "2g", "--webui-port", str(_free_port()))
        _wait_for(master_log, "Registering worker", 120, master)
        yield url
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _run(data: Path, out: Path, home: Path, *more: str) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--data", str(data), "--out", str(out), "--no-report", *more],
        capture_output=True, text=True, timeout=1200, check=False,
        env={**os.environ, "PRIVACY_REVIEW_HOME": str(home), SALT_ENV: "one-salt-for-both-engines",
             "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return Path(done.stdout.strip().splitlines()[-1])


def _same_as_duckdb(data: Path, tmp: Path, cluster: str, *more: str) -> dict:
    duck = json.loads((_run(data, tmp / "duckdb", tmp / "home-duckdb", *more) / "summary.json").read_text())
    on_cluster = _run(data, tmp / "cluster", tmp / "home-cluster", "--engine", "spark", "--spark-master", cluster,
                      *more)
    spark = json.loads((on_cluster / "summary.json").read_text())
    spark.pop("generator"), duck.pop("generator")
    assert_same_figures(spark, duck)
    return spark


def test_the_sample_on_a_standalone_cluster_gives_duckdbs_figures(cluster, tmp_path):
    data = tmp_path / "exports"
    write_sample(data, accounts=80, seed=11)
    summary = _same_as_duckdb(data, tmp_path, cluster)
    assert summary["inactivity"]["population"] > 0 and summary["data"]["rows_as_of"]["rights_requests"] > 0


def test_the_metric_edge_cases_on_a_standalone_cluster_give_duckdbs_figures(cluster, tmp_path):
    data = tmp_path / "edge"
    data.mkdir()
    con = build_db(edge_exports())
    try:
        for (name,) in con.execute("SELECT table_name FROM load_tables WHERE present").fetchall():
            con.sql(f"COPY {name} TO '{data / (name + '.parquet')}' (FORMAT parquet)")
    finally:
        con.close()
    summary = _same_as_duckdb(data, tmp_path, cluster, "--quarter", "2024Q3", "--as-of", "2024-08-31")
    assert summary["rights"]["extensions"] == {"valid": 1, "invalid": 1}
    assert summary["support"]["category_other_distinct"] == 2
