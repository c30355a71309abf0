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
- ``information_schema.tables`` / ``.columns`` are views made from Spark's catalog.

So no family, query or rule is written twice (docs/design.md, "Spark engine").
"""

from __future__ import annotations

import polars as pl
from sqlglot import exp

from pipelines.spark import functions, sql as sparksql
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

    def to_arrow_table(self):
        return self._frame.toArrow()


class SparkConnection:
    """DuckDB's connection surface over a SparkSession (module docstring)."""

    def __init__(self, spark):
        self.spark = spark
        self._cached: dict[str, object] = {}
        for statement in functions.connection_functions():
            spark.sql(statement)

    @classmethod
    def open(cls, spark, work_dir) -> SparkConnection:
        """A connection reading the working directory's tables (:func:`pipelines.spark.tables.register`)."""
        register_tables(spark, work_dir)
        return cls(spark)

    # --- DuckDB's surface -------------------------------------------------------------

    def sql(self, text: str, params: dict | list | None = None) -> SparkResult:
        return self._run(text, params)

    def execute(self, text: str, params: dict | list | None = None) -> SparkResult:
        return self._run(text, params)

    def register(self, name: str, frame) -> None:
        """A temporary view of an Arrow table or polars frame (DuckDB's ``register``)."""
        table = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        """Drop the cached models; the session itself belongs to its creator."""
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
        for view in sparksql.information_schema_views(tree):
            self._information_schema(view)
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
        if old is not None:
            old.unpersist()
        self._cached[name] = frame

    def _information_schema(self, table: str) -> None:
        """``information_schema.<table>`` from the session's temporary views (what DuckDB's main schema holds)."""
        names = sorted(
            t.name
            for t in self.spark.catalog.listTables()
            if t.isTemporary and t.name not in sparksql.INFORMATION_SCHEMA.values()
        )
        if table == "tables":
            rows = [(SCHEMA, n) for n in names]
            schema = "table_schema STRING, table_name STRING"
        else:
            rows = [(SCHEMA, n, f.name) for n in names for f in self.spark.table(n).schema.fields]
            schema = "table_schema STRING, table_name STRING, column_name STRING"
        self.spark.createDataFrame(rows, schema).createOrReplaceTempView(sparksql.INFORMATION_SCHEMA[table])


def _args(params):
    """DuckDB parameters as Spark's: a dict (named) or list (positional), lists as arrays."""
    if not params:
        return None
    if isinstance(params, dict):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return [list(v) if isinstance(v, tuple) else v for v in params]
