"""Hostile inputs (docs/bad-data.md, "Files that are not what they seem"): nothing is read wrongly or
skipped silently. Each case loads with hand-counted rows (rows in = loaded + set aside), sets rows
aside with their reason, or is bad input naming the file, in one line, before anything hangs."""

from __future__ import annotations

import gzip
import os
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
from tests.load.helpers import MINIMAL, bind_socket, write_exports

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


# --- 2. Parquet table folders: every data file at any depth, bookkeeping skipped, the rest refused -----


def _sessions(data: Path, rows: dict[str, list[str]], name: str) -> Path:
    """Write sessions ``rows`` (session_id -> [account_id, started_at]) as the Parquet file ``name`` under data/sessions/."""
    path = data / "sessions" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"session_id": list(rows), "account_id": [v[0] for v in rows.values()],
                  "started_at": [v[1] for v in rows.values()]}).write_parquet(path)
    return path


def hive_folder(tmp_path: Path) -> Path:
    """sessions/ as Spark writes it: partition folders, an upper-case extension, bookkeeping files."""
    data = write_exports(tmp_path / "x", {"sessions": None})
    _sessions(data, {"S1": ["A1", "2024-02-01T10:00:00Z"], "S2": ["A1", "2024-02-02T10:00:00Z"]}, "a.parquet")
    _sessions(data, {"S1": ["A1", "2024-03-01T10:00:00Z"], "S3": ["A1", "2024-03-02T10:00:00Z"]},
              "year=2024/part-3.parquet")
    _sessions(data, {"S4": ["A1", "2023-05-01T10:00:00Z"]}, "year=2023/part-3.parquet")  # same name, other folder
    _sessions(data, {"S5": ["A1", "not a date"]}, "PART-1.PARQUET")
    # bookkeeping: never read (their bytes are not even Parquet), never refused
    _sessions(data, {"S9": ["A1", "2024-09-09T10:00:00Z"]}, "_temporary/0/task_1/part-9.parquet")
    _sessions(data, {"S8": ["A1", "2024-08-08T10:00:00Z"]}, ".spark-staging-1/part-8.parquet")
    for name in ("_SUCCESS", ".a.parquet.crc", "year=2024/.part-3.parquet.crc", "._SUCCESS.crc", "_committed_123",
                 "_started_123", "_metadata", "_common_metadata"):
        (data / "sessions" / name).write_bytes(b"bookkeeping")
    return data


#: the folder's files in file order: relative paths compared folder by folder, code points ('P' < 'a' < 'y')
HIVE_FILES = ["PART-1.PARQUET", "a.parquet", "year=2023/part-3.parquet", "year=2024/part-3.parquet"]


def test_a_parquet_folder_is_read_at_any_depth_in_any_case_skipping_bookkeeping(tmp_path):
    data = hive_folder(tmp_path)
    report, set_aside = load(data, tmp_path)
    # 6 rows in the four data files: S5's date is bad, the second S1 (year=2024, after a.parquet) is a copy
    assert (report.rows_in["sessions"], report.rows_loaded["sessions"], report.rows_rejected["sessions"]) == (6, 4, 2)
    assert set_aside == [
        ("sessions", "PART-1.PARQUET", 1, "started_at", "bad timestamp", "started_at: not a date is not a valid timestamp"),
        ("sessions", "part-3.parquet", 1, "session_id", "duplicate key", "same session_id as line 1"),
    ]
    assert query(tmp_path, "SELECT source_file FROM quarantine WHERE reason = 'duplicate key'") == [
        (str(data / "sessions" / "year=2024" / "part-3.parquet"),)]
    assert sorted(query(tmp_path, "SELECT session_id, started_at FROM sessions")) == [
        ("S1", datetime(2024, 2, 1, 10, tzinfo=UTC)), ("S2", datetime(2024, 2, 2, 10, tzinfo=UTC)),
        ("S3", datetime(2024, 3, 2, 10, tzinfo=UTC)), ("S4", datetime(2023, 5, 1, 10, tzinfo=UTC))]


def test_the_loader_the_fingerprint_and_the_evidence_name_the_same_files(tmp_path):
    data = hive_folder(tmp_path)
    expected = [data / "sessions" / f for f in HIVE_FILES]
    assert find_sources(data)["sessions"].files == expected
    assert evidence.export_files(data)["sessions"] == expected
    hashed = evidence.hash_exports(data)["sessions"]  # named by place in file order (docs/operations.md, "Evidence")
    assert [(h.name, h.bytes) for h in hashed] == [(f"sessions/#{i}", p.stat().st_size) for i, p in enumerate(expected, 1)]
    sources = find_sources(data)
    printed = fp.fingerprint(data, sources, None, "UTC", "Europe/Brussels", None)["files"]
    assert sorted(n for n in printed if n.startswith("sessions")) == sorted(f"sessions/{f}" for f in HIVE_FILES)


def test_a_hive_partition_folder_adds_no_column(tmp_path):
    # with hive partitioning, account_id=A9/ would supply the column the file lacks
    data = write_exports(tmp_path / "x", {"sessions": None})
    path = data / "sessions" / "account_id=A9" / "part-0.parquet"
    path.parent.mkdir(parents=True)
    pl.DataFrame({"session_id": ["S1"], "started_at": ["2024-02-01T10:00:00Z"]}).write_parquet(path)
    assert bad_input(data, tmp_path) == f"{path}: missing required column 'account_id'"


@pytest.mark.parametrize("name, says", [
    ("notes.txt", "not a .parquet file: a table folder holds only Parquet files (and Spark's bookkeeping): move it out of"),
    ("year=2024/part-0.parquet.bak", "not a .parquet file"),
    ("part-0", "not a .parquet file"),
    (".DS_Store", "a hidden name (Spark and Hadoop skip names starting with '_' or '.'), and not Spark's bookkeeping"),
    ("_part-0.parquet", "a hidden name"),
    ("_delta_log/00000.json", None),
    ("p[1].parquet", "DuckDB and Spark read a Parquet path holding any of * ? [ { \\ as a pattern"),
])
def test_anything_else_in_a_table_folder_is_refused_by_name(tmp_path, name, says):
    data = write_exports(tmp_path / "x", {"sessions": None})
    _sessions(data, {"S1": ["A1", "2024-02-01T10:00:00Z"]}, "a.parquet")
    path = data / "sessions" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PAR1 and some notes")
    message = bad_input(data, tmp_path)
    if says is None:  # a Delta table: its folder holds removed versions too
        assert message.startswith(f"{data / 'sessions' / '_delta_log'}: a Delta table's log")
    else:
        assert message.startswith(f"{path}: {says}")


def test_a_folder_reached_twice_through_a_link_is_refused(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    _sessions(data, {"S1": ["A1", "2024-02-01T10:00:00Z"]}, "year=2024/a.parquet")
    (data / "sessions" / "again").symlink_to(data / "sessions" / "year=2024")
    assert "the same folder as" in bad_input(data, tmp_path)
    (data / "sessions" / "again").unlink()
    (data / "sessions" / "loop").symlink_to(data / "sessions")
    assert bad_input(data, tmp_path).startswith(f"{data / 'sessions' / 'loop'}: the same folder as {data / 'sessions'}")


def test_a_folder_of_bookkeeping_only_holds_no_parquet_files(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    (data / "sessions").mkdir()
    (data / "sessions" / "_SUCCESS").write_bytes(b"")
    assert bad_input(data, tmp_path) == f"{data / 'sessions'}: directory holds no .parquet files"


# --- 3. CSV compressed with gzip, upper-case names: read, or refused; never "not exported" -----------------

PAYMENTS = (
    "payment_id,account_id,paid_at,memo\n"
    "P1,A1,2024-01-05T10:00:00Z,\"two\nlines\"\n"   # lines 2-3
    "P2,A1,05/01/2024,x\n"                          # line 4: bad timestamp
    "P3,A1\n"                                       # line 5: ragged
    "P4,A1,2024-01-06,\"say \"\"hi\"\"\"\n"         # line 6
)


def test_a_gzip_csv_is_read_with_exact_line_numbers(tmp_path):
    data = write_exports(tmp_path / "x")
    (data / "payments.csv.gz").write_bytes(gzip.compress(PAYMENTS.encode()))
    report, set_aside = load(data, tmp_path)
    assert "payments" not in report.absent
    assert (report.rows_in["payments"], report.rows_loaded["payments"], report.rows_rejected["payments"]) == (4, 2, 2)
    assert set_aside == [
        ("payments", "payments.csv.gz", 4, "paid_at", "bad timestamp", "paid_at: 05/01/2024 is not a valid timestamp"),
        ("payments", "payments.csv.gz", 5, None, "wrong number of fields", "2 fields, header has 4"),
    ]
    assert query(tmp_path, "SELECT source FROM load_tables WHERE table_name = 'payments'") == [
        (str(data / "payments.csv.gz"),)]
    assert [h.name for h in evidence.hash_exports(data)["payments"]] == ["payments.csv.gz"]


def test_a_large_gzip_csv_keeps_its_line_numbers_past_the_fast_path(tmp_path):
    # 60,000 plain lines go through the block reader; the quote on line 60,002 sends the rest to the line walk
    rows = "".join(f"P{i},A1,2024-01-05T10:00:00Z\n" for i in range(60_000))
    text = "payment_id,account_id,paid_at\n" + rows + 'Q1,"A1,2024-01-05\nQ2,A1,yesterday\n'
    data = write_exports(tmp_path / "x")
    (data / "Payments.CSV.GZ").write_bytes(gzip.compress(text.encode()))
    report, set_aside = load(data, tmp_path)
    assert (report.rows_in["payments"], report.rows_loaded["payments"]) == (60_002, 60_000)
    assert [(f, line, r) for _, f, line, _, r, _ in set_aside] == [
        ("Payments.CSV.GZ", 60_002, "unterminated quote"), ("Payments.CSV.GZ", 60_003, "bad timestamp")]


def test_a_gzip_csv_that_is_not_utf8_names_line_and_column(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": None})
    text = "account_id,created_at,plan,status\nA1,2024-01-01,free,active\nA2,2024-01-01,Zo\u00eb,active\n"
    (data / "accounts.csv.gz").write_bytes(gzip.compress(text.encode("latin-1")))
    assert bad_input(data, tmp_path) == (f"{data / 'accounts.csv.gz'}, line 3, column 17: not UTF-8 text:"
                                         " export the file as UTF-8")


@pytest.mark.parametrize("content, reason", [
    (PAYMENTS.encode(), "Not a gzipped file (b'pa')"),                    # plain text named .gz
    (gzip.compress(PAYMENTS.encode())[:-12], "Compressed file ended before the end-of-stream marker was reached"),
    (b"", None),                                                          # empty: no header row
])
def test_a_damaged_gzip_csv_is_bad_input_naming_it(tmp_path, content, reason):
    data = write_exports(tmp_path / "x")
    (data / "payments.csv.gz").write_bytes(content)
    message = bad_input(data, tmp_path)
    if reason is None:
        assert message == f"{data / 'payments.csv.gz'}, line 1: no header row (the file is empty or starts with a blank line)"
    else:
        assert message == (f"{data / 'payments.csv.gz'}: not a readable gzip file ({reason}):"
                           " compress it with gzip, or give payments.csv")


def test_an_upper_case_name_is_read(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": None})
    (data / "ACCOUNTS.CSV").write_text(MINIMAL["accounts"] + "A2,someday,free,active\n")
    report, set_aside = load(data, tmp_path)
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (2, 1)
    assert set_aside == [("accounts", "ACCOUNTS.CSV", 3, "created_at", "bad timestamp",
                          "created_at: someday is not a valid timestamp")]


@pytest.mark.parametrize("second", ["accounts.csv.gz", "Accounts.csv", "ACCOUNTS.PARQUET", "accounts"])
def test_two_exports_of_one_table_are_refused_whatever_their_case_or_form(tmp_path, second):
    data = write_exports(tmp_path / "x")
    (data / second).write_bytes(gzip.compress(MINIMAL["accounts"].encode()))
    message = bad_input(data, tmp_path)
    assert message.startswith(f"{data}: table accounts has more than one export (")
    assert str(data / "accounts.csv") in message and str(data / second) in message and message.endswith(": keep one")


@pytest.mark.parametrize("name", ["payments.csv.zip", "payments.csv.bz2", "PAYMENTS.CSV.XZ", "payments.parquet.zst",
                                  "payments.parquet.gz", "payments.csv.tar.gz"])
def test_a_compression_the_loader_does_not_read_is_refused_not_absent(tmp_path, name):
    data = write_exports(tmp_path / "x")
    (data / name).write_bytes(b"compressed")
    message = bad_input(data, tmp_path)
    assert message.startswith(f"{data / name}: compressed as {name[name.index('.', 9):]}, which the loader does not read")
    assert message.endswith("give payments.csv, payments.csv.gz (gzip), payments.parquet or a folder payments/"
                            " of Parquet files")


# --- 4. only regular files are read: a FIFO, socket or device is refused before it is opened ----------


def finishes(call, seconds: float = 60):
    """``call()``'s exception (or None), failing if it is still running after ``seconds`` (a FIFO's open hangs)."""
    import threading

    outcome: list = []

    def run():
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the load hangs"
    return outcome[0]


def special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        bind_socket(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")  # a link to a character device: endless zeros
    else:
        raise ValueError(kind)


@pytest.mark.parametrize("kind, said", [("fifo", "a FIFO (named pipe)"), ("socket", "a socket"),
                                        ("device", "a character device")])
@pytest.mark.parametrize("where", ["accounts.csv", "payments.csv", "payments.csv.gz", "sessions/year=2024/b.parquet"])
def test_a_fifo_socket_or_device_is_bad_input_at_once(tmp_path, kind, said, where):
    data = write_exports(tmp_path / "x", {"accounts": None} if where == "accounts.csv" else
                         {"sessions": None} if where.startswith("sessions/") else {})
    if where.startswith("sessions/"):
        _sessions(data, {"S1": ["A1", "2024-02-01T10:00:00Z"]}, "a.parquet")
        (data / "sessions" / "year=2024").mkdir()
    special(data / where, kind)
    error = finishes(lambda: load_exports(data, tmp_path / "db.duckdb"))
    assert isinstance(error, BadInput)
    assert str(error) == (f"{data / where}: not a regular file ({said}): only regular files are read;"
                          " export the data to a file")
    # the evidence's hashing finds the same sources: it refuses the file too, never opens it
    error = finishes(lambda: evidence.hash_exports(data))
    assert isinstance(error, BadInput) and str(error).startswith(f"{data / where}: not a regular file")


def test_a_link_to_a_regular_file_loads_and_a_broken_link_is_not_absent(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": None})
    (tmp_path / "elsewhere.csv").write_text(MINIMAL["accounts"])
    (data / "accounts.csv").symlink_to(tmp_path / "elsewhere.csv")
    report, _ = load(data, tmp_path)
    assert report.rows_loaded["accounts"] == 1
    (data / "payments.csv").symlink_to(tmp_path / "gone.csv")
    assert bad_input(data, tmp_path) == f"{data / 'payments.csv'}: cannot read the file: a link to a file that does not exist"


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


# --- 6. the real command: exit 2, one line naming the file, no traceback ----------------------------


@pytest.mark.parametrize("case", ["fifo", "gzip", "folder"])
def test_cli_refuses_hostile_inputs_with_one_line(tmp_path, case):
    from tests.load.test_bad_inputs import assert_one_error_line, run_cli

    data = write_exports(tmp_path / "x", {"sessions": None} if case == "folder" else {})
    if case == "fifo":
        os.mkfifo(data / "payments.csv")
        expected = f"{data / 'payments.csv'}: not a regular file (a FIFO (named pipe))"
    elif case == "gzip":
        (data / "payments.csv.gz").write_bytes(b"payment_id,account_id,paid_at\n")
        expected = f"{data / 'payments.csv.gz'}: not a readable gzip file (Not a gzipped file (b'pa'))"
    else:
        _sessions(data, {"S1": ["A1", "2024-02-01T10:00:00Z"]}, "year=2024/a.parquet")
        (data / "sessions" / "notes.txt").write_text("hello")
        expected = f"{data / 'sessions' / 'notes.txt'}: not a .parquet file"
    result = run_cli(data, tmp_path / "db.duckdb")
    assert result.returncode == 2, result.stderr
    assert_one_error_line(result.stderr, expected)
