# Created by helper 12b (loading on Spark) because it did not exist yet; 12a owns this file and may extend it.
"""One SparkSession (local[2]) for the whole test session; Spark tests are skipped, with the reason, without Java."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def why_not() -> str | None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Spark tests need Java (install openjdk-17-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "Spark tests need pyspark (pip install -e '.[spark]')"
    return None


@pytest.fixture(scope="session")
def spark():
    reason = why_not()
    if reason:
        print(f"\nskipping Spark tests: {reason}")
        pytest.skip(reason)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pipelines.spark.session import spark_session

    # one session serves every Spark test of the slow suite (a run, the report, the differential cases): its driver
    # holds their cached models in turn, more than the 1 GB default on a full run
    session = spark_session("local[2]", {"spark.driver.memory": "3g"})
    yield session
    session.stop()


# --- 12a: a working directory from a DuckDB database, and a Spark connection on it ----------


def work_from_duckdb(con, work_dir: Path) -> Path:
    """The tables of a DuckDB database (the loader's, or tests/conftest.py's ``build_db``) as the Spark
    working directory (pipelines/spark/load.py, ``write_tables``), so the metrics can be compared engine to
    engine on one input."""
    from pipelines.spark.load import write_tables

    write_tables(con, work_dir / "tables")
    return work_dir


@pytest.fixture
def spark_con(spark, tmp_path):
    """``spark_con(duckdb_con)``: a :class:`~pipelines.spark.engine.SparkConnection` on the same tables."""
    from pipelines.spark.engine import SparkConnection

    opened = []

    def factory(con, name: str = "work"):
        sc = SparkConnection.open(spark, work_from_duckdb(con, tmp_path / name))
        opened.append(sc)
        return sc

    yield factory
    for sc in opened:
        sc.close()
        for view in sc.views:
            spark.catalog.dropTempView(view)
