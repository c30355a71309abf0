"""Hostile inputs (docs/bad-data.md, "Files that are not what they seem"): nothing is read wrongly or
skipped silently. Each case loads with hand-counted rows (rows in = loaded + set aside), sets rows
aside with their reason, or is bad input naming the file, in one line, before anything hangs."""

from __future__ import annotations

import gzip
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import evidence
from pipelines.errors import BadInput
from pipelines.load import fingerprint as fp
from pipelines.load import load_exports
from pipelines.load.sources import find_sources
from tests.load.helpers import MINIMAL, write_exports

RIGHTS_HEADER = "request_id,account_id,right,channel,received_at\n"


def load(data: Path, tmp_path: Path):
    """Load ``data``; (report, quarantine rows as (table, file name, line, column, reason, detail))."""
    db = tmp_path / "db.duckdb"
    report = load_exports(data, db)
    for table, n in report.rows_in.items():
        assert n == report.rows_loaded[table] + report.rows_rejected[table]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql("SELECT table_name, source_file, line, column_name, reason, detail FROM quarantine"
                       " ORDER BY table_name, source_file, line").fetchall()
    return report, [(t, Path(f).name, line, c, r, d) for t, f, line, c, r, d in rows]


def query(tmp_path: Path, sql: str):
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        con.sql("SET TimeZone = 'UTC'")
        return con.sql(sql).fetchall()


def bad_input(data: Path, tmp_path: Path) -> str:
    with pytest.raises(BadInput) as info:
        load_exports(data, tmp_path / "db.duckdb")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --- 1. UTC offsets: -14:00 to +14:00, minutes below 60 ------------------------------------------

#: (value, the instant it is, or None: set aside as a bad timestamp)
OFFSETS = [
    ("2024-01-01T10:00:00+14:00", datetime(2023, 12, 31, 20, tzinfo=UTC)),   # Kiribati: the earliest clock
    ("2024-01-01T10:00:00-14:00", datetime(2024, 1, 2, 0, tzinfo=UTC)),      # accepted: the range is symmetric
    ("2024-01-01T10:00:00-12:00", datetime(2024, 1, 1, 22, tzinfo=UTC)),
    ("2024-01-01T10:00:00+05:45", datetime(2024, 1, 1, 4, 15, tzinfo=UTC)),  # Nepal
    ("2024-01-01T10:00:00+0545", datetime(2024, 1, 1, 4, 15, tzinfo=UTC)),
    ("2024-01-01T10:00:00+13", datetime(2023, 12, 31, 21, tzinfo=UTC)),
    ("2024-01-01T10:00:00+99:00", None),   # DuckDB's cast alone reads 99 hours: 2023-12-28 07:00 UTC
    ("2024-01-01T10:00:00+25:30", None),
    ("2024-01-01T10:00:00+05:60", None),   # ... and six hours here
    ("2024-01-01T10:00:00+0560", None),
    ("2024-01-01T10:00:00+14:01", None),
    ("2024-01-01T10:00:00-14:30", None),
    ("2024-01-01T10:00:00+15:00", None),
    ("2024-01-01T10:00:00+00:99", None),
    ("2024-01-01T10:00:00+99", None),
]


def test_offsets_outside_14_hours_or_with_60_minutes_are_bad_timestamps(tmp_path):
    rows = "".join(f"R{i},A1,access,email,{value}\n" for i, (value, _) in enumerate(OFFSETS))
    data = write_exports(tmp_path / "x", {"rights_requests": RIGHTS_HEADER + rows})
    report, set_aside = load(data, tmp_path)
    bad = [i for i, (_, instant) in enumerate(OFFSETS) if instant is None]
    assert (report.rows_in["rights_requests"], report.rows_loaded["rights_requests"],
            report.rows_rejected["rights_requests"]) == (15, 6, 9)
    assert set_aside == [
        ("rights_requests", "rights_requests.csv", i + 2, "received_at", "bad timestamp",
         f"received_at: {OFFSETS[i][0]} is not a valid timestamp") for i in bad]
    assert sorted(query(tmp_path, "SELECT request_id, received_at FROM rights_requests")) == sorted(
        (f"R{i}", instant) for i, (_, instant) in enumerate(OFFSETS) if instant is not None)


# --- 5. very long lines: read, never a crash ----------------------------------------------------------


@pytest.mark.parametrize("size", [2_000_000, 10_000_000])
@pytest.mark.parametrize("quoted", [False, True])
def test_a_line_of_megabytes_is_read(tmp_path, size, quoted):
    # 40,000 short lines (1.2 MB) first, so the long line crosses the parser's 1 MB blocks
    before = "".join(f"N{i},2024-01-01,free,active,n\n" for i in range(40_000))
    long = "y" * size
    text = ("account_id,created_at,plan,status,note\n" + before
            + (f'L1,2024-01-01,free,active,"{long}"\n' if quoted else f"L1,2024-01-01,free,active,{long}\n")
            + f"L2,2024-01-01,{long},active,n\n"      # a contract column of `size` characters
            + f"L3,2024-01-01,free,{long}\n"          # ragged: 4 fields, set aside with its whole line
            + "L4,2024-01-01,free,active,n\n")
    data = write_exports(tmp_path / "x", {"accounts": text})
    report, set_aside = load(data, tmp_path)
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"], report.rows_rejected["accounts"]) == (
        40_004, 40_003, 1)
    assert set_aside == [("accounts", "accounts.csv", 40_004, None, "wrong number of fields", "4 fields, header has 5")]
    assert query(tmp_path, "SELECT length(raw) FROM quarantine") == [(len(f"L3,2024-01-01,free,{long}"),)]
    assert query(tmp_path, "SELECT account_id, length(plan) FROM accounts WHERE account_id LIKE 'L%' ORDER BY 1") == [
        ("L1", 4), ("L2", size), ("L4", 4)]
