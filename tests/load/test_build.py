"""The loader end to end on tiny inline exports, checked against hand-written expectations."""

from datetime import datetime, timezone

import duckdb
import polars as pl
import pytest

from pipelines.errors import BadInput
from pipelines.load import load_exports
from tests.load.helpers import write_exports


def rows(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def quarantine(db, table):
    return rows(db, f"SELECT line, column_name, reason FROM quarantine WHERE table_name = '{table}' ORDER BY line")


def test_semicolon_bom_csv_loads(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": "\ufeffaccount_id;created_at;plan;status;country\nA1;2024-01-01T10:00:00Z;free;active;BE\n",
    })
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.rows_loaded["accounts"] == 1
    assert rows(tmp_path / "db.duckdb", "SELECT account_id, country FROM accounts") == [("A1", "BE")]


def test_timestamps_with_and_without_offset(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": (
            "account_id,created_at,plan,status\n"
            "A1,2024-07-01T22:30:00,free,active\n"         # no offset: UTC
            "A2,2024-07-01T22:30:00+02:00,free,active\n"   # offset honoured
            "A3,2024-07-01 22:30:00Z,free,active\n"
            "A4,2024-07-01,free,active\n"                  # a date: midnight UTC
        ),
    })
    load_exports(data, tmp_path / "db.duckdb")
    got = dict(rows(tmp_path / "db.duckdb", "SELECT account_id, created_at FROM accounts"))
    utc = timezone.utc
    assert got["A1"] == datetime(2024, 7, 1, 22, 30, tzinfo=utc)
    assert got["A2"] == datetime(2024, 7, 1, 20, 30, tzinfo=utc)
    assert got["A3"] == datetime(2024, 7, 1, 22, 30, tzinfo=utc)
    assert got["A4"] == datetime(2024, 7, 1, 0, 0, tzinfo=utc)


def test_input_zone_applies_to_timestamps_without_offset(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": "account_id,created_at,plan,status\nA1,2024-07-01T10:00:00,free,active\n"})
    load_exports(data, tmp_path / "db.duckdb", input_zone="Europe/Brussels")
    assert rows(tmp_path / "db.duckdb", "SELECT created_at FROM accounts") == [(datetime(2024, 7, 1, 8, 0, tzinfo=timezone.utc),)]


def test_bad_rows_are_set_aside_with_line_column_and_reason(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": (
            "account_id,created_at,plan,status,last_login_at,legal_hold\n"
            "A1,2024-01-01T10:00:00Z,free,active,,\n"            # line 2: ok
            "A2,not a date,free,active,,\n"                      # line 3: bad timestamp
            ",2024-01-01T10:00:00Z,free,active,,\n"              # line 4: missing id
            "A1,2024-02-01T10:00:00Z,paid,active,,\n"            # line 5: duplicate of line 2
            "A5,2024-01-01T10:00:00Z,free,active,yesterday,\n"   # line 6: bad optional value sets the row aside
            "A6,2024-01-01T10:00:00Z,free,active,,maybe\n"       # line 7: bad boolean
            "A7,2024-01-01T10:00:00Z,free\n"                     # line 8: wrong number of fields
            "A8,2024-02-30T10:00:00Z,free,active,,\n"            # line 9: no such day
            "A9,2024-01-01T10:00:00Z,free,active,,yes\n"         # line 10: ok
        ),
    })
    report = load_exports(data, tmp_path / "db.duckdb")
    assert quarantine(tmp_path / "db.duckdb", "accounts") == [
        (3, "created_at", "bad timestamp"),
        (4, "account_id", "missing required value"),
        (5, "account_id", "duplicate key"),
        (6, "last_login_at", "bad timestamp"),
        (7, "legal_hold", "bad boolean"),
        (8, None, "wrong number of fields"),
        (9, "created_at", "bad timestamp"),
    ]
    assert report.rows_in["accounts"] == 9
    assert report.rows_loaded["accounts"] == 2
    assert report.rows_rejected["accounts"] == 7
    assert rows(tmp_path / "db.duckdb", "SELECT account_id, plan, legal_hold FROM accounts ORDER BY 1") == [
        ("A1", "free", False),  # the first copy wins; legal_hold defaults to false
        ("A9", "free", True),
    ]


def test_rows_in_equals_loaded_plus_set_aside_for_every_table(tmp_path):
    data = write_exports(tmp_path / "x", {
        "sessions": "session_id,account_id,started_at\nS1,A1,2024-02-01T10:00:00Z\nS1,A1,2024-02-02T10:00:00Z\nS3,A1,\n",
    })
    report = load_exports(data, tmp_path / "db.duckdb")
    for table, n in report.rows_in.items():
        assert n == report.rows_loaded[table] + report.rows_rejected[table]
    assert (report.rows_in["sessions"], report.rows_loaded["sessions"]) == (3, 1)


def test_parquet_directory_loads_with_file_and_row_numbers(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    (data / "sessions").mkdir()
    utc = timezone.utc
    pl.DataFrame({
        "session_id": ["S1", "S2"], "account_id": ["A1", "A1"],
        "started_at": [datetime(2024, 2, 1, 10, tzinfo=utc), datetime(2024, 2, 2, 10, tzinfo=utc)],
    }).write_parquet(data / "sessions" / "part-0.parquet")
    pl.DataFrame({
        "session_id": ["S3", "S1"], "account_id": ["A1", None],
        "started_at": [datetime(2024, 2, 3, 10, tzinfo=utc), datetime(2024, 2, 4, 10, tzinfo=utc)],
    }).write_parquet(data / "sessions" / "part-1.parquet")
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.rows_in["sessions"] == 4
    assert report.rows_loaded["sessions"] == 3
    got = rows(tmp_path / "db.duckdb", "SELECT source_file, line, reason FROM quarantine WHERE table_name = 'sessions'")
    assert len(got) == 1 and got[0][0].endswith("part-1.parquet") and got[0][1:] == (2, "missing required value")


def test_missing_required_column_names_file_and_column(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": "account_id,plan,status\nA1,free,active\n"})
    with pytest.raises(BadInput, match=r"accounts\.csv, line 1: missing required column 'created_at'"):
        load_exports(data, tmp_path / "db.duckdb")


def test_missing_optional_column_and_table_are_fine(tmp_path):
    data = write_exports(tmp_path / "x")
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.absent == ["marketing_contacts", "web_visits", "payments", "server_logs"]
    assert "payments" not in report.rows_in
    assert rows(tmp_path / "db.duckdb", "SELECT legal_hold, erased_at FROM accounts") == [(False, None)]
    assert rows(tmp_path / "db.duckdb", "SELECT present FROM load_tables WHERE table_name = 'payments'") == [(False,)]


def test_missing_required_table_is_bad_input(tmp_path):
    data = write_exports(tmp_path / "x", {"rights_requests": None})
    with pytest.raises(BadInput, match="required table rights_requests is missing"):
        load_exports(data, tmp_path / "db.duckdb")


def test_column_mapping_file_renames_export_columns(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": "User_ID,signup,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n"})
    (data / "column-mapping.toml").write_text('[accounts]\naccount_id = "user_id"\ncreated_at = "signup"\n')
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.rows_loaded["accounts"] == 1


def test_failed_load_leaves_previous_database_and_readers_undisturbed(tmp_path):
    db = tmp_path / "db.duckdb"
    load_exports(write_exports(tmp_path / "good"), db)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        bad = write_exports(tmp_path / "bad", {"accounts": "account_id\nA1\n"})
        with pytest.raises(BadInput):
            load_exports(bad, db)
        # a new good load replaces the file while the reader still holds the old one
        load_exports(write_exports(tmp_path / "good2", {
            "accounts": "account_id,created_at,plan,status\nB1,2024-01-01,free,active\nB2,2024-01-01,free,active\n"}), db)
        assert reader.sql("SELECT account_id FROM accounts").fetchall() == [("A1",)]
    finally:
        reader.close()
    assert rows(db, "SELECT count(*) FROM accounts") == [(2,)]
    assert not list(tmp_path.glob(".db.duckdb*"))


def test_orphans_and_impossible_orders_are_loaded_and_flagged(tmp_path):
    data = write_exports(tmp_path / "x", {
        "sessions": "session_id,account_id,started_at\nS1,A1,2024-02-01T10:00:00Z\nS2,ZZ,2024-02-01T10:00:00Z\n",
        "support_tickets": (
            "ticket_id,account_id,channel,category,created_at,resolved_at\n"
            "T1,A1,email,bug,2024-02-02T10:00:00Z,2024-02-01T10:00:00Z\n"
        ),
    })
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.rows_loaded["sessions"] == 2
    flags = dict(((t, f), n) for t, f, n in rows(tmp_path / "db.duckdb", "SELECT * FROM load_flags"))
    assert flags[("sessions", "orphan: account unknown")] == 1
    assert flags[("support_tickets", "impossible order: resolved before creation")] == 1


def test_pseudonym_salt_survives_reloads(tmp_path):
    db = tmp_path / "db.duckdb"
    data = write_exports(tmp_path / "x")
    load_exports(data, db)
    first = rows(db, "SELECT value FROM settings WHERE name = 'pseudonym_salt'")
    load_exports(data, db)
    assert rows(db, "SELECT value FROM settings WHERE name = 'pseudonym_salt'") == first


def test_a_right_in_other_case_is_not_flagged_outside_the_contract(tmp_path):
    """Reading 17: ` Access` and `ERASURE` are contract rights; only `rectify` is flagged."""
    import csv

    from pipelines import db as dbmod
    from pipelines.load import load_exports
    from tests.load.helpers import write_exports

    data = write_exports(tmp_path / "data")
    path = data / "rights_requests.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    right, req = header.index("right"), header.index("request_id")
    base = rows[1]
    extra = []
    for i, value in enumerate([" Access", "ERASURE", "rectify"]):
        row = list(base)
        row[right], row[req] = value, f"RQX{i}"
        extra.append(row)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *extra])
    db = tmp_path / "x.duckdb"
    load_exports(data, db)
    con = dbmod.connect(db, read_only=True)
    try:
        flagged = dbmod.scalar(
            con, "SELECT rows FROM load_flags WHERE flag = 'value outside the contract: right'"
        )
    finally:
        con.close()
    assert flagged == 1


def test_the_header_each_exported_table_held_is_recorded(tmp_path):
    # docs/contract.md, "Optional columns": a rule reading a column its export lacks is not assessable
    data = write_exports(tmp_path / "x", {"accounts": "account_id,created_at,plan,status,closed_at\n"
                                                     "A1,2024-01-01T00:00:00Z,free,active,\n"})
    load_exports(data, tmp_path / "db.duckdb")
    held = {c for (c,) in rows(tmp_path / "db.duckdb",
                               "SELECT column_name FROM load_columns WHERE table_name = 'accounts'")}
    assert held == {"account_id", "created_at", "plan", "status", "closed_at"}
    import duckdb

    from pipelines.metrics.params import columns_absent
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        absent = columns_absent(con)
    assert "accounts.erased_at" in absent and "accounts.closed_at" not in absent
    assert not any(c.startswith("payments.") for c in absent)  # a table not exported lacks no column
