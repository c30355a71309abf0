"""Loading for Spark: the one loader's database, written out as the working directory's Parquet tables.

There is one set of loading rules (docs/bad-data.md; docs/design.md, "Spark engine"): the
loader of :mod:`pipelines.load` reads the exports into ``WORK/exports.duckdb`` exactly as for
a DuckDB run (sources, mapping, casts, zones, duplicates, quarantine, flags, the fingerprint
and the salt). Each of its tables is then copied, as DuckDB stores it, to
``WORK/tables/<name>/part-0.parquet`` (:mod:`pipelines.spark.tables`), which Spark reads: the
timestamps as instants (Parquet ``TIMESTAMP``, adjusted to UTC), booleans and text as such.

Loading stays on one machine, streamed by DuckDB; the figures are what Spark spreads over a
cluster. The tables are written under a temporary name next to ``WORK/tables`` and renamed
into place, so a failed load leaves the previous working directory as it was; a load that
reuses the database (``--reload`` not given, exports unchanged) reuses the tables written
from it.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from pipelines import db as dbmod
from pipelines.errors import BadInput
from pipelines.load import LoadReport
from pipelines.load import load_exports as load_database
from pipelines.private import private_umask
from pipelines.spark.tables import TABLES_DIR, table_names

log = logging.getLogger(__name__)

#: the one loader's database inside the working directory
DATABASE_FILE = "exports.duckdb"
#: in ``WORK/tables``: the ``loaded_at`` of the database the tables were written from
WRITTEN_FROM = ".loaded-at"


def load_exports(
    data_dir: Path,
    work_dir: Path,
    *,
    mapping_file: Path | None = None,
    input_zone: str = "UTC",
    zone: str,
    reload: bool = True,
) -> LoadReport:
    """Load ``data_dir`` with the one loader into ``work_dir``, its tables as Parquet for Spark (module docstring)."""
    if "://" in str(work_dir):
        raise BadInput(f"{work_dir}: the Spark working directory is a local or mounted directory (e.g. /dbfs/...),"
                       " not a URI")
    work_dir = Path(work_dir)
    database = work_dir / DATABASE_FILE
    report = load_database(data_dir, database, mapping_file=mapping_file, input_zone=input_zone, zone=zone,
                           reload=reload)
    final = work_dir / TABLES_DIR
    marker = final / WRITTEN_FROM
    tmp = work_dir / f".{TABLES_DIR}.{os.getpid()}.tmp"
    con = dbmod.connect(database, read_only=True)
    try:
        row = con.execute("SELECT value FROM settings WHERE name = 'loaded_at'").fetchone()
        loaded_at = row[0] if row else ""
        if not reload and marker.is_file() and marker.read_text(encoding="utf-8") == loaded_at:
            log.info("reusing the Parquet tables written from the database loaded at %s", loaded_at)
            return report
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            with private_umask():  # the exports' rows, written by DuckDB itself: 0600 in 0700 (pipelines/private.py)
                write_tables(con, tmp)
                (tmp / WRITTEN_FROM).write_text(loaded_at, encoding="utf-8")
            _swap(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        con.close()
    return report


def write_tables(con, tables_root: Path) -> list[str]:
    """Each table of the DuckDB connection ``con`` that :func:`~pipelines.spark.tables.table_names` lists, as
    ``<tables_root>/<name>/part-0.parquet``; returns the names written."""
    present = {n for (n,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    written = []
    for name in table_names():
        if name not in present:
            continue
        folder = tables_root / name
        folder.mkdir(parents=True)
        con.execute(f"COPY {name} TO '{_sql_text(folder / 'part-0.parquet')}' (FORMAT parquet)")
        written.append(name)
    return written


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _swap(tmp: Path, final: Path) -> None:
    """Put the new tables in place of the old ones (two renames; the old ones are removed after)."""
    old = final.with_name(f".{final.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)

