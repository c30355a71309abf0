"""The SparkSession of a run: the settings the figures depend on, then the user's ``--conf``.

- ``spark.sql.session.timeZone`` is the policy's zone: a local date (``CAST(ts AS DATE)``)
  is the controller's, as DuckDB's ``TimeZone`` is on a DuckDB connection (contract §2);
- ``spark.sql.timestampType`` is ``TIMESTAMP_LTZ``: a timestamp is an instant, like DuckDB's
  ``TIMESTAMPTZ``;
- ``spark.sql.ansi.enabled`` is on (Spark 4's default, said explicitly): an overflow or a
  bad cast is an error, never a silent NULL that would change a figure;
- the Parquet date rebase modes are ``CORRECTED``: dates before 1582 (``0001-01-01`` loads,
  docs/bad-data.md) are read and written in the proleptic Gregorian calendar, as DuckDB does.

These cannot be overridden with ``--conf`` (a different zone would give other figures);
any other setting can, as with spark-submit (docs/operations.md, "Running on Spark").
"""

from __future__ import annotations

import logging
import os
import sys

from pipelines.dates import DEFAULT_ZONE
from pipelines.errors import BadInput

DEFAULT_MASTER = "local[*]"
#: set in the driver's environment when spark-submit started it (its JVM is already running)
SUBMITTED = "PYSPARK_GATEWAY_PORT"
APP_NAME = "privacy-review"


def fixed_settings(zone: str = DEFAULT_ZONE) -> dict[str, str]:
    """The settings the figures depend on (module docstring)."""
    return {
        "spark.sql.session.timeZone": zone,
        "spark.sql.timestampType": "TIMESTAMP_LTZ",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
        "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
        "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
        "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    }


#: defaults for a run in local mode (not on a cluster), each overridable with --conf
LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # logs, not a terminal bar
    # a run's tables are small next to a cluster's; 200 shuffle partitions cost seconds locally
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.extraJavaOptions": "-Dlog4j2.level=ERROR",
}


def parse_conf(items: list[str] | None) -> dict[str, str]:
    """``--conf key=value`` items as a dict; a malformed one or a fixed setting is bad input."""
    conf: dict[str, str] = {}
    fixed = fixed_settings()
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--conf {item!r}: expected key=value (e.g. spark.executor.memory=4g)")
        if key in fixed:
            raise BadInput(
                f"--conf {key}: set by privacy-review from the policy (the figures depend on it); leave it out"
            )
        conf[key] = value.strip()
    return conf


def require_pyspark():
    """pyspark, or bad input saying how to install it."""
    try:
        import pyspark
    except ImportError:
        raise BadInput("--engine spark needs pyspark: pip install 'privacy-review[spark]'") from None
    import pyspark

    return pyspark


def spark_session(master: str | None = None, conf: dict[str, str] | None = None, *, zone: str = DEFAULT_ZONE):
    """A SparkSession (``master`` default ``local[*]``) with :func:`fixed_settings` and ``conf``.

    Under spark-submit, or with a session already running in this process (Databricks, a
    notebook, the test suite), that session is used: its master unless ``master`` is given,
    and the fixed SQL settings are set on it.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(APP_NAME)
    if master is None and (SUBMITTED in os.environ or SparkSession.getActiveSession() is not None):
        master = None  # spark-submit's (or the running session's) master and settings stand
    else:
        master = master or DEFAULT_MASTER
        builder = builder.master(master)
    local = (master or "").startswith("local")
    if local:
        # local workers run this Python, where privacy-review is installed (the loader's tasks import it);
        # on a cluster, install it on the executors (README, "Running on Spark")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {**(LOCAL_DEFAULTS if local else {}), **(conf or {}), **fixed_settings(zone)}
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in fixed_settings(zone).items():  # a reused session keeps its own otherwise
        spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed statement's plan as an ERROR; a failure is raised and reported anyway
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark
