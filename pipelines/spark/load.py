"""Loading on Spark: the exports in, one Parquet directory per table of a working directory out.

The DuckDB loader's rules (:mod:`pipelines.load`, docs/bad-data.md), written for Spark, so that
``WORK/tables/<name>/`` holds what the DuckDB database holds under the same name
(:mod:`pipelines.spark.tables`): the seven contract tables typed as the contract says
(timestamps as instants, booleans, text), ``load_tables``, ``quarantine``, ``load_flags`` and
``settings``. rows in = rows loaded + rows set aside, per table.

- **Sources, column mapping, required columns**: the same functions as the DuckDB loader
  (:func:`pipelines.load.sources.find_sources`, :mod:`pipelines.load.mapping`), the same messages.
- **Parquet** (a file, or a folder's files at any depth in file order,
  :func:`pipelines.load.sources.parquet_files`) is read by Spark with an explicit schema: each
  file's footer is checked as DuckDB's loader checks it (a column of the wrong type refuses the
  file), files with the same schema and distinct names are read together, given as files (so no
  column comes from a ``year=2024`` folder), and each row is numbered by its row in its file
  (``_metadata.row_index``).
- **CSV** (plain or gzip) is read in a Spark task by the DuckDB loader's own reader
  (:func:`pipelines.load.csv_reader.read_csv`) into explicit string columns: the same records,
  the same physical line numbers, the same lines set aside (wrong number of fields, a stray
  quote). Spark's CSV source numbers no lines and reads a stray quote on to the next quote;
  a CSV with quoted line breaks is one task per file in Spark too (docs/bad-data.md, "Loading on Spark").
- **Casting** follows :mod:`pipelines.load.cast`: ISO-8601 text (the forms DuckDB's cast takes,
  no offset: the input zone, a repeated local time its later occurrence, a skipped one moved
  on by the gap), native timestamps and dates, the EARLIEST/LATEST bounds, TRUE_WORDS and
  FALSE_WORDS, missing required values; the first problem of a row names its column and reason.
- **Duplicates**: among loadable rows, the first in file order wins (reading 1).
- **Flags**: ``pipelines/load/sql/flags.sql`` itself, transpiled (:mod:`pipelines.spark.sql`).

The tables are written under a temporary name next to ``WORK/tables`` and renamed into place,
so a failed load leaves the previous working directory as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from pipelines import db as dbmod
from pipelines.contract import TABLES, Table
from pipelines.dates import DEFAULT_ZONE
from pipelines.errors import BadInput
from pipelines.load import cast
from pipelines.load import fingerprint as fp
from pipelines.load.build import FILE_STRIDE, SALT_ENV, LoadReport, contract_columns
from pipelines.load.csv_reader import read_csv, read_header
from pipelines.load.mapping import DEFAULT_MAPPING_FILE, Mapping, load_mapping
from pipelines.load.sources import Source, find_sources
from pipelines.spark.tables import TABLES_DIR

log = logging.getLogger(__name__)

#: Spark type of each contract type (timestamps are instants: spark.sql.timestampType is TIMESTAMP_LTZ)
SPARK_TYPES = {"text": "string", "timestamp": "timestamp", "boolean": "boolean"}

META_SCHEMAS = {
    "load_tables": "table_name string, present boolean, source string, rows_in bigint, rows_loaded bigint,"
    " rows_rejected bigint",
    "quarantine": "table_name string, source_file string, line bigint, column_name string, reason string,"
    " detail string, raw string",
    "settings": "name string, value string",
    "load_flags": "table_name string, flag string, rows bigint",
}

#: The ISO-8601 forms DuckDB's cast to TIMESTAMPTZ accepts among :data:`cast.ISO_TIMESTAMP`'s (Java
#: regex): 'T' or ' ' between date and time, an upper-case 'Z' or an offset right after the time,
#: no offset after a bare date, an offset within :data:`cast.ISO_OFFSET`'s -14:00 to +14:00 (minutes below
#: 60; docs/bad-data.md, "UTC offsets"). Groups: year, month, day, hour, minute, second, fraction, offset.
ISO_PARTS = (
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|[+-](?:0\d|1[0-3])(?::?[0-5]\d)?|[+-]14(?::?00)?)?)?\z"
)
_DAY_US = 86_400_000_000
_MINUTE_US = 60_000_000
#: probe this far after a candidate instant for the offset that follows a repeated local hour
_PROBE_US = 3 * 3_600_000_000


def _bound_micros(literal: str) -> int:
    """Microseconds since the epoch of a ``TIMESTAMPTZ '…+00'`` literal of :mod:`pipelines.load.cast`."""
    text = re.search(r"'(.*)'", literal).group(1)
    instant = datetime.fromisoformat(re.sub(r"([+-]\d{2})$", r"\1:00", text))
    delta = instant - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


EARLIEST_US = _bound_micros(cast.EARLIEST)
LATEST_US = _bound_micros(cast.LATEST)


def load_exports(
    spark,
    data_dir: Path,
    work_dir: Path,
    *,
    mapping_file: Path | None = None,
    input_zone: str = "UTC",
    zone: str = DEFAULT_ZONE,
    reload: bool = True,
) -> LoadReport:
    """Load every contract table from ``data_dir`` into ``work_dir/tables/`` (module docstring).

    With ``reload=False`` a working directory loaded from the same exports (same fingerprint,
    :mod:`pipelines.load.fingerprint`) is kept as it is.
    """
    if "://" in str(work_dir):
        raise BadInput(f"{work_dir}: the Spark loader writes to a local or mounted directory (e.g. /dbfs/...), not a URI")
    data_dir, work_dir = Path(data_dir), Path(work_dir)
    dbmod.checked_zone(input_zone)
    sources = find_sources(data_dir)
    mapping = load_mapping(mapping_file, data_dir)
    if mapping_file is None and (data_dir / DEFAULT_MAPPING_FILE).exists():
        mapping_file = data_dir / DEFAULT_MAPPING_FILE
    current = fp.fingerprint(data_dir, sources, mapping_file, input_zone, zone, os.environ.get(SALT_ENV))
    final = work_dir / TABLES_DIR
    if not reload:
        reused = _reuse(spark, final, current)
        if reused is not None:
            return reused
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = work_dir / f".{TABLES_DIR}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    salt = _carry_over_salt(spark, final)
    report = LoadReport()
    previous = spark.conf.get("spark.sql.parquet.outputTimestampType")
    # TIMESTAMP_MICROS, not Spark's INT96 default: the working directory's Parquet reads as instants anywhere
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    try:
        _write_small(spark, [], "quarantine", tmp)
        rows = []
        for name, table in TABLES.items():
            started = time.monotonic()
            rows.append(_load_table(spark, table, sources[name], mapping, input_zone, tmp, report))
            if sources[name] is not None:
                log.info("loaded %s: %s rows in %.1f s (%s set aside)", name, f"{report.rows_loaded[name]:,}",
                         time.monotonic() - started, f"{report.rows_rejected[name]:,}")
        _write_small(spark, rows, "load_tables", tmp)
        settings = [("pseudonym_salt", salt), ("input_zone", input_zone), ("zone", zone),
                    ("loaded_at", datetime.now(UTC).isoformat()), ("data_dir", str(data_dir)),
                    (fp.SETTING, fp.encode(current))]
        _write_small(spark, settings, "settings", tmp)
        _write_flags(spark, tmp)
        _swap(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        spark.conf.set("spark.sql.parquet.outputTimestampType", previous)
    return report


# --- one table ---------------------------------------------------------------------------------


def _load_table(spark, table: Table, source: Source | None, mapping: Mapping, input_zone: str, tmp: Path,
                report: LoadReport) -> tuple:
    """Write ``table`` and its set-aside rows under ``tmp``; its ``load_tables`` row."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    name = table.name
    if source is None:
        spark.createDataFrame([], _contract_schema(table)).write.parquet(str(tmp / name))
        report.absent.append(name)
        return (name, False, None, 0, 0, 0)
    staged, present = (_stage_csv if source.format == "csv" else _stage_parquet)(
        spark, table, source, mapping, input_zone)
    result = _checked(table, staged, present).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        loaded = result.where(F.col("_ok") & (F.col("_rn") == 1)).select(*(
            F.coalesce(F.col(c.name), F.lit(False)).alias(c.name) if c.type == "boolean" else F.col(c.name)
            for c in table.columns))
        with _file_read_errors():
            loaded.write.parquet(str(tmp / name))
            _quarantine_rows(table, result, present, input_zone).write.mode("append").parquet(str(tmp / "quarantine"))
            counts = result.agg(F.count(F.lit(1)).alias("n"), F.count(F.when(F.col("_ok") & (F.col("_rn") == 1), 1))
                                .alias("loaded"), F.max("_error").alias("error")).first()
    finally:
        result.unpersist()
    if counts["error"]:  # the whole file is bad input: the load stops (and its temporary tables go)
        raise BadInput(counts["error"])
    rows_in, rows_loaded = counts["n"], counts["loaded"]
    report.rows_in[name], report.rows_loaded[name] = rows_in, rows_loaded
    report.rows_rejected[name] = rows_in - rows_loaded
    return (name, True, str(source.path), rows_in, rows_loaded, rows_in - rows_loaded)


#: Spark's words for a file its task could not read, and the file they name (a URI)
_FAILED_READ = re.compile(r"\[FAILED_READ_FILE[^\]]*\][^\n]*?reading file (\S+?)\.?\s")


@contextlib.contextmanager
def _file_read_errors():
    """A Parquet file Spark's task could not read (a damaged page; a stale ``.crc`` checksum beside it,
    which Hadoop's file system checks) is bad input naming the file, not a traceback (docs/bad-data.md)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        text = str(exc)
        found = _FAILED_READ.search(text)
        if not found:
            raise
        uri = found.group(1)
        path = unquote(urlparse(uri).path) if uri.startswith("file:") else uri
        raise BadInput(f"{path}: cannot read the file ({_spark_reason(exc)})") from None


def _spark_reason(exc: Exception) -> str:
    """The root cause of a Spark error in one line (``java.io.EOFException: Read past End of File``)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    causes = [line.removeprefix("Caused by:").strip() for line in lines if line.startswith("Caused by:")]
    return re.sub(r"\s+", " ", causes[-1] if causes else lines[0] if lines else type(exc).__name__)


def _contract_schema(table: Table) -> str:
    return ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in table.columns)


# --- reading: the stage (raw text, and each column's value as the cast sees it) -----------------

#: columns every stage carries besides the contract's: a CSV line set aside by the reader, and a
#: problem with the whole file (not UTF-8 …), found by the task that reads it
_PRE = ("_pre_reason", "_pre_detail", "_pre_raw", "_error")


def _stage_csv(spark, table: Table, source: Source, mapping: Mapping, input_zone: str):
    """The CSV read in one Spark task by the DuckDB loader's reader: (stage, present columns)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    path = source.path
    header = _csv_header(path)
    positions = contract_columns(table, header, path, mapping, csv=True)
    present = [c for c in table.column_names if c in positions]
    schema = ", ".join([*(f"`{c}` string" for c in present), "_line bigint",
                        *(f"{p} string" for p in _PRE)])
    task = _CsvTask(str(path), {c: positions[c] for c in present})
    raw = spark.createDataFrame([(str(path),)], "path string").coalesce(1).mapInArrow(task, schema)
    types = {c: (c, StringType()) for c in present}
    frame = raw.select(F.lit(str(path)).alias("_source"), F.col("_line").alias("_seq"), "_line", *_PRE, *present)
    return _typed_stage(frame, table, present, types, input_zone), present


def _csv_header(path: Path) -> list[str]:
    """The header row's names (plain or gzip CSV), with the DuckDB loader's messages for a file that has none."""
    return read_header(path)


class _CsvTask:
    """The Spark task reading one CSV: its records as text columns with their line, then the lines set aside.

    A problem with the whole file (not UTF-8 …) comes back as one row holding the message in
    ``_error``, raised as bad input on the driver.
    """

    def __init__(self, path: str, positions: dict[str, int]) -> None:
        self.path, self.positions = path, positions

    def __call__(self, batches):
        import pyarrow as pa

        names = [*self.positions, "_line", *_PRE]
        if not any(b.num_rows for b in batches):
            return
        try:
            read = read_csv(Path(self.path))
        except BadInput as exc:
            yield self._rows(pa, names, {"_error": [str(exc)]}, 1)
            return
        for batch in read.batches:
            columns = {c: batch.column(f"c{i}") for c, i in self.positions.items()}
            columns["_line"] = batch.column("_line")
            yield self._rows(pa, names, columns, batch.num_rows)
        if read.set_aside:
            yield self._rows(pa, names, {
                "_line": [s.line for s in read.set_aside], "_pre_reason": [s.reason for s in read.set_aside],
                "_pre_detail": [s.detail for s in read.set_aside], "_pre_raw": [s.raw for s in read.set_aside],
            }, len(read.set_aside))

    @staticmethod
    def _rows(pa, names: list[str], columns: dict, n: int):
        arrays = [columns.get(c, pa.nulls(n, pa.int64() if c == "_line" else pa.string())) for c in names]
        arrays = [a if isinstance(a, pa.Array) else pa.array(a, type=pa.int64() if c == "_line" else pa.string())
                  for c, a in zip(names, arrays)]
        return pa.RecordBatch.from_arrays(arrays, names=names)


def _stage_parquet(spark, table: Table, source: Source, mapping: Mapping, input_zone: str):
    """The Parquet files read by Spark, files with the same schema together: (stage, present columns)."""
    files = source.files
    groups: dict[tuple, list[tuple[int, Path]]] = {}
    fields_of: dict[tuple, dict] = {}
    for index, file in enumerate(files):  # each file on its own, so a problem names the file it is in
        schema = _parquet_schema(spark, file)
        header = [f.name for f in schema.fields]
        positions = contract_columns(table, header, file, mapping)
        fields = {c: (header[i], schema.fields[i].dataType) for c, i in positions.items()}
        for c, (export_name, data_type) in fields.items():
            problem = cast.stored_type_problem(table.column(c), duckdb_type(data_type))
            if problem:
                raise BadInput(f"{file}: column {export_name!r} is stored as {duckdb_type(data_type)}: {problem}")
        key = tuple((c, n, t.simpleString()) for c, (n, t) in sorted(fields.items()))
        groups.setdefault(key, []).append((index, file))
        fields_of[key] = fields
    present = [c for c in table.column_names if any(c in f for f in fields_of.values())]
    stages = []
    for key, members in groups.items():
        for read in _by_unique_name(members):  # a row's file is known by its name: unique within a read
            stages.append(_read_parquet_files(spark, table, read, fields_of[key], present, input_zone))
    stage = stages[0]
    for other in stages[1:]:
        stage = stage.unionByName(other)
    return stage, present


def _by_unique_name(members: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
    """``members`` (file index, path) split into reads whose file names are unique: a folder read at any
    depth may hold ``year=2023/part-0.parquet`` and ``year=2024/part-0.parquet`` (docs/bad-data.md)."""
    reads: list[list[tuple[int, Path]]] = []
    count: dict[str, int] = {}
    for index, file in members:
        k = count.get(file.name, 0)
        count[file.name] = k + 1
        if k == len(reads):
            reads.append([])
        reads[k].append((index, file))
    return reads


def _read_parquet_files(spark, table: Table, members: list[tuple[int, Path]], fields: dict, present: list[str],
                        input_zone: str):
    """One read of Parquet files of the same schema and distinct file names, as a stage.

    Each file is given as a path, so Spark infers no partition column from a ``year=2024`` folder,
    as DuckDB's loader reads it with ``hive_partitioning = false``.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    order = spark.createDataFrame([(f.name, i, str(f)) for i, f in members],
                                  "_file_name string, _file_index bigint, _source string")
    schema = StructType([_field(n, t) for n, t in fields.values()])
    frame = spark.read.schema(schema).parquet(*(str(f) for _, f in members))
    # Spark gives the name %-encoded (``part 1.parquet`` as ``part%201.parquet``), '+' as it is
    name = F.url_decode(F.replace(F.col("_metadata.file_name"), F.lit("+"), F.lit("%2B")))
    frame = frame.select("*", name.alias("_file_name"), F.col("_metadata.row_index").alias("_row_index"))
    # a left join: a row whose file the list does not name stops the load rather than vanish
    frame = frame.join(F.broadcast(order), "_file_name", "left")
    lost = F.concat(F.lit(f"{members[0][1]}: Spark read a file the loader cannot place in file order ("),
                    F.col("_file_name"), F.lit("): a bug, please report it"))
    pre = {p: F.lit(None).cast("string") for p in _PRE}
    pre["_error"] = F.when(F.col("_file_index").isNull(), lost)
    frame = frame.select(
        "_source", (F.col("_file_index") * FILE_STRIDE + F.col("_row_index") + 1).alias("_seq"),
        (F.col("_row_index") + 1).alias("_line"), *(e.alias(p) for p, e in pre.items()),
        *(F.col(f"`{n}`") for n, _ in fields.values()))
    return _typed_stage(frame, table, present, fields, input_zone)


def _field(name, data_type):
    from pyspark.sql.types import StructField

    return StructField(name, data_type, True)


def _parquet_schema(spark, file: Path):
    """The Spark schema of one Parquet file; bad input when it is not readable Parquet."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        return spark.read.parquet(str(file)).schema
    except (PySparkException, Py4JJavaError) as exc:
        raise BadInput(f"{file}: not a readable Parquet file ({_spark_reason(exc)})") from None


def duckdb_type(data_type) -> str:
    """DuckDB's name for a Spark type read from Parquet, as :func:`cast.stored_type_problem` takes them."""
    from pyspark.sql import types as T

    simple = {T.StringType: "VARCHAR", T.TimestampType: "TIMESTAMP WITH TIME ZONE", T.TimestampNTZType: "TIMESTAMP",
              T.DateType: "DATE", T.BooleanType: "BOOLEAN", T.ByteType: "TINYINT", T.ShortType: "SMALLINT",
              T.IntegerType: "INTEGER", T.LongType: "BIGINT", T.BinaryType: "BLOB", T.FloatType: "FLOAT",
              T.DoubleType: "DOUBLE"}
    for kind, name in simple.items():
        if isinstance(data_type, kind):
            return name
    if isinstance(data_type, T.ArrayType):
        return f"{duckdb_type(data_type.elementType)}[]"
    if isinstance(data_type, (T.StructType, T.MapType)):
        return ("STRUCT" if isinstance(data_type, T.StructType) else "MAP") + f"({data_type.simpleString()})"
    return data_type.simpleString().upper()


_META = ("_source", "_seq", "_line", *_PRE)


def _typed_stage(frame, table: Table, present: list[str], fields: dict, input_zone: str):
    """The stage: ``frame``'s meta columns, and for each present contract column ``c__x`` (its value
    as text, for details and raw records), ``c__v`` (the value as the cast reads it: text, an
    instant in microseconds, a boolean) and ``c__given`` (a value was there).

    Built in steps, each naming its columns, so that Spark computes every part once (one
    expression per column would repeat the ISO-8601 parts in every use).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    first, walls, offsets, values, given = {}, {}, {}, {}, {}
    for c in present:
        col = table.column(c)
        if c not in fields:  # absent from these files, present in others
            first[f"{c}__x"] = F.lit(None).cast("string")
            values[c] = F.lit(None).cast({"text": "string", "timestamp": "bigint", "boolean": "boolean"}[col.type])
            given[c] = F.lit(False)
            continue
        export_name, data_type = fields[c]
        src = F.col(f"`{export_name}`")
        first[f"{c}__x"] = src.cast("string")
        first[f"{c}__t"] = F.nullif(F.trim(src.cast("string")), F.lit(""))
        trimmed = F.col(f"{c}__t")
        given[c] = trimmed.isNotNull()
        if col.type == "text":
            values[c] = trimmed
        elif col.type == "boolean":
            if isinstance(data_type, T.BooleanType):
                first[f"{c}__n"] = src
                values[c], given[c] = F.col(f"{c}__n"), F.col(f"{c}__n").isNotNull()
            else:
                word = F.lower(trimmed)
                values[c] = F.when(word.isin(*cast.TRUE_WORDS), True).when(word.isin(*cast.FALSE_WORDS), False)
        elif isinstance(data_type, T.TimestampType):  # an instant already
            first[f"{c}__x"] = duckdb_text(src, "timestamp", input_zone)
            first[f"{c}__n"] = F.unix_micros(src)
            values[c], given[c] = F.col(f"{c}__n"), F.col(f"{c}__n").isNotNull()
        elif isinstance(data_type, (T.TimestampNTZType, T.DateType)):  # a local time (midnight) in the input zone
            if isinstance(data_type, T.DateType):
                first[f"{c}__n"] = F.unix_date(src).cast("bigint") * _DAY_US
            else:
                first[f"{c}__n"] = F.expr(
                    f"timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', `{export_name}`)")
            walls[c], given[c] = F.col(f"{c}__n"), F.col(f"{c}__n").isNotNull()
        else:  # ISO-8601 text
            for i in range(1, 9):
                first[f"{c}__p{i}"] = F.regexp_extract(trimmed_expr(src), ISO_PARTS, i)
            first[f"{c}__m"] = trimmed_expr(src).rlike(ISO_PARTS)
            walls[c] = _iso_wall(c)
            offsets[c] = _iso_offset_minutes(F.col(f"{c}__p8"))
    out = frame.select(*_META, *(e.alias(n) for n, e in first.items()))
    steps = {f"{c}__w": w for c, w in walls.items()}
    steps.update({f"{c}__o": o for c, o in offsets.items()})
    if steps:
        out = out.withColumns(steps)
    for c in walls:
        out = _local_steps(out, c, input_zone)
        instant = F.col(f"{c}__l")
        if c in offsets:
            instant = F.when(F.col(f"{c}__o").isNotNull(), F.col(f"{c}__w") - F.col(f"{c}__o") * _MINUTE_US).otherwise(
                instant)
        values[c] = instant
    return out.select(*_META, *(x for c in present for x in (
        F.col(f"{c}__x"), values[c].alias(f"{c}__v"), given[c].alias(f"{c}__given"))))


def trimmed_expr(src):
    """An export value as the cast reads text: trimmed, NULL when empty (``cast.typed_expression``)."""
    from pyspark.sql import functions as F

    return F.nullif(F.trim(src.cast("string")), F.lit(""))


def _iso_wall(c: str):
    """The local time (microseconds, read as UTC) of column ``c``'s ISO-8601 parts, NULL unless DuckDB's cast takes them.

    ``24:00`` is the next day's midnight; a fraction is cut to microseconds.
    """
    from pyspark.sql import functions as F

    def number(i: int, default: int | None = None):
        value = F.nullif(F.col(f"{c}__p{i}"), F.lit("")).try_cast("bigint")
        return value if default is None else F.coalesce(value, F.lit(default))

    hour, minute, second = number(4, 0), number(5, 0), number(6, 0)
    fraction = F.col(f"{c}__p7")
    micros = F.substring(F.rpad(fraction, 6, "0"), 1, 6).try_cast("bigint")
    midnight_after = (hour == 24) & (minute == 0) & (second == 0) & fraction.rlike("^0*$")
    valid = ((hour <= 23) & (minute <= 59) & (second <= 59)) | midnight_after
    start = F.try_make_timestamp(number(1), number(2), number(3), F.when(hour == 24, 0).otherwise(hour), minute,
                                 second, F.lit("UTC"))
    wall = F.unix_micros(start) + micros + F.when(hour == 24, F.lit(_DAY_US)).otherwise(F.lit(0))
    return F.when(F.col(f"{c}__m") & valid, wall)


def _iso_offset_minutes(offset):
    """Minutes east of UTC of an ISO-8601 offset (``Z``, ``+hh``, ``+hhmm``, ``+hh:mm``); NULL for none."""
    from pyspark.sql import functions as F

    sign = F.when(F.substring(offset, 1, 1) == "-", -1).otherwise(1)
    minutes = F.coalesce(F.nullif(F.regexp_extract(offset, r"^[+-]\d{2}:?(\d{2})$", 1), F.lit("")).try_cast("bigint"),
                         F.lit(0))
    return (F.when(offset == "", F.lit(None).cast("bigint")).when(offset == "Z", F.lit(0))
            .otherwise(sign * (F.substring(offset, 2, 2).try_cast("bigint") * 60 + minutes)))


def _local_steps(frame, c: str, zone: str):
    """``frame`` with ``c__l``: the instant (microseconds) whose local time in ``zone`` is ``c__w``.

    ICU's rule, which DuckDB's cast follows: a local time that occurs twice (clocks going back)
    is the later one; a local time that does not occur (clocks going forward) moves on by the gap.
    """
    from pyspark.sql import functions as F

    wall = F.col(f"{c}__w")
    if zone == "UTC":
        return frame.withColumn(f"{c}__l", wall)
    z = F.lit(zone)

    def local(instant):
        return F.unix_micros(F.from_utc_timestamp(F.timestamp_micros(instant), z))

    # Spark's reading takes the earlier of two occurrences; the offset just after tells the later one
    frame = frame.withColumn(f"{c}__f", F.unix_micros(F.to_utc_timestamp(F.timestamp_micros(wall), z)))
    earlier = F.col(f"{c}__f")
    frame = frame.withColumn(f"{c}__g", wall - (local(earlier + _PROBE_US) - (earlier + _PROBE_US)))
    later = F.col(f"{c}__g")
    return frame.withColumn(f"{c}__l", F.when((later > earlier) & (local(later) == wall), later).otherwise(earlier))


def _checked(table: Table, stage, present: list[str]):
    """The stage typed: contract columns, ``_ok``, the first problem (column, reason), the details,
    the raw record of a bad row, and each loadable row's rank among those with its key (``_rn``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    values, flags, problems = {}, {}, []
    for col in table.columns:
        c = col.name
        if c not in present:
            values[c] = F.lit(None).cast(SPARK_TYPES[col.type])
            continue
        v = F.col(f"{c}__v")
        values[c] = F.when(v.between(EARLIEST_US, LATEST_US), F.timestamp_micros(v)) if col.type == "timestamp" else v
    typed = stage.select(*_META, *(f"{c}__x" for c in present), *(e.alias(c) for c, e in values.items()),
                         *(f"{c}__given" for c in present))
    for col in table.columns:
        c = col.name
        if c not in present:
            continue
        bad = None
        if col.type != "text":
            bad = F.col(f"{c}__given") & F.col(c).isNull()
            flags[f"{c}__bad"] = bad
            reason = cast.BAD_TIMESTAMP if col.type == "timestamp" else cast.BAD_BOOLEAN
            problems.append(F.when(F.col(f"{c}__bad"), _problem(c, reason, F.concat_ws(
                "", F.lit(f"{c}: "), F.col(f"{c}__x"), F.lit(f" is not a valid {col.type}")))))
        if col.required:
            flags[f"{c}__miss"] = F.col(c).isNull() & (~bad if bad is not None else F.lit(True))
            problems.append(F.when(F.col(f"{c}__miss"), _problem(c, cast.MISSING, F.lit(f"{c}: no value"))))
    typed = typed.withColumns(flags)
    any_problem = F.lit(False)
    for name in flags:
        any_problem = any_problem | F.col(name)
    pre = F.col("_pre_reason").isNotNull()
    typed = typed.withColumns({"_ok": ~pre & ~any_problem, "_bad": ~pre & any_problem})
    listed = F.filter(F.array(*problems), lambda p: p.isNotNull()) if problems else F.array()
    typed = typed.withColumn("_problems", F.when(F.col("_bad"), listed))
    problem = F.try_element_at(F.col("_problems"), F.lit(1))
    raw_record = duckdb_struct_text([(c, F.col(f"{c}__x")) for c in present])
    checked = typed.select(
        "_source", "_seq", "_line", "_error", *values, "_ok",
        F.when(F.col("_bad"), problem["column_name"]).alias("_column"),
        F.when(pre, F.col("_pre_reason")).when(F.col("_bad"), problem["reason"]).alias("_reason"),
        F.when(pre, F.col("_pre_detail")).when(
            F.col("_bad"), F.array_join(F.transform(F.col("_problems"), lambda p: p["detail"]), "; ")).alias("_detail"),
        F.when(pre, F.col("_pre_raw")).when(F.col("_bad"), raw_record).alias("_raw"),
    )
    by_key = Window.partitionBy("_ok", table.key).orderBy("_seq")
    return checked.select("*", F.when(F.col("_ok"), F.row_number().over(by_key)).alias("_rn"),
                          F.when(F.col("_ok"), F.first("_line").over(by_key)).alias("_first_line"))


def _problem(column: str, reason: str, detail):
    from pyspark.sql import functions as F

    return F.struct(F.lit(column).alias("column_name"), F.lit(reason).alias("reason"), detail.alias("detail"))


def _quarantine_rows(table: Table, result, present: list[str], input_zone: str):
    """The table's set-aside rows in ``quarantine``'s columns: bad rows, then later copies of a key."""
    from pyspark.sql import functions as F

    name = F.lit(table.name)
    bad = result.where(~F.col("_ok")).select(
        name.alias("table_name"), F.col("_source").alias("source_file"), F.col("_line").alias("line"),
        F.col("_column").alias("column_name"), F.col("_reason").alias("reason"), F.col("_detail").alias("detail"),
        F.col("_raw").alias("raw"))
    copies = result.where(F.col("_ok") & (F.col("_rn") > 1))
    columns = [c for c in table.columns if c.name in present]
    copies = copies.select("_source", "_line", "_first_line", *(
        duckdb_text(F.col(c.name), c.type, input_zone).alias(f"{c.name}__x") for c in columns))
    copies = copies.select(
        name.alias("table_name"), F.col("_source").alias("source_file"), F.col("_line").alias("line"),
        F.lit(table.key).alias("column_name"), F.lit(cast.DUPLICATE).alias("reason"),
        F.concat(F.lit(f"same {table.key} as line "), F.col("_first_line").cast("string")).alias("detail"),
        duckdb_struct_text([(c.name, F.col(f"{c.name}__x")) for c in columns]).alias("raw"))
    return bad.unionByName(copies)


# --- DuckDB's text of a record (quarantine.raw) -----------------------------------------------

#: a text value DuckDB quotes inside a struct: empty, NULL, spaces at an end, or one of these characters
_QUOTED = r"^\s|\s$|[:,'\"{}\[\]()=\\]"


def duckdb_struct_text(items: list[tuple[str, object]]):
    """``CAST(struct_pack(...) AS VARCHAR)`` as DuckDB writes it: ``{'name': value, ...}``."""
    from pyspark.sql import functions as F

    if not items:
        return F.lit("{}")
    parts = [F.concat(F.lit(f"'{name}': "), _struct_value(value)) for name, value in items]
    return F.concat(F.lit("{"), F.concat_ws(", ", *parts), F.lit("}"))


def _struct_value(value):
    from pyspark.sql import functions as F

    escaped = F.replace(F.replace(value, F.lit("\\"), F.lit("\\\\")), F.lit("'"), F.lit("\\'"))
    quote = (value == "") | (F.lower(value) == "null") | value.rlike(_QUOTED)
    return F.when(value.isNull(), F.lit("NULL")).when(quote, F.concat(F.lit("'"), escaped, F.lit("'"))).otherwise(value)


def duckdb_text(value, kind: str, zone: str):
    """A typed value as DuckDB's VARCHAR cast writes it (a TIMESTAMPTZ in ``zone``: ``2024-01-01 10:00:00+00``)."""
    from pyspark.sql import functions as F

    if kind == "text":
        return value
    if kind == "boolean":
        return F.when(value, "true").when(~value, "false")
    shifted = F.from_utc_timestamp(value, F.lit(zone)) if zone != "UTC" else value
    wall = F.unix_micros(shifted)
    wall_ntz = F.timestamp_add("MICROSECOND", wall, F.expr("TIMESTAMP_NTZ'1970-01-01 00:00:00'"))
    fraction = F.rtrim(F.lpad(F.pmod(wall, F.lit(1_000_000)).cast("string"), 6, "0"), F.lit("0"))
    minutes = F.floor((wall - F.unix_micros(value)) / _MINUTE_US).cast("bigint")
    hours = F.lpad(F.floor(F.abs(minutes) / 60).cast("string"), 2, "0")
    rest = F.pmod(F.abs(minutes), F.lit(60))
    offset = F.concat(F.when(minutes < 0, "-").otherwise("+"), hours,
                      F.when(rest != 0, F.concat(F.lit(":"), F.lpad(rest.cast("string"), 2, "0"))).otherwise(F.lit("")))
    return F.when(value.isNotNull(), F.concat(
        F.regexp_replace(F.date_format(wall_ntz, "yyyy-MM-dd HH:mm:ss"), r"^\+", ""),  # year 10000: no sign
        F.when(fraction != "", F.concat(F.lit("."), fraction)).otherwise(F.lit("")), offset))


# --- the bookkeeping tables -----------------------------------------------------------------------


def _write_small(spark, rows: list[tuple], name: str, tmp: Path) -> None:
    spark.createDataFrame(rows, META_SCHEMAS[name]).coalesce(1).write.mode("overwrite").parquet(str(tmp / name))


def _write_flags(spark, tmp: Path) -> None:
    """``load_flags`` from ``pipelines/load/sql/flags.sql`` over the tables just written."""
    from pipelines.spark import functions
    from pipelines.spark import sql as sparksql

    views = list(TABLES)
    for name in views:
        spark.read.parquet(str(tmp / name)).createOrReplaceTempView(name)
    try:
        for statement in functions.connection_functions():
            spark.sql(statement)
        flags = spark.sql(sparksql.to_spark(dbmod.read_sql("pipelines.load", "flags")))
        rows = [tuple(r) for r in flags.collect()]
    finally:
        for name in views:
            spark.catalog.dropTempView(name)
    _write_small(spark, rows, "load_flags", tmp)


def _swap(tmp: Path, final: Path) -> None:
    """Put the new tables in place of the old ones (two renames; the old ones are removed after)."""
    old = final.with_name(f".{final.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _previous_settings(spark, final: Path) -> dict[str, str]:
    path = final / "settings"
    if not path.is_dir():
        return {}
    try:
        return {r["name"]: r["value"] for r in spark.read.parquet(str(path)).collect()}
    except Exception:  # noqa: BLE001 - an unreadable old directory is loaded again, like a damaged database
        log.warning("could not read the previous working directory's settings at %s", path)
        return {}


def _carry_over_salt(spark, final: Path) -> str:
    """Keep pseudonymous keys stable across reloads: env var, else the previous load's salt, else new."""
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    return _previous_settings(spark, final).get("pseudonym_salt") or secrets.token_hex(16)


def _reuse(spark, final: Path, current: dict) -> LoadReport | None:
    """The report of the existing working directory when it was loaded from these exports, else None."""
    settings = _previous_settings(spark, final)
    if not settings:
        log.info("loading: exports changed (no working directory at %s yet)", final)
        return None
    changed = fp.changes(settings.get(fp.SETTING), current)
    if changed:
        log.info("loading: exports changed (%s)", "; ".join(changed))
        return None
    report = LoadReport()
    for row in spark.read.parquet(str(final / "load_tables")).collect():
        if not row["present"]:
            report.absent.append(row["table_name"])
            continue
        name = row["table_name"]
        report.rows_in[name], report.rows_loaded[name], report.rows_rejected[name] = (
            row["rows_in"], row["rows_loaded"], row["rows_rejected"])
    log.info("reusing the working directory loaded at %s (exports unchanged)", settings.get("loaded_at"))
    return report

