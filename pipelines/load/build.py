"""Builds the database: read each export, cast, set aside bad rows, flag, rename into place."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import db as dbmod
from pipelines.contract import TABLES, Table
from pipelines.errors import BadInput
from pipelines.load import cast
from pipelines.load import fingerprint as fp
from pipelines.load.csv_reader import SetAside, read_csv
from pipelines.load.mapping import Mapping, contract_name, load_mapping
from pipelines.load.mapping import mapping_file as find_mapping
from pipelines.load.sources import Source, find_sources
from pipelines.private import FILE_MODE, narrow, private_folder, private_umask

log = logging.getLogger(__name__)

SALT_ENV = "PRIVACY_REVIEW_PSEUDONYM_SALT"

_META_DDL = (
    "CREATE TABLE load_tables (table_name VARCHAR, present BOOLEAN, source VARCHAR,"
    " rows_in BIGINT, rows_loaded BIGINT, rows_rejected BIGINT)",
    "CREATE TABLE quarantine (table_name VARCHAR, source_file VARCHAR, line BIGINT,"
    " column_name VARCHAR, reason VARCHAR, detail VARCHAR, raw VARCHAR)",
    "CREATE TABLE settings (name VARCHAR PRIMARY KEY, value VARCHAR)",
    # the contract columns each exported table's header held: a rule reading an optional column its export
    # lacks is "not assessable" (docs/contract.md, "Optional columns")
    "CREATE TABLE load_columns (table_name VARCHAR, column_name VARCHAR)",
)


@dataclass
class LoadReport:
    """Per-table counts, in the shape of summary.json's ``data_quality``."""

    rows_in: dict[str, int] = field(default_factory=dict)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_rejected: dict[str, int] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"rows_in": self.rows_in, "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected}


def load_exports(
    data_dir: Path,
    db_path: Path,
    *,
    mapping_file: Path | None = None,
    input_zone: str = "UTC",
    zone: str = "Europe/Brussels",
    reload: bool = True,
) -> LoadReport:
    """Load every contract table from ``data_dir`` into a new database file at ``db_path``.

    The file is built under a temporary name and renamed into place, so a
    reader holding the previous file keeps it and a failed load leaves it intact.
    With ``reload=False`` an existing database loaded from the same exports (same
    fingerprint, see :mod:`pipelines.load.fingerprint`) is kept as it is.
    """
    data_dir, db_path = Path(data_dir), Path(db_path)
    sources = find_sources(data_dir)
    mapping = load_mapping(mapping_file, data_dir)
    mapping_file = find_mapping(mapping_file, data_dir)
    current = fp.fingerprint(data_dir, sources, mapping_file, input_zone, zone, os.environ.get(SALT_ENV))
    if not reload:
        reused = _reuse(db_path, current)
        if reused is not None:
            _keep_private(db_path)
            return reused
    else:
        log.info("loading: --reload given")
    # said once it is decided, after the reason: a reused database is only "reusing ..." (docs/operations.md)
    log.info("loading exports from %s into %s", data_dir, db_path)
    private_folder(db_path.parent)  # 0700 when the tool makes it (pipelines/private.py)
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    _remove(tmp)
    salt = _carry_over_salt(db_path)
    report = LoadReport()
    try:
        # DuckDB creates the file, its .wal and its spill files itself, 0666 cut by the umask: under a umask of 077
        # each is private from the moment it exists (pipelines/private.py; docs/operations.md, "Safe by construction")
        with private_umask():
            con = dbmod.connect(tmp, zone=input_zone, spill_of=db_path)
            _build(con, sources, mapping, report, [salt, input_zone, zone, datetime.now(timezone.utc).isoformat(),
                                                   str(data_dir), fp.SETTING, fp.encode(current)])
        os.chmod(tmp, FILE_MODE)  # and said explicitly, whatever DuckDB did
        os.replace(tmp, db_path)
    except BaseException:
        _remove(tmp)
        raise
    return report


def _build(con, sources: dict[str, Source | None], mapping: Mapping, report: LoadReport, settings: list) -> None:
    """Every table into the new database ``con`` (closed on return), then its flags; ``settings``: the values of
    the ``settings`` rows (salt, zones, load time, export folder, fingerprint)."""
    try:
        for ddl in _META_DDL:
            con.sql(ddl)
        con.sql(cast.zone_changes_sql())  # where a local time may fall in a gap or fold (docs/bad-data.md)
        con.execute("INSERT INTO settings VALUES ('pseudonym_salt', ?), ('input_zone', ?), ('zone', ?),"
                    " ('loaded_at', ?), ('data_dir', ?), (?, ?)", settings)
        present = [n for n in TABLES if sources[n] is not None]
        for setting, value in cast.LOAD_SETTINGS.items():
            con.sql(f"SET {setting} = '{value}'")
        for name, table in TABLES.items():
            con.sql(table.ddl())
            started = time.monotonic()
            if sources[name] is not None and _interactive():
                log.info("[%d/%d] loading %s …", present.index(name) + 1, len(present), name)
            _load_table(con, table, sources[name], mapping, report)
            if sources[name] is not None:
                log.info("loaded %s: %s rows in %.1f s (%s set aside)", name, f"{report.rows_loaded[name]:,}",
                         time.monotonic() - started, f"{report.rows_rejected[name]:,}")
        for setting in cast.LOAD_SETTINGS:
            con.sql(f"RESET {setting}")
        con.sql("CREATE TABLE load_flags AS " + dbmod.read_sql("pipelines.load", "flags"))
        con.sql("CHECKPOINT")
    finally:
        con.close()


def _keep_private(db_path: Path) -> None:
    """A reused database made 0600 when an older version (or another umask) left it readable by others."""
    if narrow(db_path):
        log.info("made %s private (mode 0600): it held the exports and was readable by others", db_path)


def _interactive() -> bool:
    """A terminal is watching: say which table is being loaded before it finishes, too."""
    return sys.stderr.isatty()


def _reuse(db_path: Path, current: dict) -> LoadReport | None:
    """The report of the existing database when it was loaded from exports with this fingerprint, else None."""
    if not db_path.exists():
        log.info("loading: exports changed (no database at %s yet)", db_path)
        return None
    try:
        with duckdb.connect(str(db_path), read_only=True) as old:
            settings = dict(old.sql("SELECT name, value FROM settings").fetchall())
            changed = fp.changes(settings.get(fp.SETTING), current)
            if changed:
                log.info("loading: exports changed (%s)", "; ".join(changed))
                return None
            rows = old.sql("SELECT table_name, present, rows_in, rows_loaded, rows_rejected FROM load_tables").fetchall()
    except duckdb.Error as exc:
        log.info("loading: the existing database cannot be reused (%s)", str(exc).splitlines()[0] if str(exc) else exc)
        return None
    report = LoadReport()
    for name, present, rows_in, loaded, rejected in rows:
        if not present:
            report.absent.append(name)
            continue
        report.rows_in[name], report.rows_loaded[name], report.rows_rejected[name] = rows_in, loaded, rejected
    log.info("reusing the database loaded at %s (exports unchanged)", settings.get("loaded_at"))
    return report


TABLE_COLUMNS = {t.name: {c.name: c for c in t.columns} for t in TABLES.values()}

#: ``_seq`` orders rows by file, then line: file index * 2^40 + line
FILE_STRIDE = 1 << 40


def _load_table(con: duckdb.DuckDBPyConnection, table: Table, source: Source | None, mapping: Mapping, report: LoadReport) -> None:
    name = table.name
    if source is None:
        con.execute("INSERT INTO load_tables VALUES (?, false, NULL, 0, 0, 0)", [name])
        report.absent.append(name)
        return
    log.debug("loading %s from %s", name, source.path)
    set_aside = _stage(con, table, source, mapping)
    source_types = {
        row[0]: row[1] for row in con.sql("SELECT column_name, column_type FROM (DESCRIBE stage)").fetchall()
    }
    present = {c: source_types.get(c) for c in table.column_names}
    con.executemany("INSERT INTO load_columns VALUES (?, ?)", [[name, c] for c, kind in present.items() if kind])
    if source.format == "csv" or not _insert_clean_rows(con, table, source, present):
        _load_carefully(con, table, source, present)
    _drop_stage(con)
    if set_aside:
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, NULL, ?, ?, ?)",
            [[name, str(source.path), s.line, s.reason, s.detail, s.raw] for s in set_aside],
        )
    loaded = dbmod.scalar(con, f"SELECT count(*) FROM {name}")
    rejected = dbmod.scalar(con, "SELECT count(*) FROM quarantine WHERE table_name = ?", [name])
    report.rows_in[name] = loaded + rejected
    report.rows_loaded[name] = loaded
    report.rows_rejected[name] = rejected
    con.execute(
        "INSERT INTO load_tables VALUES (?, true, ?, ?, ?, ?)", [name, str(source.path), loaded + rejected, loaded, rejected]
    )


def _load_carefully(con: duckdb.DuckDBPyConnection, table: Table, source: Source, present: dict[str, str | None],
                    stage: str = "stage") -> None:
    """Every row of ``stage`` checked: the rows with a problem and the later copies of a key into ``quarantine``,
    the others into the table (docs/design.md, "Loading")."""
    name = table.name
    raw = "CAST(struct_pack(" + ", ".join(cast.q(c) for c in table.column_names if present[c]) + ") AS VARCHAR)"
    key = cast.q(table.key)
    # Reads of the export (docs/design.md, "Loading"):
    # 1. the hashes of the keys that occur more than once: a superset of the duplicated keys (a hash
    #    may collide; such rows are compared by their key below, so a collision only costs a few rows);
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE dup_hashes AS SELECT hash({cast.key_expression(table, present)}) AS h"
        f" FROM {stage} GROUP BY h HAVING count(*) > 1"
    )
    # 2. the exceptions: rows with a problem, and rows whose key hash occurs more than once. A CSV export
    #    is parsed once, into a temporary table (spilled to disk past the memory limit) that the exceptions
    #    and the loaded rows both read: parsing timestamp text is the dearest step of its load. A Parquet
    #    export's values are typed already: it is read again instead, which costs less than that copy.
    parse = cast.parse_query(table, stage, present, raw)
    parsed_once = source.format == "csv"
    if parsed_once:
        con.sql(f"CREATE OR REPLACE TEMP TABLE parsed AS {parse}")
        _drop_stage(con)  # the staged text is read no more
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE exceptions AS SELECT * FROM {'parsed' if parsed_once else f'({parse})'}"
        f" WHERE NOT _ok OR hash({key}) IN (SELECT h FROM dup_hashes)"
    )
    con.execute(
        "INSERT INTO quarantine SELECT ?, _source, _line, _problems[1].column_name, _problems[1].reason,"
        " array_to_string(list_transform(_problems, lambda p: p.detail), '; '), _raw"
        " FROM exceptions WHERE NOT _ok ORDER BY _seq",
        [name],
    )
    # Duplicate keys among loadable rows: the first in file order wins (reading 1).
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE duplicated AS SELECT {key} AS dup_key, min(_seq) AS first_seq,"
        f" arg_min(_line, _seq) AS first_line FROM exceptions WHERE _ok GROUP BY {key} HAVING count(*) > 1"
    )
    typed = ", ".join(cast.q(c) for c in table.column_names if present[c])
    con.execute(
        f"INSERT INTO quarantine SELECT ?, p._source, p._line, ?, ?, concat('same {table.key} as line ', d.first_line),"
        f" CAST(struct_pack({typed}) AS VARCHAR)"
        f" FROM exceptions AS p JOIN duplicated AS d ON d.dup_key = p.{key}"
        " WHERE p._ok AND p._seq <> d.first_seq ORDER BY p._seq",
        [name, table.key, cast.DUPLICATE],
    )
    con.sql(
        "CREATE OR REPLACE TEMP TABLE losers AS SELECT p._seq FROM exceptions AS p"
        f" JOIN duplicated AS d ON d.dup_key = p.{key} WHERE p._ok AND p._seq <> d.first_seq"
    )
    # 3. the loaded rows, from the export (or its parsed copy) straight into the table
    columns = ", ".join(
        f"coalesce(p.{cast.q(c.name)}, false)" if c.type == "boolean" else f"p.{cast.q(c.name)}" for c in table.columns
    )
    losers = dbmod.scalar(con, "SELECT count(*) FROM losers")
    anti = " AND p._seq NOT IN (SELECT _seq FROM losers)" if losers else ""
    loadable = "parsed" if parsed_once else f"({cast.ok_query(table, stage, present)})"
    _insert_unordered(con, f"INSERT INTO {name} SELECT {columns} FROM {loadable} AS p"
                           f" WHERE {'p._ok' if parsed_once else 'true'}{anti}")
    if parsed_once:
        con.sql("DROP TABLE parsed")
    for temp in ("dup_hashes", "exceptions", "duplicated", "losers"):
        con.sql(f"DROP TABLE {temp}")


def _insert_unordered(con: duckdb.DuckDBPyConnection, insert: str) -> None:
    """Run ``insert`` without keeping the rows' order (no figure depends on it), which lets DuckDB write in
    parallel without buffering."""
    con.sql("SET preserve_insertion_order = false")
    try:
        con.sql(insert)
    finally:
        con.sql("SET preserve_insertion_order = true")


def _insert_clean_rows(con: duckdb.DuckDBPyConnection, table: Table, source: Source,
                       present: dict[str, str | None]) -> bool:
    """Load a Parquet export's clean rows as stored, and only its other rows down the careful path; False (nothing
    loaded) when the export's types leave every row to the careful path.

    A row is clean when the careful path would neither set it aside nor change it (docs/design.md, "Loading"):
    every required value given, no text the loader would trim or empty, every timestamp within the range it
    loads, and a key no other row has (after trimming, as the careful path compares keys). Clean rows are
    copied as stored (a native timestamp as TIMESTAMPTZ, in the load's input zone), which is what the careful
    path would load, without parsing each value three times. The others (a few bad rows, and every copy of a
    duplicated key, so that the first loadable copy still wins) are copied to ``stage_flagged`` and go through
    :func:`_load_carefully` with their file and row: a bad row costs its own line, not the whole table's
    parsing. A timestamp or boolean stored as text is never clean here: its parsing is the careful path's.
    """
    problems, values = [], []
    for col in table.columns:
        stored, c = present[col.name], cast.q(col.name)
        if stored is None:
            values.append(f"coalesce({cast.typed_expression(col, None)[0]}, false)" if col.type == "boolean"
                          else cast.typed_expression(col, None)[0])
            continue
        if col.required:
            problems.append(f"{c} IS NULL")
        if col.type == "text":
            if stored == "VARCHAR":
                problems.append(f"{c} = '' OR {c} <> trim({c})")
                values.append(c)
            else:
                values.append(cast.typed_expression(col, stored)[0])
        elif col.type == "timestamp":
            if stored == "VARCHAR":
                return False
            value = cast.typed_expression(col, stored, read=True)[0]  # the careful path's instant: range, gaps, folds
            problems.append(f"{c} IS NOT NULL AND ({value}) IS NULL")
            values.append(value)
        elif col.type == "boolean":
            if stored != "BOOLEAN":
                return False
            values.append(f"coalesce({c}, false)")
    key = cast.key_expression(table, present)
    # the keys written more than once (by hash: a collision only sends a few more rows down the careful path)
    con.sql(f"CREATE OR REPLACE TEMP TABLE clean_dup_hashes AS SELECT hash({key}) AS h FROM stage"
            " GROUP BY h HAVING count(*) > 1")
    flagged = " OR ".join(f"coalesce({p}, false)" for p in
                          [*(f"({p})" for p in problems), "hash(" + key + ") IN (SELECT h FROM clean_dup_hashes)"])
    read = cast.with_readings(table, "stage", present)
    staged = ", ".join(cast.q(row[0]) for row in con.sql("SELECT column_name FROM (DESCRIBE stage)").fetchall())
    con.sql(f"CREATE OR REPLACE TEMP TABLE stage_flagged AS SELECT {staged} FROM {read} WHERE {flagged}")
    _insert_unordered(con, f"INSERT INTO {table.name} SELECT {', '.join(values)} FROM {read} WHERE NOT ({flagged})")
    con.sql("DROP TABLE clean_dup_hashes")
    flagged_rows = dbmod.scalar(con, "SELECT count(*) FROM stage_flagged")
    if flagged_rows:
        log.debug("loading %s: %s rows need the careful path", table.name, f"{flagged_rows:,}")
        _load_carefully(con, table, source, present, stage="stage_flagged")
    con.sql("DROP TABLE stage_flagged")
    return True


def _stage(con: duckdb.DuckDBPyConnection, table: Table, source: Source, mapping: Mapping) -> list[SetAside]:
    """Create the TEMP VIEW ``stage`` (contract columns present, ``_source``, ``_seq``, ``_line``) over the export.

    A view, not a copy: the export is read once, by the parsing query.
    Returns the CSV lines the reader set aside (wrong number of fields, unterminated quote).
    """
    if source.format == "csv":
        read = read_csv(source.path, sink=_StageSink(con))
        positions = contract_columns(table, read.header, source.path, mapping, csv=True)
        if not dbmod.table_exists(con, "stage_src"):  # no record at all: an empty stage of the header's width
            columns = ", ".join(f"c{i} VARCHAR" for i in range(len(read.header)))
            con.sql(f"CREATE TEMP TABLE stage_src ({columns}, _line BIGINT)")
        cols = ", ".join(f"c{i} AS {cast.q(c)}" for c, i in positions.items())
        con.sql(
            f"CREATE OR REPLACE TEMP VIEW stage AS SELECT {cols}, {cast.literal(str(source.path))} AS _source,"
            " _line AS _seq, _line FROM stage_src"
        )
        return read.set_aside
    files = [str(p) for p in source.files]
    for file in files:  # each file on its own, so a problem names the file it is in
        _check_parquet_file(con, table, file, mapping)
    file_list = "[" + ", ".join(cast.literal(f) for f in files) + "]"
    # union_by_name: files of one table may order their columns differently or give a
    # column another accepted type (TIMESTAMP in one, ISO text in the next): it becomes text.
    # hive_partitioning off: a folder name such as year=2024 adds no column (docs/bad-data.md)
    con.sql(
        f"CREATE OR REPLACE TEMP VIEW stage_src AS SELECT * FROM read_parquet({file_list},"
        " filename = true, file_row_number = true, union_by_name = true, hive_partitioning = false)"
    )
    header = [row[0] for row in con.sql("DESCRIBE stage_src").fetchall() if row[0] not in ("filename", "file_row_number")]
    positions = contract_columns(table, header, source.path, mapping)
    cols = ", ".join(f"{cast.q(header[i])} AS {cast.q(c)}" for c, i in positions.items())
    order = " ".join(f"WHEN {cast.literal(f)} THEN {i}" for i, f in enumerate(files))
    con.sql(
        f"CREATE OR REPLACE TEMP VIEW stage AS SELECT {cols}, filename AS _source,"
        f" (CASE filename {order} END) * {FILE_STRIDE} + file_row_number + 1 AS _seq,"
        " file_row_number + 1 AS _line FROM stage_src"
    )
    return []


class _StageSink:
    """Writes the CSV reader's batches into the TEMP TABLE ``stage_src`` as they are parsed.

    The batches are never all in Python's memory: DuckDB holds the staged text under its
    memory limit and spills the rest to disk (docs/design.md, "Loading").
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.created = False

    def __call__(self, batch: pa.RecordBatch) -> None:
        self.con.register("csv_batch", batch)
        try:
            if self.created:
                self.con.sql("INSERT INTO stage_src SELECT * FROM csv_batch")
            else:
                self.con.sql("CREATE TEMP TABLE stage_src AS SELECT * FROM csv_batch")
                self.created = True
        finally:
            self.con.unregister("csv_batch")


def _check_parquet_file(con: duckdb.DuckDBPyConnection, table: Table, file: str, mapping: Mapping) -> None:
    """Bad input unless ``file`` is readable Parquet with the required columns, each of a usable type."""
    try:
        schema = con.sql(f"DESCRIBE SELECT * FROM read_parquet({cast.literal(file)}, hive_partitioning = false)").fetchall()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(f"{file}: not a readable Parquet file ({reason})") from None
    header = [row[0] for row in schema]
    for name, i in contract_columns(table, header, Path(file), mapping).items():
        problem = cast.stored_type_problem(TABLE_COLUMNS[table.name][name], schema[i][1])
        if problem:
            raise BadInput(f"{file}: column {header[i]!r} is stored as {schema[i][1]}: {problem}")


def _drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.sql("DROP VIEW IF EXISTS stage")
    kind = dbmod.scalar(con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'stage_src'")
    if kind == "VIEW":  # over Parquet files
        con.sql("DROP VIEW stage_src")
    elif kind is not None:  # the staged CSV text
        con.sql("DROP TABLE stage_src")


def contract_columns(table: Table, header: list[str], path: Path, mapping: Mapping, *, csv: bool = False) -> dict[str, int]:
    """contract column -> position in the export; a missing or doubled contract column is bad input."""
    where = f"{path}, line 1" if csv else str(path)
    positions: dict[str, int] = {}
    for i, export_name in enumerate(header):
        name = contract_name(table.name, export_name, mapping)
        if name in table.column_names:
            if name in positions:
                raise BadInput(
                    f"{where}: column {name!r} appears twice (columns {positions[name] + 1} and {i + 1},"
                    " after column mapping): keep one"
                )
            positions[name] = i
    for col in table.columns:
        if col.required and col.name not in positions:
            hint = ""
            if csv and len(header) == 1:
                hint = " (the header has a single column: separate the columns with ',' or ';')"
            raise BadInput(f"{where}: missing required column {col.name!r}{hint}")
    return positions


def _carry_over_salt(db_path: Path) -> str:
    """Keep pseudonymous keys stable across reloads: env var, else the previous file's salt, else new."""
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if db_path.exists():
        try:
            with duckdb.connect(str(db_path), read_only=True) as old:
                salt = dbmod.scalar(old, "SELECT value FROM settings WHERE name = 'pseudonym_salt'")
                if salt:
                    return salt
        except duckdb.Error:
            log.warning("could not read the previous database's pseudonym salt; new keys will differ")
    return secrets.token_hex(16)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()
