"""The Spark engine: the same metric SQL, figures and results on Apache Spark (docs/design.md, "Spark engine").

- ``session``: the SparkSession with the settings the figures depend on (the policy's zone, ...);
- ``sql``: DuckDB's dialect to Spark SQL with SQLGlot (one pinned version) and the few rewrites
  Spark needs (``epoch``, ``quantile_cont``, ``information_schema``, ``current_setting``);
- ``functions``: the macros of ``pipelines/metrics/sql/*.sql`` as Spark SQL functions, translated from their
  DuckDB text, and the working-day ``calendar`` as a small table;
- ``tables``: the working directory's Parquet tables as temporary views;
- ``engine``: :class:`~pipelines.spark.engine.SparkConnection`, the narrow surface of a DuckDB
  connection the metric families use, so they run unchanged;
- ``load``: the one loader's database (pipelines/load/) written as the working directory's Parquet tables.

pyspark is an optional extra (``pip install -e '.[spark]'``): nothing here is imported by a
DuckDB run.
"""
