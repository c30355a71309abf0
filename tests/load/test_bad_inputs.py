"""The bad-input corpus (docs/bad-data.md): each case sets rows aside with a reason, or is bad input
naming the file; never a traceback, never a silent loss (rows in = loaded + set aside = records in the file)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.errors import BadInput
from pipelines.load import load_exports
from tests.load.helpers import MINIMAL, write_exports

ACCOUNTS_HEADER = "account_id,created_at,plan,status\n"


def load(tmp_path: Path, **overrides):
    """Load the minimal export with some tables replaced; (report, quarantine rows of every table)."""
    data = write_exports(tmp_path / "x", overrides)
    db = tmp_path / "db.duckdb"
    report = load_exports(data, db)
    with duckdb.connect(str(db), read_only=True) as con:
        set_aside = con.sql("SELECT table_name, line, reason, raw FROM quarantine ORDER BY table_name, line").fetchall()
    for table, n in report.rows_in.items():
        assert n == report.rows_loaded[table] + report.rows_rejected[table]
    return report, set_aside


def loaded(tmp_path: Path, sql: str):
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


def bad_input(tmp_path: Path, **overrides) -> str:
    data = write_exports(tmp_path / "x", overrides)
    with pytest.raises(BadInput) as info:
        load_exports(data, tmp_path / "db.duckdb")
    message = str(info.value)
    assert "\n" not in message
    return message


# --- whole-file problems: bad input naming the file (and line, column) ---------------------------


def test_empty_file_is_bad_input(tmp_path):
    message = bad_input(tmp_path, accounts=b"")
    assert message.endswith("accounts.csv, line 1: no header row (the file is empty or starts with a blank line)")


def test_header_only_loads_no_rows(tmp_path):
    report, set_aside = load(tmp_path, accounts=ACCOUNTS_HEADER)
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"], set_aside) == (0, 0, [])


def test_binary_file_names_the_first_undecodable_byte(tmp_path):
    message = bad_input(tmp_path, accounts=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert message.endswith("accounts.csv, line 1, column 1: not UTF-8 text: export the file as UTF-8")


def test_nul_bytes_are_not_a_csv_file(tmp_path):
    assert bad_input(tmp_path, accounts=b"\x00" * 64).endswith("accounts.csv, line 1: holds NUL bytes: not a CSV text file")


def test_latin1_names_line_and_column_of_the_first_bad_byte(tmp_path):
    text = ACCOUNTS_HEADER + "A1,2024-01-01,free,active\nA2,2024-01-01,Zo\u00eb,active\n"
    message = bad_input(tmp_path, accounts=text.encode("latin-1"))
    assert message.endswith("accounts.csv, line 3, column 17: not UTF-8 text: export the file as UTF-8")


def test_latin1_far_into_a_big_file_still_names_its_line(tmp_path):
    rows = "".join(f"A{i},2024-01-01,free,active\n" for i in range(30_000))  # well past one read block
    text = ACCOUNTS_HEADER + rows + "A\u00e9,2024-01-01,free,active\n"
    assert "accounts.csv, line 30002, column 2: not UTF-8" in bad_input(tmp_path, accounts=text.encode("latin-1"))


def test_tab_separated_file_is_a_missing_column_with_a_hint(tmp_path):
    message = bad_input(tmp_path, accounts="account_id\tcreated_at\tplan\tstatus\nA1\t2024-01-01\tfree\tactive\n")
    assert message.endswith(
        "accounts.csv, line 1: missing required column 'account_id'"
        " (the header has a single column: separate the columns with ',' or ';')"
    )


def test_required_column_missing_names_file_and_column(tmp_path):
    message = bad_input(tmp_path, sessions="session_id,started_at\nS1,2024-02-01\n")
    assert message.endswith("sessions.csv, line 1: missing required column 'account_id'")


def test_column_present_twice_names_both_positions(tmp_path):
    message = bad_input(tmp_path, accounts="account_id,created_at,plan,status,Plan\nA1,2024-01-01,free,active,paid\n")
    assert message.endswith("accounts.csv, line 1: column 'plan' appears twice (columns 3 and 5, after column mapping): keep one")


def test_unclosed_quote_in_the_header_is_bad_input(tmp_path):
    message = bad_input(tmp_path, accounts='account_id,"created_at,plan,status\nA1,2024-01-01,free,active\n')
    assert message.endswith("accounts.csv, line 1: a quote in the header row is not closed")


def test_missing_export_directory(tmp_path):
    with pytest.raises(BadInput, match=r"nowhere: export directory not found$"):
        load_exports(tmp_path / "nowhere", tmp_path / "db.duckdb")


def test_export_directory_that_is_a_file(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(BadInput, match=r"x\.csv: not a directory"):
        load_exports(tmp_path / "x.csv", tmp_path / "db.duckdb")


def test_unreadable_export_file_is_bad_input(tmp_path):
    # a directory where a file should be: unreadable for every user, root included
    data = write_exports(tmp_path / "x", {"accounts": None})
    (data / "accounts.csv").mkdir()
    with pytest.raises(BadInput, match=r"accounts\.csv: cannot read the file: Is a directory$"):
        load_exports(data, tmp_path / "db.duckdb")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_export_directory_without_permissions(tmp_path):
    data = write_exports(tmp_path / "x")
    data.chmod(0)
    try:
        with pytest.raises(BadInput, match="cannot read the export directory: Permission denied"):
            load_exports(data, tmp_path / "db.duckdb")
    finally:
        data.chmod(0o755)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_export_file_without_permissions(tmp_path):
    data = write_exports(tmp_path / "x")
    (data / "accounts.csv").chmod(0)
    with pytest.raises(BadInput, match=r"accounts\.csv: cannot read the file: Permission denied"):
        load_exports(data, tmp_path / "db.duckdb")


def test_permission_denied_is_bad_input_even_when_simulated_for_root(tmp_path, monkeypatch):
    data = write_exports(tmp_path / "x")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    real_open = os.open

    def open_denied(path, *args, **kwargs):  # every input file is opened by the gate (pipelines/inputs.py)
        if str(path).endswith("accounts.csv"):
            denied()
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_denied)
    with pytest.raises(BadInput, match=r"accounts\.csv: cannot read the file: Permission denied$"):
        load_exports(data, tmp_path / "db.duckdb")
    monkeypatch.setattr(os, "open", real_open)
    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(BadInput, match=r"x: cannot read the export directory: Permission denied$"):
        load_exports(data, tmp_path / "db.duckdb")


# --- row problems: set aside with a reason, the rest loads ----------------------------------------


def test_ragged_rows_are_set_aside_by_line(tmp_path):
    report, set_aside = load(tmp_path, accounts=(
        ACCOUNTS_HEADER
        + "A1,2024-01-01,free,active\n"
        + "A2,2024-01-01,free\n"                 # line 3: too few
        + "A3,2024-01-01,free,active,extra\n"    # line 4: too many
        + "A4,2024-01-01,free,active\n"
    ))
    assert set_aside == [
        ("accounts", 3, "wrong number of fields", "A2,2024-01-01,free"),
        ("accounts", 4, "wrong number of fields", "A3,2024-01-01,free,active,extra"),
    ]
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (4, 2)


def test_quoted_fields_with_line_breaks_and_delimiters_load_as_one_row(tmp_path):
    report, set_aside = load(tmp_path, accounts=(
        "account_id,created_at,plan,status,note\n"
        'A1,2024-01-01,free,active,"two\nlines, and a comma"\n'   # lines 2-3
        'A2,2024-01-01,"free",active,"say ""hi"""\n'              # line 4
        "A3,2024-01-01,free,active,\n"                            # line 5
        "A4,2024-01-01,free\n"                                    # line 6: ragged, line still right
    ))
    assert set_aside == [("accounts", 6, "wrong number of fields", "A4,2024-01-01,free")]
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (4, 3)
    assert loaded(tmp_path, "SELECT account_id, plan FROM accounts ORDER BY 1") == [("A1", "free"), ("A2", "free"), ("A3", "free")]


def test_stray_quote_costs_only_its_own_line(tmp_path):
    rows = [f"A{i},2024-01-01T10:00:00Z,free,active\n" for i in range(1, 201)]
    rows[98] = 'A99,"2024-01-01T10:00:00Z,free,active\n'  # line 100
    report, set_aside = load(tmp_path, accounts=ACCOUNTS_HEADER + "".join(rows))
    assert set_aside == [("accounts", 100, "unterminated quote", 'A99,"2024-01-01T10:00:00Z,free,active')]
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (200, 199)


def test_stray_quote_closed_by_a_later_quote_in_another_column(tmp_path):
    report, set_aside = load(tmp_path, accounts=(
        ACCOUNTS_HEADER
        + 'A1,"2024-01-01,free,active\n'     # line 2: the quote opens in column 2
        + "A2,2024-01-01,free,active\n"
        + 'A3,2024-01-01,free,"active"\n'    # line 4: its quote closes line 2's, leaving 2 fields
        + "A4,2024-01-01,free,active\n"
    ))
    assert set_aside == [("accounts", 2, "unterminated quote", 'A1,"2024-01-01,free,active')]
    assert report.rows_loaded["accounts"] == 3
    detail = loaded(tmp_path, "SELECT detail FROM quarantine")[0][0]
    assert detail == "field 2 (created_at) opens a quote that runs on to line 4, leaving 2 fields, header has 4"


def test_stray_quote_on_the_last_line_without_newline(tmp_path):
    report, set_aside = load(tmp_path, accounts=ACCOUNTS_HEADER + 'A1,2024-01-01,free,active\nA2,2024-01-01,"free,active')
    assert set_aside == [("accounts", 3, "unterminated quote", 'A2,2024-01-01,"free,active')]
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (2, 1)


def test_spreadsheet_tail_and_blank_lines_are_no_records(tmp_path):
    report, set_aside = load(tmp_path, accounts=(
        "account_id;created_at;plan;status\r\n"
        "A1;2024-01-01;free;active\r\n"
        "\r\n"
        ";;;\r\n"
        ";;;;;;;;\r\n"       # more empty fields than the header has: still no record
        " ; ;  ;\r\n"        # fields holding only spaces are empty too
        '"";"";;\r\n'        # quoted empty strings
        "A2;2024-01-01;free;active\r\n"
        ";;;\r\n"
    ))
    assert set_aside == []
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"]) == (2, 2)
    assert loaded(tmp_path, "SELECT account_id FROM accounts ORDER BY 1") == [("A1",), ("A2",)]


def test_day_first_dates_are_bad_timestamps(tmp_path):
    _, set_aside = load(tmp_path, accounts=ACCOUNTS_HEADER + "A1,30/09/2024,free,active\nA2,09/30/2024 10:00,free,active\n")
    assert [(line, reason) for _, line, reason, _ in set_aside] == [(2, "bad timestamp"), (3, "bad timestamp")]


def test_far_future_and_old_timestamps_load_while_their_local_date_exists_everywhere(tmp_path):
    report, set_aside = load(tmp_path, accounts=(
        ACCOUNTS_HEADER
        + "A1,9999-12-31,free,active\n"              # a "never" sentinel: loads
        + "A2,1900-01-01,free,active\n"
        + "A3,0001-01-02T00:00:00Z,free,active\n"
        + "A4,9999-12-31T23:59:59Z,free,active\n"    # line 5: 10000-01-01 in Brussels
        + "A5,0001-01-01T00:00:00Z,free,active\n"    # line 6: year 0 west of Greenwich
        + "A6,99999-01-01,free,active\n"             # line 7
        + "A7,+12024-01-01,free,active\n"            # line 8
    ))
    assert [(line, reason) for _, line, reason, _ in set_aside] == [(n, "bad timestamp") for n in (5, 6, 7, 8)]
    assert report.rows_loaded["accounts"] == 3
    assert loaded(tmp_path, "SELECT account_id, created_at FROM accounts ORDER BY 1") == [
        ("A1", datetime(9999, 12, 31, tzinfo=UTC)),
        ("A2", datetime(1900, 1, 1, tzinfo=UTC)),
        ("A3", datetime(1, 1, 2, tzinfo=UTC)),
    ]


def test_native_parquet_timestamps_out_of_range_are_bad_timestamps(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    pl.DataFrame({"session_id": ["S1", "S2"], "account_id": ["A1", "A1"],
                  "started_at": [datetime(2024, 2, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)]},
                 ).write_parquet(data / "sessions.parquet")
    report = load_exports(data, tmp_path / "db.duckdb")
    assert report.rows_loaded["sessions"] == 1
    assert loaded(tmp_path, "SELECT line, reason FROM quarantine") == [(2, "bad timestamp")]


# --- Parquet ----------------------------------------------------------------------------------


def _sessions_dir(data: Path) -> Path:
    (data / "sessions.csv").unlink()
    (data / "sessions").mkdir()
    return data / "sessions"


def test_duplicate_keys_across_parquet_files_first_file_by_name_wins(tmp_path):
    data = write_exports(tmp_path / "x")
    parts = _sessions_dir(data)
    # written b first, but "a" sorts first: file-name order is the file order
    pl.DataFrame({"session_id": ["S1", "S2"], "account_id": ["A1", "A1"],
                  "started_at": ["2024-02-05T10:00:00Z", "2024-02-06T10:00:00Z"]}).write_parquet(parts / "b.parquet")
    pl.DataFrame({"session_id": ["S1"], "account_id": ["A1"],
                  "started_at": ["2024-02-01T10:00:00Z"]}).write_parquet(parts / "a.parquet")
    report = load_exports(data, tmp_path / "db.duckdb")
    assert (report.rows_in["sessions"], report.rows_loaded["sessions"]) == (3, 2)
    assert loaded(tmp_path, "SELECT session_id, started_at FROM sessions ORDER BY 1") == [
        ("S1", datetime(2024, 2, 1, 10, tzinfo=UTC)), ("S2", datetime(2024, 2, 6, 10, tzinfo=UTC))]
    [(source, line, reason)] = loaded(tmp_path, "SELECT source_file, line, reason FROM quarantine")
    assert (Path(source).name, line, reason) == ("b.parquet", 1, "duplicate key")


@pytest.mark.parametrize("values, stored", [([1704067200], "BIGINT"), ([True], "BOOLEAN")])
def test_parquet_timestamp_column_of_the_wrong_type_names_file_and_column(tmp_path, values, stored):
    data = write_exports(tmp_path / "x")
    parts = _sessions_dir(data)
    pl.DataFrame({"session_id": ["S1"], "account_id": ["A1"]}).write_parquet(parts / "a.parquet")
    pl.DataFrame({"session_id": ["S2"], "account_id": ["A1"], "started_at": values}).write_parquet(parts / "b.parquet")
    message = bad_input_dir(data, tmp_path)
    assert message.startswith(str(parts / "a.parquet"))  # the first file lacks the column altogether
    (parts / "a.parquet").unlink()
    message = bad_input_dir(data, tmp_path)
    assert message == (f"{parts / 'b.parquet'}: column 'started_at' is stored as {stored}:"
                       " a timestamp must be stored as a Parquet TIMESTAMP or DATE, or as ISO-8601 text")


def bad_input_dir(data: Path, tmp_path: Path) -> str:
    with pytest.raises(BadInput) as info:
        load_exports(data, tmp_path / "db.duckdb")
    return str(info.value)


def test_parquet_files_may_mix_native_and_text_timestamps(tmp_path):
    data = write_exports(tmp_path / "x")
    parts = _sessions_dir(data)
    pl.DataFrame({"session_id": ["S1"], "account_id": ["A1"],
                  "started_at": [datetime(2024, 2, 1, 10, tzinfo=UTC)]}).write_parquet(parts / "a.parquet")
    pl.DataFrame({"account_id": ["A1", "A1"], "session_id": ["S2", "S3"],   # other column order
                  "started_at": ["2024-02-02T12:00:00+02:00", "30/09/2024"]}).write_parquet(parts / "b.parquet")
    report = load_exports(data, tmp_path / "db.duckdb")
    assert (report.rows_in["sessions"], report.rows_loaded["sessions"]) == (3, 2)
    assert loaded(tmp_path, "SELECT session_id, started_at FROM sessions ORDER BY 1") == [
        ("S1", datetime(2024, 2, 1, 10, tzinfo=UTC)), ("S2", datetime(2024, 2, 2, 10, tzinfo=UTC))]
    assert loaded(tmp_path, "SELECT line, reason FROM quarantine") == [(2, "bad timestamp")]


def test_parquet_integer_ids_and_flags_load_as_text_and_boolean(tmp_path):
    data = write_exports(tmp_path / "x", {"accounts": None})
    pl.DataFrame({"account_id": [1, 2], "created_at": ["2024-01-01", "2024-01-02"], "plan": ["free", "paid"],
                  "status": ["active", "active"], "legal_hold": [0, 1]}).write_parquet(data / "accounts.parquet")
    load_exports(data, tmp_path / "db.duckdb")
    assert loaded(tmp_path, "SELECT account_id, legal_hold FROM accounts ORDER BY 1") == [("1", False), ("2", True)]


def test_corrupt_parquet_file_is_bad_input(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": None})
    (data / "sessions.parquet").write_bytes(b"PAR1 not really")
    message = bad_input_dir(data, tmp_path)
    assert message.startswith(f"{data / 'sessions.parquet'}: not a readable Parquet file (")
    assert "\n" not in message


# --- the real command: exit 2, one line on stderr, no traceback ---------------------------------

CLI = Path(sys.executable).with_name("privacy-review")


def run_cli(data: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "load", "--data", str(data), "--db", str(db)],
                          check=False, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case, content, expected", [
    ("empty", b"", "accounts.csv, line 1: no header row"),
    ("latin1", (ACCOUNTS_HEADER + "A\u00e9,2024-01-01,free,active\n").encode("latin-1"),
     "accounts.csv, line 2, column 2: not UTF-8 text"),
])
def test_cli_exits_2_with_one_line(tmp_path, case, content, expected):
    data = write_exports(tmp_path / case, {"accounts": content})
    result = run_cli(data, tmp_path / "db.duckdb")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, expected)


def assert_one_error_line(stderr: str, expected: str) -> None:
    """One error line naming the problem; the other lines on stderr are the loader's progress log."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if " INFO " not in line]
    assert len(errors) == 1 and errors[0].startswith("privacy-review: error: ") and expected in errors[0], stderr


def test_cli_missing_directory_exits_2(tmp_path):
    result = run_cli(tmp_path / "nowhere", tmp_path / "db.duckdb")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, f"{tmp_path / 'nowhere'}: export directory not found")


def test_cli_stray_quote_loads_the_rest(tmp_path):
    accounts = MINIMAL["accounts"] + 'A2,"2024-01-01,free,active\nA3,2024-01-01,free,active\n'
    result = run_cli(write_exports(tmp_path / "x", {"accounts": accounts}), tmp_path / "db.duckdb")
    assert result.returncode == 0, result.stderr
    assert '"accounts": 3' in result.stdout and '"accounts": 2' in result.stdout and '"accounts": 1' in result.stdout
