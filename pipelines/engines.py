"""Engines, chosen by name: where the exports are loaded and the figures computed.

docs/design.md, "Engines". One interface, as papermill's engine registry and sqlmesh's
engine adapters have it: ``load`` the exports into the engine's store, ``connect`` to it
(the DuckDB-shaped connection the metric families are written against), ``close``.
``--engine duckdb`` (default) keeps a DuckDB file; ``--engine spark`` keeps Parquet tables
in a working directory and runs the same SQL files on Spark (pipelines/spark/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pipelines import db as dbmod
from pipelines import paths
from pipelines.errors import BadInput
from pipelines.load import LoadReport, load_exports
from pipelines.spark.session import parse_conf

DUCKDB, SPARK = "duckdb", "spark"
#: Spark's working directory under the database home (README, "Running on Spark")
SPARK_WORK_DIR = "spark"


class Engine(Protocol):
    """What the review session asks of an engine (pipelines/session.py)."""

    name: str

    @staticmethod
    def default_database() -> Path: ...

    @staticmethod
    def check_database(database: Path) -> None: ...

    def load(self, data_dir: Path, database: Path, *, mapping_file: Path | None, input_zone: str,
             reload: bool) -> LoadReport: ...

    def connect(self, database: Path) -> Any: ...

    def scan_connection(self) -> Any | None: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """The exports in one DuckDB file, built beside the old one and renamed into place (pipelines/load/)."""

    name = DUCKDB

    def __init__(self, *, zone: str, **_: Any):
        self.zone = zone

    @staticmethod
    def default_database() -> Path:
        return paths.default_database()

    @staticmethod
    def check_database(database: Path) -> None:
        paths.check_database_file(database)

    def load(self, data_dir, database, *, mapping_file, input_zone, reload) -> LoadReport:
        return load_exports(data_dir, database, mapping_file=mapping_file, input_zone=input_zone, zone=self.zone,
                            reload=reload)

    def connect(self, database: Path):
        return dbmod.connect(database, read_only=True, zone=self.zone)

    def scan_connection(self):
        return None  # the privacy scan opens the database file itself

    def close(self) -> None:
        pass


class SparkEngine:
    """The exports as Parquet tables in a working directory, the figures on Spark (pipelines/spark/).

    PySpark loads only when this engine is chosen: running the review on DuckDB never needs it.
    """

    name = SPARK

    def __init__(self, *, zone: str, spark_master: str | None = None, spark_conf: tuple[str, ...] = ()):
        # deferred: the Spark engine needs the optional extra (pyspark, SQLGlot); a DuckDB run never loads it
        from pipelines.spark.engine import SparkReview

        self.review = SparkReview(spark_master, parse_conf(list(spark_conf)), zone=zone)

    @staticmethod
    def default_database() -> Path:
        return paths.state_dir() / SPARK_WORK_DIR

    @staticmethod
    def check_database(database: Path) -> None:
        paths.check_writable_folder(database, "--db")

    def load(self, data_dir, database, *, mapping_file, input_zone, reload) -> LoadReport:
        return self.review.load(data_dir, database, mapping_file=mapping_file, input_zone=input_zone, reload=reload)

    def connect(self, database: Path):
        return self.review.connect(database)

    def scan_connection(self):
        return self.review.con

    def close(self) -> None:
        self.review.close()


ENGINES: dict[str, type] = {DUCKDB: DuckDBEngine, SPARK: SparkEngine}


def engine_class(name: str) -> type:
    try:
        return ENGINES[name]
    except KeyError:
        raise BadInput(f"--engine: unknown engine {name!r} (known: {', '.join(ENGINES)})") from None


def open_engine(name: str, *, zone: str, spark_master: str | None = None, spark_conf: tuple[str, ...] = ()) -> Engine:
    """The engine ``name`` (``duckdb`` or ``spark``), started."""
    return engine_class(name)(zone=zone, spark_master=spark_master, spark_conf=spark_conf)
