"""Loading for Spark: the one loader's database, as the Parquet tables Spark reads (pipelines/spark/load.py).

Each export set is loaded once by the one loader (pipelines/load/) into the working directory's
``exports.duckdb`` and written out as ``tables/<name>/``; Spark reads those tables back and every
row equals the database's: the contract tables (timestamps compared as microseconds since the
epoch, so an instant near year 1 or 9999 or a zone change cannot drift), ``quarantine``,
``load_tables``, ``load_flags`` and ``settings``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contract import TABLES
from pipelines.errors import BadInput
from pipelines.spark.load import DATABASE_FILE, load_exports
from tests.load.helpers import write_exports

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples"
COMPARED = (*TABLES, "quarantine", "load_tables", "load_flags", "settings")


def spark_load(spark, data: Path, work: Path, **kwargs):
    return load_exports(data, work, zone="Europe/Brussels", **kwargs)


def _spark_rows(spark, folder: Path) -> list[tuple]:
    frame = spark.read.parquet(str(folder))
    columns = [f"unix_micros(`{f.name}`)" if f.dataType.simpleString() == "timestamp" else f"`{f.name}`"
               for f in frame.schema.fields]
    return [tuple(row) for row in frame.selectExpr(*columns).collect()]


def _duckdb_rows(con, name: str) -> list[tuple]:
    described = con.execute(f"DESCRIBE {name}").fetchall()
    columns = [f"epoch_us(\"{c}\")" if t.startswith("TIMESTAMP") else f'"{c}"' for c, t, *_ in described]
    return con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()


def assert_same_load(spark, data: Path, tmp_path: Path, **kwargs) -> duckdb.DuckDBPyConnection:
    """Load ``data`` for Spark; every table Spark reads holds the database's rows. Returns the database."""
    work = tmp_path / "work"
    spark_load(spark, data, work, **kwargs)
    con = duckdb.connect(str(work / DATABASE_FILE), read_only=True)
    for name in COMPARED:
        spark_rows = sorted(_spark_rows(spark, work / "tables" / name), key=repr)
        assert spark_rows == sorted(_duckdb_rows(con, name), key=repr), name
    return con


def test_the_shipped_sample_loads_as_on_duckdb(spark, tmp_path):
    con = assert_same_load(spark, SAMPLE, tmp_path)
    assert con.sql("SELECT count(*) FROM quarantine").fetchall()[0][0] > 0  # the sample has bad rows to compare


ACCOUNTS = "account_id,created_at,plan,status,legal_hold,note\n"


def test_csv_edge_cases_load_as_on_duckdb(spark, tmp_path):
    accounts = (
        "\ufeff" + ACCOUNTS
        + 'A1,2024-01-01T10:00:00Z,free,active,yes,"two\nlines, and a comma"\n'   # lines 2-3
        + 'A2,2024-01-01,"free",active,N,"say ""hi"""\n'
        + "A3,2024-01-01,free\n"                                                  # ragged
        + 'A4,"2024-01-01,free,active,,\n'                                        # stray quote
        + "A5,30/09/2024,free,active,,\n"                                         # day-first
        + "A6,9999-12-31,free,active,,\n"
        + "A7,9999-12-31T23:59:59Z,free,active,,\n"                               # past LATEST in some zone
        + "A1,2024-02-01,paid,active,,copy\n"                                     # duplicate key
        + "A8,2024-01-01,,active,maybe,\n"                                        # bad boolean and missing plan
        + ",,,,,\n"                                                               # spreadsheet tail
        + "A9,2024-01-01, free ,active, TRUE ,x{y}\n"
        + "A10,0001-01-01T00:00:00Z,free,active,,\n"
        + "A11,2024-01-01,free,deleted,0,\n"
    )
    sessions = (
        "session_id;account_id;started_at;ended_at\r\n"
        "S1;A1;2024-02-01T10:00:00+02:00;2024-02-01T09:00:00+02:00\r\n"           # impossible order: flagged
        "S2;A1;yesterday;\r\n"                                                     # bad first copy ...
        "S2;A1;2024-02-02 10:00;\r\n"                                              # ... so this one loads
        "\r\n"
        ";;;\r\n"
        "S3;GHOST;2024-02-03T10:00:00.123456789Z;\r\n"                             # orphan
        "S3;A1;2024-02-04;\r\n"                                                    # duplicate
    )
    tickets = ("id,account_id,channel,category,created_at\n"
               "T1,A1,email,bug,2024-02-02T10:00:00Z\nT2,,chat,bug,2024-02-02T10:00:00Z\n")
    data = write_exports(tmp_path / "x", {"accounts": accounts, "sessions": sessions, "support_tickets": tickets})
    (data / "column-mapping.toml").write_text('[support_tickets]\nticket_id = "id"\n')
    con = assert_same_load(spark, data, tmp_path)
    reasons = dict(con.sql("SELECT reason, count(*) FROM quarantine GROUP BY 1").fetchall())
    assert reasons == {"wrong number of fields": 1, "unterminated quote": 1, "bad timestamp": 4, "duplicate key": 2,
                       "missing required value": 1}  # A8: plan comes before legal_hold


#: ISO-8601 forms, and near misses, DuckDB's cast takes or refuses (the Spark loader must agree on each)
TIMESTAMPS = [
    "2024-01-01", "2024-01-01T10:00", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z", "2024-01-01t10:00",
    "2024-01-01T10:00:00z", "2024-01-01Z", "2024-01-01+02:00", "2024-01-01T10:00:00+0200", "2024-01-01T10:00-02",
    "2024-01-01T10:00:00 +02:00", "2024-01-01T10:00:00,5Z", "2024-01-01T10:00:00.123456789", "2024-01-01T24:00",
    "2024-12-31T24:00:00.000", "2024-01-01T24:00:01", "2024-01-01T10:60", "2024-01-01T10:00:60", "2024-02-29",
    "2023-02-29", "2024-13-01", "2024-01-00", "2024-01-01T10:00:00+15:00", "2024-01-01T10:00:00-14:59",
    "2024-01-01T10:00:00+00:99", "0000-01-01", "0001-01-01T12:00:00Z", "9999-12-31T09:59:59.999999Z",
    "2024-03-31T02:30", "2024-10-27T02:30", "2024-10-27T01:59:59", "2024-10-27T03:00", "2024-03-31 01:59",
    "  2024-05-05T05:05:05  ", "2024-1-01", "20240101", "1582-10-10T00:00:00+01:00",
    # UTC offsets: -14:00 to +14:00 load, anything else, or minutes of 60 or more, is a bad timestamp
    "2024-01-01T10:00:00+14:00", "2024-01-01T10:00:00-14:00", "2024-01-01T10:00:00+05:45", "2024-01-01T10:00+0545",
    "2024-01-01T10:00:00+13", "2024-01-01T10:00:00+99:00", "2024-01-01T10:00:00+25:30", "2024-01-01T10:00:00+05:60",
    "2024-01-01T10:00:00+0560", "2024-01-01T10:00:00+14:01", "2024-01-01T10:00:00-14:30", "2024-01-01T10:00:00+99",
    "2024-01-01 10:00:00-14", "2024-01-01T10:00:00+0000",
]


@pytest.mark.parametrize("input_zone", ["UTC", "Europe/Brussels"])
def test_every_timestamp_form_is_read_as_duckdb_reads_it(spark, tmp_path, input_zone):
    rows = "".join(f"R{i},A1,access,email,{ts}\n" for i, ts in enumerate(TIMESTAMPS))
    data = write_exports(tmp_path / "x", {"rights_requests": "request_id,account_id,right,channel,received_at\n" + rows})
    con = assert_same_load(spark, data, tmp_path, input_zone=input_zone)
    loaded = con.sql("SELECT count(*) FROM rights_requests").fetchall()[0][0]
    assert 15 < loaded < len(TIMESTAMPS)  # both kinds are exercised


def _sessions_dir(data: Path) -> Path:
    (data / "sessions.csv").unlink()
    (data / "sessions").mkdir()
    return data / "sessions"


def test_parquet_edge_cases_load_as_on_duckdb(spark, tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": None, "support_tickets": None})
    parts = _sessions_dir(data)
    pl.DataFrame({"session_id": ["S1", "S2"], "account_id": ["A1", "A1"],
                  "started_at": ["2024-02-05T10:00:00Z", "2024-02-06T10:00:00+02:00"]}).write_parquet(parts / "b.parquet")
    pl.DataFrame({"session_id": ["S1", "S4"], "account_id": ["A1", "A2"],
                  "started_at": [datetime(2024, 2, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)]},
                 ).write_parquet(parts / "a.parquet")
    pl.DataFrame({"account_id": ["S9"], "session_id": ["S3"], "started_at": ["30/09/2024"]}).write_parquet(parts / "c.parquet")
    pl.DataFrame({"account_id": [1, 2, 3], "created_at": [date(2024, 1, 1), date(2024, 3, 31), None],
                  "plan": ["free", "paid", "free"], "status": ["active", "active", "active"],
                  "legal_hold": [0, 1, 2],
                  "last_login_at": [datetime(2024, 10, 27, 2, 30), datetime(2024, 3, 31, 2, 30), None]},
                 ).write_parquet(data / "accounts.parquet")
    pl.DataFrame({"ticket_id": ["T1", "T1"], "account_id": [None, "A1"], "channel": ["email", "email"],
                  "category": ["bug", "bug"], "created_at": [datetime(2024, 2, 2, 10, tzinfo=UTC)] * 2,
                  "resolved_at": [None, datetime(2024, 2, 1, tzinfo=UTC)]}).write_parquet(data / "support_tickets.parquet")
    con = assert_same_load(spark, data, tmp_path, input_zone="Europe/Brussels")
    assert con.sql("SELECT count(*) FROM quarantine WHERE reason = 'duplicate key'").fetchall()[0][0] == 2


def test_absent_optional_tables_exist_empty_with_the_contract_types(spark, tmp_path):
    work = tmp_path / "work"
    report = spark_load(spark, write_exports(tmp_path / "x"), work)
    assert sorted(report.absent) == ["marketing_contacts", "payments", "server_logs", "web_visits"]
    frame = spark.read.parquet(str(work / "tables" / "payments"))
    assert (frame.count(), [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]) == (
        0, [("payment_id", "string"), ("account_id", "string"), ("paid_at", "timestamp"), ("product", "string")])


def test_a_reload_keeps_the_pseudonym_salt_and_reuse_skips_the_load(spark, tmp_path):
    data, work = write_exports(tmp_path / "x"), tmp_path / "work"

    def salt():
        rows = spark.read.parquet(str(work / "tables" / "settings")).where("name = 'pseudonym_salt'").collect()
        return rows[0]["value"]

    spark_load(spark, data, work)
    first = salt()
    stamp = (work / "tables" / "settings").stat().st_mtime_ns
    report = spark_load(spark, data, work, reload=False)
    assert (work / "tables" / "settings").stat().st_mtime_ns == stamp and report.rows_loaded["accounts"] == 1
    spark_load(spark, data, work)
    assert salt() == first
    assert not [p for p in work.iterdir() if p.name.startswith(".")]  # no temporary directory left behind
    # changed exports: the database is loaded again, and the tables are written again from it
    with (data / "accounts.csv").open("a") as accounts:
        accounts.write("A2,2024-01-02T10:00:00Z,free,active\n")
    report = spark_load(spark, data, work, reload=False)
    assert report.rows_loaded["accounts"] == 2 and spark.read.parquet(str(work / "tables" / "accounts")).count() == 2


def test_bad_input_stops_before_any_table_is_written(spark, tmp_path):
    """The one loader's one-line message (file, line, column); the working directory gets no tables."""
    accounts = "account_id,created_at,plan,status\n" + "A\u00e9,2024-01-01,free,active\n"
    data = write_exports(tmp_path / "x", {"accounts": accounts.encode("latin-1")})
    with pytest.raises(BadInput, match=r"accounts\.csv, line 2, column 2: not UTF-8 text"):
        spark_load(spark, data, tmp_path / "work")
    assert not (tmp_path / "work" / "tables").exists()


def test_hive_folders_gzip_and_upper_case_names_load_as_on_duckdb(spark, tmp_path):
    """A Parquet folder read at any depth (two files named part-0.parquet, an upper-case extension, a name Spark
    %-encodes, Spark's bookkeeping skipped, no column from year=2024), a gzip CSV and an upper-case CSV name
    (docs/bad-data.md)."""
    import gzip

    data = write_exports(tmp_path / "x", {"accounts": None})
    parts = _sessions_dir(data)
    for folder, rows in (("year=2023", [("S1", "2023-02-01T10:00:00Z"), ("S2", "2023-02-02T10:00:00+99:00")]),
                         ("year=2024", [("S1", "2024-02-01T10:00:00Z"), ("S3", "2024-02-03T10:00:00+05:45")])):
        (parts / folder).mkdir()
        pl.DataFrame({"session_id": [r[0] for r in rows], "account_id": ["A1"] * 2,
                      "started_at": [r[1] for r in rows]}).write_parquet(parts / folder / "part-0.parquet")
    pl.DataFrame({"session_id": ["S4"], "account_id": ["A1"], "started_at": ["2024-04-01"]}).write_parquet(
        parts / "PART-1.PARQUET")
    # Spark names this file "a%20b%2520+c.parquet": it must still find its place in file order
    pl.DataFrame({"session_id": ["S5"], "account_id": ["A1"], "started_at": ["2024-05-01"]}).write_parquet(
        parts / "year=2024" / "a b%20+c.parquet")
    (parts / "_SUCCESS").write_bytes(b"")
    (parts / "._SUCCESS.crc").write_bytes(b"crc")
    (data / "ACCOUNTS.CSV").write_text("account_id,created_at,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n")
    (data / "payments.csv.gz").write_bytes(gzip.compress(
        b'payment_id,account_id,paid_at,memo\nP1,A1,2024-01-05,"two\nlines"\nP2,A1,2024-01-05T10:00+25:30,x\nP3,A1\n'))
    con = assert_same_load(spark, data, tmp_path)
    assert con.sql("SELECT rows_in, rows_loaded FROM load_tables WHERE table_name = 'sessions'").fetchall() == [(6, 4)]
    assert con.sql("SELECT table_name, line, reason FROM quarantine ORDER BY ALL").fetchall() == [
        ("payments", 4, "bad timestamp"), ("payments", 5, "wrong number of fields"),
        ("sessions", 1, "duplicate key"), ("sessions", 2, "bad timestamp")]
    assert con.sql("SELECT source_file FROM quarantine WHERE reason = 'duplicate key'").fetchall() == [
        (str(parts / "year=2024" / "part-0.parquet"),)]
