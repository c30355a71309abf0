# Created by helper 12b (loading on Spark) because it did not exist yet; 12a owns this file and may extend it.
"""One SparkSession (local[2]) for the whole test session; Spark tests are skipped, with the reason, without Java."""

from __future__ import annotations

import os
import shutil
import sys

import pytest


def _why_not() -> str | None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Spark tests need Java (install openjdk-17-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "Spark tests need pyspark (pip install -e '.[spark]')"
    return None


@pytest.fixture(scope="session")
def spark():
    reason = _why_not()
    if reason:
        print(f"\nskipping Spark tests: {reason}")
        pytest.skip(reason)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pipelines.spark.session import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
