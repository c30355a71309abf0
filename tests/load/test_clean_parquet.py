"""A Parquet export's clean rows are copied as stored; only the rows the careful path would set aside or change
(and every copy of a duplicated key) take the careful path (docs/design.md, "Loading"): what it loads and sets
aside is what the careful path loads from the same records as CSV."""

from datetime import date, datetime, timezone

import duckdb
import polars as pl
import pytest

from pipelines.load import load_exports
from tests.load.helpers import write_exports

UTC = timezone.utc
ACCOUNTS_CSV = (
    "account_id,created_at,plan,country,status,legal_hold,erased_at\n"
    "A1,2024-01-01T09:00:00+01:00,free,BE,active,true,\n"
    "A2,2024-03-31T01:30:00+01:00,pro,NL,closed,false,2025-01-01T00:00:00+01:00\n"
    "A3,2024-07-01T00:00:00+02:00,free,,active,,\n"
)


def accounts_parquet(**changes) -> pl.DataFrame:
    columns = {
        "account_id": ["A1", "A2", "A3"],
        # local times in Brussels (the load's input zone), stored without a zone
        "created_at": [datetime(2024, 1, 1, 9), datetime(2024, 3, 31, 1, 30), datetime(2024, 7, 1)],
        "plan": ["free", "pro", "free"], "country": ["BE", "NL", None], "status": ["active", "closed", "active"],
        "legal_hold": [True, False, None],
        "erased_at": [None, date(2025, 1, 1), None],
        **changes,
    }
    return pl.DataFrame(columns)


def load(tmp_path, name: str, accounts) -> list[tuple]:
    data = write_exports(tmp_path / name, {"accounts": accounts if isinstance(accounts, str) else None})
    if not isinstance(accounts, str):
        accounts.write_parquet(data / "accounts.parquet")
    report = load_exports(data, tmp_path / f"{name}.duckdb", input_zone="Europe/Brussels")
    with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
        con.sql("SET TimeZone = 'UTC'")
        rows = con.sql("SELECT account_id, created_at, plan, country, legal_hold, erased_at, status, last_login_at"
                       " FROM accounts ORDER BY account_id").fetchall()
        quarantined = con.sql("SELECT line, reason FROM quarantine WHERE table_name = 'accounts'").fetchall()
    return rows, quarantined, report


def test_a_clean_parquet_export_loads_what_its_csv_twin_loads(tmp_path):
    parquet, set_aside, report = load(tmp_path, "p", accounts_parquet())
    csv, _, _ = load(tmp_path, "c", ACCOUNTS_CSV)
    assert parquet == csv and len(parquet) == 3 and set_aside == []
    assert (report.rows_in["accounts"], report.rows_loaded["accounts"], report.rows_rejected["accounts"]) == (3, 3, 0)
    # an empty legal_hold is false; 01:30 on 31 March 2024 in Brussels is 00:30 UTC
    assert [r[4] for r in parquet] == [True, False, False]
    assert parquet[1][1] == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("changes, expected", [
    ({"plan": [" free", "pro", "free"]}, []),  # trimmed by the careful path, nothing set aside
    ({"country": ["", "NL", None]}, []),  # an empty text is NULL
    ({"status": [None, "closed", "active"]}, [(1, "missing required value")]),
    ({"account_id": ["A1", "A1", "A3"]}, [(2, "duplicate key")]),
    ({"created_at": [datetime(2024, 1, 1, 9), datetime(2024, 3, 31, 1, 30), datetime(9999, 12, 31, 23)]},
     [(3, "bad timestamp")]),
])
def test_a_row_the_careful_path_would_change_or_set_aside_takes_the_careful_path(tmp_path, changes, expected):
    rows, set_aside, report = load(tmp_path, "p", accounts_parquet(**changes))
    assert set_aside == expected
    assert report.rows_loaded["accounts"] == 3 - len(expected)
    loaded = {r[0]: r for r in rows}
    if "plan" in changes:
        assert loaded["A1"][2] == "free"
    if "country" in changes:
        assert loaded["A1"][3] is None


def as_csv(frame: pl.DataFrame) -> str:
    """The CSV twin of an accounts frame: local times written without an offset (read in the input zone), a date
    as its day, a boolean as true/false, None as an empty field."""
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    lines = [",".join(frame.columns)]
    lines += [",".join(text(v) for v in row) for row in frame.iter_rows()]
    return "\n".join(lines) + "\n"


TWIN_CASES = {
    "clean": {},
    "a text to trim": {"plan": [" free", "pro", "free"]},
    "a bad first copy of a key": {"account_id": ["A1", "A1", "A3"], "status": [None, "closed", "active"]},
    "a key twice once untrimmed": {"account_id": [" A3", "A2", "A3"]},
    "three copies": {"account_id": ["A2", "A2", "A2"]},
    "a bad row and a duplicate": {"account_id": ["A1", "A2", "A2"],
                                  "created_at": [datetime(9999, 12, 31, 23), datetime(2024, 3, 31, 1, 30),
                                                 datetime(2024, 7, 1)]},
    "every row bad": {"status": [None, None, None]},
    "a missing key": {"account_id": [None, "A2", "A3"]},
}


@pytest.mark.parametrize("case", TWIN_CASES)
def test_only_the_flagged_rows_take_the_careful_path_and_the_result_is_the_csv_twins(tmp_path, case):
    """The same records as Parquet (clean rows copied, flagged rows careful) and as CSV (every row careful) load
    the same rows and set aside the same records for the same reasons (a Parquet row n is CSV line n + 1)."""
    frame = accounts_parquet(**TWIN_CASES[case])
    parquet, parquet_aside, parquet_report = load(tmp_path, "p", frame)
    csv, csv_aside, csv_report = load(tmp_path, "c", as_csv(frame))
    assert parquet == csv
    assert sorted((line + 1, reason) for line, reason in parquet_aside) == sorted(csv_aside)
    assert parquet_report.rows_loaded == csv_report.rows_loaded
    assert parquet_report.rows_rejected["accounts"] == len(parquet_aside) == 3 - len(parquet)
