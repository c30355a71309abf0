"""A Spark session behind the narrow surface of a DuckDB connection the metric families use.

The families, ``pipelines.db.query_all`` (the one runner), ``results`` and the privacy scan
call ``con.sql(text, params=...).pl()``, ``con.execute(text, params).fetchall()``,
``con.register`` / ``con.unregister`` and send DuckDB statements: ``CREATE OR REPLACE TEMP
TABLE m AS ...`` (a model, or the calendar) and ``CREATE OR REPLACE TEMP MACRO ...``.
:class:`SparkConnection` takes exactly those, in DuckDB's dialect, and runs them on Spark:

- a ``SELECT`` is translated by :mod:`pipelines.spark.sql` and run with its parameters bound
  by Spark (``$as_of`` -> ``:as_of``, ``?`` stays; a list is an array), the rows returned
  as Arrow, then polars;
- a temp table becomes a cached temporary view of the same name (a model is built once and
  read by the queries after it, as on DuckDB);
- a macro becomes a Spark SQL function (:mod:`pipelines.spark.functions`);
- ``information_schema.tables`` / ``.columns`` are answered from Spark's catalog.

So no family, query or rule is written twice (docs/design.md, "Spark engine").
"""

from __future__ import annotations

import polars as pl
from sqlglot import exp

from pipelines.spark import functions
from pipelines.spark import sql as sparksql
from pipelines.spark.load import load_exports
from pipelines.spark.session import require_pyspark, spark_session
from pipelines.spark.tables import register as register_tables

#: the table_schema information_schema rows carry (DuckDB's name for the main schema)
SCHEMA = "main"


class SparkResult:
    """The rows of one statement, fetched once: ``pl()`` (polars) or ``fetchall()`` (tuples)."""

    def __init__(self, frame):
        self._frame = frame

    def pl(self) -> pl.DataFrame:
        if self._frame is None:
            return pl.DataFrame()
        return pl.from_arrow(self._frame.toArrow())

    def fetchall(self) -> list[tuple]:
        if self._frame is None:
            return []
        return [tuple(row) for row in self._frame.collect()]


_TABLES = {"table_schema": pl.String, "table_name": pl.String}
_COLUMNS = {"table_schema": pl.String, "table_name": pl.String, "column_name": pl.String}


class _LocalResult:
    """Rows already in Python (a catalog query)."""

    def __init__(self, frame: pl.DataFrame):
        self._frame = frame

    def pl(self) -> pl.DataFrame:
        return self._frame

    def fetchall(self) -> list[tuple]:
        return self._frame.rows()


class SparkConnection:
    """DuckDB's connection surface over a SparkSession (module docstring)."""

    def __init__(self, spark):
        self.spark = spark
        self._cached: dict[str, object] = {}
        #: the temporary views this connection made (its "main schema": information_schema lists them)
        self.views: set[str] = set()
        for statement in functions.connection_functions():
            spark.sql(statement)

    @classmethod
    def open(cls, spark, work_dir) -> SparkConnection:
        """A connection reading the working directory's tables (:func:`pipelines.spark.tables.register`)."""
        con = cls(spark)
        con.views.update(register_tables(spark, work_dir))
        return con

    # --- DuckDB's surface -------------------------------------------------------------

    def sql(self, text: str, params: dict | list | None = None) -> SparkResult:
        return self._run(text, params)

    def execute(self, text: str, params: dict | list | None = None) -> SparkResult:
        return self._run(text, params)

    def register(self, name: str, frame) -> None:
        """A temporary view of an Arrow table or polars frame (DuckDB's ``register``)."""
        table = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self.views.add(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        self.views.discard(name)

    def close(self) -> None:
        """Drop the cached models (the tables' views stay, for the privacy scan); the session is its creator's."""
        for frame in self._cached.values():
            frame.unpersist()
        self._cached.clear()

    # --- translation ------------------------------------------------------------------

    def _run(self, text: str, params) -> SparkResult:
        macro = functions.parse_macro(text)
        if macro is not None:
            statement = functions.spark_function(macro)
            if statement:
                self.spark.sql(statement)
            return SparkResult(None)
        tree = sparksql.parse(text)
        if sparksql.information_schema_views(tree):
            return self._catalog_query(text, params)
        args = _args(params)
        if isinstance(tree, exp.Create) and (tree.kind or "").upper() == "TABLE":
            self._materialize(tree.this.name, sparksql.generate(tree.expression), args)
            return SparkResult(None)
        return SparkResult(self.spark.sql(sparksql.generate(tree), args=args))

    def _materialize(self, name: str, select: str, args) -> None:
        """A DuckDB temp table: a cached view, built on its first read (the one before it uncached)."""
        frame = self.spark.sql(select, args=args).persist()
        old = self._cached.pop(name, None)
        frame.createOrReplaceTempView(name)
        self.views.add(name)
        if old is not None:
            old.unpersist()
        self._cached[name] = frame

    def _catalog_query(self, text: str, params) -> _LocalResult:
        """A query of ``information_schema`` (which tables and columns exist), answered without a
        Spark job: the connection's views and their columns go into an in-memory DuckDB that runs
        the statement as written. Spark has no information schema, and a job per ``table_exists``
        would cost a second."""
        import duckdb

        tree = sparksql.parse(text)
        names = sorted(self.views)
        tables = pl.DataFrame({"table_schema": [SCHEMA] * len(names), "table_name": names}, schema=_TABLES)
        columns = pl.DataFrame(
            [(SCHEMA, n, f.name) for n in names for f in self.spark.table(n).schema.fields]
            if "columns" in sparksql.information_schema_views(tree) else [],
            schema=_COLUMNS, orient="row",
        )
        with duckdb.connect() as local:
            local.register(sparksql.INFORMATION_SCHEMA["tables"], tables)
            local.register(sparksql.INFORMATION_SCHEMA["columns"], columns)
            statement = sparksql.rename_information_schema(tree).sql("duckdb")
            return _LocalResult(local.sql(statement, params=params or None).pl())


def _args(params):
    """DuckDB parameters as Spark's: a dict (named) or list (positional), lists as arrays."""
    if not params:
        return None
    if isinstance(params, dict):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return [list(v) if isinstance(v, tuple) else v for v in params]


class SparkReview:
    """One run's Spark side: a session, the load into the working directory, a connection on it.

    The session is stopped by :meth:`close` only when this review started it: a session that
    was running already (spark-submit's, a notebook's, the test suite's) is left running.
    """

    def __init__(self, master: str | None = None, conf: dict[str, str] | None = None, *, zone: str):
        require_pyspark()
        from pyspark.sql import SparkSession

        self._owned = SparkSession.getActiveSession() is None
        self.spark = spark_session(master, conf, zone=zone)
        self.zone = zone
        self.con: SparkConnection | None = None

    def load(self, data_dir, work_dir, **options):
        """The exports into ``work_dir`` by the one loader, as Parquet tables (:mod:`pipelines.spark.load`)."""
        return load_exports(data_dir, work_dir, zone=self.zone, **options)

    def connect(self, work_dir) -> SparkConnection:
        """A connection on ``work_dir``'s tables (kept for the privacy scan after the figures)."""
        self.con = SparkConnection.open(self.spark, work_dir)
        return self.con

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
        if self._owned:
            self.spark.stop()
