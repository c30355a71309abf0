"""DuckDB's SQL as Spark SQL: SQLGlot (pinned in pyproject.toml) plus the few rewrites Spark needs.

The metric files are written once, in DuckDB's dialect (docs/design.md, "Spark engine");
SQLGlot turns ``$name`` into ``:name``, ``"right"`` into a back-quoted name, ``list_filter``
into ``filter`` and gives ``ORDER BY`` DuckDB's null order. What it would not carry over
with the same figures is rewritten here:

- ``epoch(ts)``: seconds *with* their fraction (``unix_micros / 1e6``), not Spark's whole
  ``unix_timestamp`` seconds (support hours are instant differences, reading 13);
- ``quantile_cont(x, p)``: Spark's exact ``percentile`` (linear interpolation, as DuckDB);
- ``current_setting('TimeZone')``: ``current_timezone()``;
- ``information_schema.tables`` / ``.columns``: Spark has none; the engine answers such a
  query from Spark's catalog (:data:`INFORMATION_SCHEMA` names the stand-in tables).
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark

#: information_schema table -> the temporary view standing in for it on Spark
INFORMATION_SCHEMA = {"tables": "information_schema_tables", "columns": "information_schema_columns"}


def _epoch(self, e: exp.TimeToUnix) -> str:
    return f"(UNIX_MICROS({self.sql(e, 'this')}) / 1e6)"


def _percentile(self, e: exp.PercentileCont) -> str:
    return f"PERCENTILE({self.sql(e, 'this')}, {self.sql(e, 'expression')})"


class ReviewSpark(Spark):
    """Spark's dialect, writing DuckDB's functions so that they give DuckDB's figures."""

    class Generator(Spark.Generator):
        TRANSFORMS: ClassVar[dict] = {
            **Spark.Generator.TRANSFORMS,
            exp.TimeToUnix: _epoch,
            exp.PercentileCont: _percentile,
        }


def parse(sql: str) -> exp.Expression:
    """One DuckDB statement as a SQLGlot tree."""
    return sqlglot.parse_one(sql, read="duckdb")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "current_setting":
        return exp.Anonymous(this="current_timezone", expressions=[])
    return _information_schema_table(node)


def _information_schema_table(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Table) and node.db.lower() == "information_schema" and node.name.lower() in INFORMATION_SCHEMA:
        view = exp.to_table(INFORMATION_SCHEMA[node.name.lower()])
        view.set("alias", node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name)))
        return view
    return node


def rename_information_schema(tree: exp.Expression) -> exp.Expression:
    """A copy of ``tree`` reading the :data:`INFORMATION_SCHEMA` views instead of ``information_schema.*``."""
    return tree.copy().transform(_information_schema_table)


def to_spark_tree(tree: exp.Expression) -> exp.Expression:
    """The rewrites of this module applied to a parsed DuckDB statement (a copy)."""
    return tree.copy().transform(_rewrite)


def generate(tree: exp.Expression, *, pretty: bool = False) -> str:
    """A (rewritten) tree as Spark SQL text."""
    return ReviewSpark().generate(to_spark_tree(tree), pretty=pretty)


def to_spark(sql: str, *, pretty: bool = False) -> str:
    """One DuckDB statement as Spark SQL (``$name`` parameters become ``:name``, ``?`` stays)."""
    return generate(parse(sql), pretty=pretty)


def information_schema_views(tree: exp.Expression) -> list[str]:
    """The information_schema tables a DuckDB statement reads (``tables``, ``columns``)."""
    return sorted(
        {
            t.name.lower()
            for t in tree.find_all(exp.Table)
            if t.db.lower() == "information_schema" and t.name.lower() in INFORMATION_SCHEMA
        }
    )
