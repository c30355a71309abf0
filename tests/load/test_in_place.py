"""Parquet exports read in place (docs/design.md, "Loading"): the table is a view over the files that
leaves out the rows set aside, and reads exactly what a copy would hold, in a connection of any zone."""

from datetime import date, datetime, timezone

import duckdb
import polars as pl

from pipelines import db as dbmod
from pipelines.load import load_exports
from tests.load.helpers import write_exports

UTC = timezone.utc


def kind(con, table: str) -> str:
    return dbmod.scalar(con, "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table])


def sessions_parquet(data, frame: pl.DataFrame):
    write_exports(data, {"sessions": None})
    frame.write_parquet(data / "sessions.parquet")
    return data


def test_a_parquet_export_is_a_view_that_leaves_out_bad_rows_and_later_copies(tmp_path):
    data = sessions_parquet(tmp_path / "x", pl.DataFrame({
        "session_id": ["S1", " S2 ", "S3", "S1", "S4", ""],
        "account_id": ["A1", "A1", " A2", "A1", "A1", "A1"],
        "started_at": [datetime(2024, 2, 1, 10, tzinfo=UTC), datetime(2024, 2, 2, 10, tzinfo=UTC),
                       datetime(2024, 2, 3, 10, tzinfo=UTC), datetime(2024, 2, 4, 10, tzinfo=UTC),
                       datetime(9999, 12, 31, 23, 0, tzinfo=UTC),  # year 10000 in Brussels: a bad timestamp
                       datetime(2024, 2, 5, 10, tzinfo=UTC)],
        "ip_address": ["10.0.0.1", "", None, "10.0.0.4", "10.0.0.5", "10.0.0.6"],
    }))
    report = load_exports(data, tmp_path / "db.duckdb")
    assert (report.rows_in["sessions"], report.rows_loaded["sessions"], report.rows_rejected["sessions"]) == (6, 3, 3)
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        assert kind(con, "sessions") == "VIEW" and kind(con, "accounts") == "BASE TABLE"  # accounts is CSV
        got = con.sql("SELECT session_id, account_id, ip_address FROM sessions ORDER BY session_id").fetchall()
        # S2 and A2 trimmed, an empty ip NULL; the second S1, the bad timestamp and the empty key are left out
        assert got == [("S1", "A1", "10.0.0.1"), ("S2", "A1", None), ("S3", "A2", None)]
        assert con.sql("SELECT count(*) FROM sessions").fetchall() == [(report.rows_loaded["sessions"],)]
        reasons = con.sql("SELECT line, reason FROM quarantine WHERE table_name = 'sessions' ORDER BY line").fetchall()
        assert reasons == [(4, "duplicate key"), (5, "bad timestamp"), (6, "missing required value")]


def test_local_times_read_in_place_mean_the_input_zone_in_a_connection_of_any_zone(tmp_path):
    local = [datetime(2024, 3, 31, 1, 30), datetime(2024, 3, 31, 3, 30), datetime(2024, 10, 27, 2, 30)]
    parquet = sessions_parquet(tmp_path / "p", pl.DataFrame({
        "session_id": ["S1", "S2", "S3"], "account_id": ["A1"] * 3, "started_at": local,
    }))
    csv = write_exports(tmp_path / "c", {"sessions": "session_id,account_id,started_at\n" + "".join(
        f"S{i},A1,{t.isoformat()}\n" for i, t in enumerate(local, 1))})
    for data in (parquet, csv):
        load_exports(data, tmp_path / f"{data.name}.duckdb", input_zone="Europe/Brussels")
    instants = {}
    for name in ("p", "c"):
        for zone in ("UTC", "America/New_York"):
            with dbmod.connect(tmp_path / f"{name}.duckdb", zone=zone, read_only=True) as con:
                instants[name, zone] = tuple(con.sql("SELECT epoch(started_at) FROM sessions ORDER BY session_id").fetchall())
    assert len(set(instants.values())) == 1
    # 01:30 in Brussels on 31 March 2024 is 00:30 UTC (winter time)
    assert instants["p", "UTC"][0] == (datetime(2024, 3, 31, 0, 30, tzinfo=UTC).timestamp(),)


def test_a_date_column_is_midnight_in_the_input_zone(tmp_path):
    data = sessions_parquet(tmp_path / "x", pl.DataFrame({
        "session_id": ["S1"], "account_id": ["A1"], "started_at": [date(2024, 7, 1)],
    }))
    load_exports(data, tmp_path / "db.duckdb", input_zone="Europe/Brussels")
    with dbmod.connect(tmp_path / "db.duckdb", zone="UTC", read_only=True) as con:
        assert con.sql("SELECT epoch(started_at) FROM sessions").fetchall() == [
            (datetime(2024, 6, 30, 22, tzinfo=UTC).timestamp(),)]


def test_text_timestamps_and_instants_stored_as_text_columns_are_copied(tmp_path):
    text_times = sessions_parquet(tmp_path / "t", pl.DataFrame({
        "session_id": ["S1"], "account_id": ["A1"], "started_at": ["2024-02-01T10:00:00"],
    }))
    instant_ids = sessions_parquet(tmp_path / "i", pl.DataFrame({
        "session_id": ["S1"], "account_id": ["A1"], "started_at": [datetime(2024, 2, 1, 10, tzinfo=UTC)],
        "device_id": [datetime(2024, 2, 1, 10, tzinfo=UTC)],
    }))
    for data in (text_times, instant_ids):
        load_exports(data, tmp_path / f"{data.name}.duckdb", input_zone="Europe/Brussels")
        with dbmod.connect(tmp_path / f"{data.name}.duckdb", zone="UTC", read_only=True) as con:
            assert kind(con, "sessions") == "BASE TABLE"  # read in the input zone at load time
            assert con.sql("SELECT count(*) FROM sessions").fetchall() == [(1,)]
    with dbmod.connect(tmp_path / "t.duckdb", zone="UTC", read_only=True) as con:
        assert con.sql("SELECT epoch(started_at) FROM sessions").fetchall() == [
            (datetime(2024, 2, 1, 9, tzinfo=UTC).timestamp(),)]
