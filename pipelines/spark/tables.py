"""The Spark working directory: one Parquet directory per table of the loaded database.

``WORK/tables/<name>/`` holds what the DuckDB loader's database holds under the same name:
the seven contract tables (``pipelines/contract.py``), ``load_tables``, ``quarantine``,
``load_flags`` and ``settings`` (docs/design.md, "The loaded database"), written from the one
loader's database by :mod:`pipelines.spark.load`; :func:`register` makes each a temporary view, so
the metric SQL's ``FROM accounts`` reads it.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.contract import TABLES

TABLES_DIR = "tables"
#: the loader's bookkeeping tables, next to the contract's
META_TABLES = ("load_tables", "load_columns", "quarantine", "load_flags", "settings")


def table_names() -> tuple[str, ...]:
    return (*TABLES, *META_TABLES)


def table_dir(work_dir: str | Path, name: str) -> Path:
    """Where table ``name`` lives under ``work_dir``."""
    return Path(work_dir) / TABLES_DIR / name


def register(spark, work_dir: str | Path) -> list[str]:
    """Each table of ``work_dir`` as a temporary view of its name; returns the names registered.

    A contract table that is missing is an error (the loader writes every one, empty when not
    exported); a missing bookkeeping table is left out, as in a database built by hand.
    """
    registered = []
    for name in table_names():
        path = table_dir(work_dir, name)
        if name in META_TABLES and not path.is_dir():
            continue
        spark.read.parquet(str(path)).createOrReplaceTempView(name)
        registered.append(name)
    return registered
