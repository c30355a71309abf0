"""A local time the input zone skips or shows twice (docs/bad-data.md, "Daylight saving time"): a time in a gap
is a bad timestamp, set aside with its line and column; a time in a fold is its first occurrence (``fold=0``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pytest

from pipelines.load import load_exports
from tests.load.helpers import write_exports

UTC = timezone.utc
BRUSSELS = "Europe/Brussels"
#: (local time as exported, what it loads as: an instant, or None when set aside)
CASES = [
    ("2024-07-01T10:00:00", datetime(2024, 7, 1, 8, 0, tzinfo=UTC)),  # an ordinary summer time
    ("2024-03-31T01:59:59", datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC)),  # the last second before the gap
    ("2024-03-31T02:30:00", None),  # the clocks go from 02:00 to 03:00: 02:30 does not exist
    ("2024-03-31T03:00:00", datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),  # the first time after it
    ("2024-10-27T02:30:00", datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),  # twice: 00:30Z (CEST) and 01:30Z (CET)
    ("2024-10-27 02:00", datetime(2024, 10, 27, 0, 0, tzinfo=UTC)),  # the fold's first minute
    ("2024-10-27T03:00:00", datetime(2024, 10, 27, 2, 0, tzinfo=UTC)),  # after it: once
    ("2024-03-31", datetime(2024, 3, 30, 23, 0, tzinfo=UTC)),  # a date alone: its first instant
    ("2024-03-31T02:30:00+01:00", datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),  # an offset: an instant as written
    ("2024-10-27T02:30:00+01:00", datetime(2024, 10, 27, 1, 30, tzinfo=UTC)),  # the fold's second, by its offset
]


def load_accounts(tmp_path, created: list[str], zone: str = BRUSSELS, *, parquet: bool = False):
    """Load accounts A0, A1, … created at ``created`` (local times in ``zone``): {id: instant}, the set-aside rows."""
    if parquet:
        data = write_exports(tmp_path / "x", {"accounts": None})
        pl.DataFrame({"account_id": [f"A{i}" for i in range(len(created))],
                      "created_at": [datetime.fromisoformat(c) for c in created],
                      "plan": ["free"] * len(created), "status": ["active"] * len(created)}
                     ).write_parquet(data / "accounts.parquet")
    else:
        data = write_exports(tmp_path / "x", {"accounts": "account_id,created_at,plan,status\n" + "".join(
            f"A{i},{c},free,active\n" for i, c in enumerate(created))})
    report = load_exports(data, tmp_path / "db.duckdb", input_zone=zone)
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        loaded = dict(con.execute("SELECT account_id, created_at FROM accounts").fetchall())
        aside = con.execute("SELECT line, column_name, reason, detail FROM quarantine WHERE table_name = 'accounts' "
                            "ORDER BY line").fetchall()
    assert report.rows_in["accounts"] == len(created) == len(loaded) + len(aside)  # nothing skipped silently
    return loaded, aside


def test_a_time_in_the_gap_is_set_aside_and_one_in_the_fold_is_its_first_occurrence(tmp_path):
    loaded, aside = load_accounts(tmp_path, [c for c, _ in CASES])
    assert loaded == {f"A{i}": want for i, (_, want) in enumerate(CASES) if want is not None}
    gap = next(i for i, (_, want) in enumerate(CASES) if want is None)
    assert aside == [(gap + 2, "created_at", "bad timestamp",  # the header is line 1
                      "created_at: 2024-03-31T02:30:00 does not exist in Europe/Brussels: the clocks skip it "
                      "(daylight saving time)")]


def test_a_parquet_timestamp_without_a_zone_is_read_the_same(tmp_path):
    local = [c for c, _ in CASES if "+" not in c and len(c) > 10]
    loaded, aside = load_accounts(tmp_path, local, parquet=True)
    want = dict(CASES)
    assert loaded == {f"A{i}": want[c] for i, c in enumerate(local) if want[c] is not None}
    assert [(r[0], r[1], r[2]) for r in aside] == [(local.index("2024-03-31T02:30:00") + 1, "created_at", "bad timestamp")]


def test_a_clean_parquet_export_reads_a_fold_as_its_first_occurrence(tmp_path):
    """No row to set aside: the one-read path (build.py, ``_insert_if_clean``) loads it, by the same rule."""
    loaded, aside = load_accounts(tmp_path, ["2024-10-27T02:30:00", "2024-07-01T10:00:00"], parquet=True)
    assert aside == [] and loaded == {"A0": datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
                                      "A1": datetime(2024, 7, 1, 8, 0, tzinfo=UTC)}


def test_in_utc_every_local_time_exists_once(tmp_path):
    loaded, aside = load_accounts(tmp_path, ["2024-03-31T02:30:00", "2024-10-27T02:30:00"], zone="UTC")
    assert aside == [] and loaded == {"A0": datetime(2024, 3, 31, 2, 30, tzinfo=UTC),
                                      "A1": datetime(2024, 10, 27, 2, 30, tzinfo=UTC)}


def transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The instants (UTC, to the quarter hour) the zone's offset changes in ``year``."""
    found, t = [], datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        if t.astimezone(zone).utcoffset() != (t + timedelta(minutes=15)).astimezone(zone).utcoffset():
            found.append(t + timedelta(minutes=15))
        t += timedelta(minutes=15)
    return found


def zoneinfo_reading(local: datetime, zone: ZoneInfo) -> datetime | None:
    """Python's reading of a local time by the rule: None when it does not exist, else ``fold=0``."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return first if first.astimezone(zone).replace(tzinfo=None) == local else None


@pytest.mark.parametrize("zone, year", [
    (BRUSSELS, 2024), (BRUSSELS, 1977), (BRUSSELS, 2300),  # 2300: past the years every day is looked up for
    ("America/Santiago", 2024),  # midnight skipped and 23:00-24:00 twice
    ("Australia/Lord_Howe", 2024),  # the clock moves half an hour
])
def test_every_quarter_hour_around_a_change_agrees_with_zoneinfo(tmp_path, zone, year):
    tz = ZoneInfo(zone)
    changes = transitions(tz, year)
    assert len(changes) == 2, changes
    local = sorted({(t.astimezone(tz).replace(tzinfo=None) + timedelta(minutes=15 * k))
                    for t in changes for k in range(-12, 13)})
    texts = [t.isoformat() for t in local]
    loaded, aside = load_accounts(tmp_path, texts, zone=zone)
    want = {f"A{i}": zoneinfo_reading(t, tz) for i, t in enumerate(local)}
    assert loaded == {k: v for k, v in want.items() if v is not None}
    assert len(aside) == sum(v is None for v in want.values()) > 0
    assert all(r[2] == "bad timestamp" and "the clocks skip it" in r[3] for r in aside)
    folds = [t for t in local if t.replace(tzinfo=tz, fold=0).utcoffset() != t.replace(tzinfo=tz, fold=1).utcoffset()
             and zoneinfo_reading(t, tz) is not None]
    assert folds  # each zone's year has times shown twice: read as the earlier instant
