"""The one place for calendar rules: local dates, months, quarters, working days.

Contract §2. SQL queries use the same rules through the macros of
``pipelines/metrics/sql/macros.sql`` (``add_months``, ``whole_months``) and the ``calendar``
table built from :func:`working_day_calendar`; tests check both agree. The GDPR Art. 12(3)
deadline is counted in SQL only, over that table (``pipelines/metrics/sql/rights_deadline.sql``).
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_ZONE = "Europe/Brussels"
#: ``--quarter latest``: the last quarter complete by today and by the exports (docs/contract.md, §2 "Dates")
LATEST = "latest"

#: the years a quarter or ``--as-of`` may name (docs/operations.md, "Bad parameters"): the
#: calendar, the eight-quarter trends and the 10-year payment deadlines stay within what
#: Python's and DuckDB's dates hold
FIRST_YEAR, LAST_YEAR = 1900, 2200


@lru_cache(maxsize=64)
def known_zone(name: str) -> bool:
    """True when both Python (zoneinfo) and DuckDB (ICU) know the time zone ``name``.

    Python accepts names DuckDB does not (``posixrules``, ``localtime``): a zone is
    checked against both, once, where a command starts.
    """
    from zoneinfo import ZoneInfoNotFoundError

    import duckdb

    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    with duckdb.connect() as con:
        return bool(con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [name]).fetchone()[0])


def local_date(ts: datetime, zone: str = DEFAULT_ZONE) -> date:
    """The calendar date of an instant in the controller's zone (naive means UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(ZoneInfo(zone)).date()


def end_of_local_day(d: date, zone: str = DEFAULT_ZONE) -> datetime:
    """The first instant (UTC) after local day ``d``: ``ts < this`` means "on or before d"."""
    return datetime.combine(d + timedelta(days=1), time(), ZoneInfo(zone)).astimezone(timezone.utc)


def add_months(d: date, n: int) -> date:
    """Same day n months later; the month's last day where it has no such day.

    2024-01-31 + 1 -> 2024-02-29; 2024-02-29 + 12 -> 2025-02-28 (contract §2,
    Regulation 1182/71 art. 3(2)(c)).
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    last_day = _calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def whole_months(start: date, end: date) -> int:
    """The largest m with ``add_months(start, m) <= end``."""
    m = (end.year - start.year) * 12 + (end.month - start.month)
    while add_months(start, m) > end:
        m -= 1
    while add_months(start, m + 1) <= end:
        m += 1
    return m


# --- quarters ---------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """``2024Q3`` (or ``2024-Q3``)."""
        m = _QUARTER.match(text.strip())
        if not m:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2024Q3 or 'latest')")
        if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
            raise ValueError(f"{text.strip()!r}: outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, d: date) -> "Quarter":
        return cls(d.year, (d.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 3) - timedelta(days=1)

    def shift(self, n: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + n
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> "Quarter":
        return self.shift(-1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def latest_complete_quarter(today: date, newest_data_date: date | None = None) -> Quarter:
    """The last quarter that has ended before both today and the newest exported date (contract §2)."""
    bound = today if newest_data_date is None else min(today, newest_data_date)
    q = Quarter.containing(bound)
    # a quarter is complete only when its last day is strictly before the bound
    return q if q.end < bound else q.previous()


def quarter_ends(as_of: date, count: int = 8) -> list[date]:
    """The last ``count`` quarter ends on or before ``as_of``, oldest first."""
    q = Quarter.containing(as_of)
    if q.end > as_of:
        q = q.previous()
    return [q.shift(-i).end for i in reversed(range(count))]


# --- working days (the calendar the GDPR deadlines of rights_deadline.sql count on) ---


#: the calendar a working day is counted in by default: Belgium's (the controller's; policy §3)
DEFAULT_CALENDAR = "BE"


@lru_cache(maxsize=None)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # The default (public) category: for Belgium the ten statutory days (plus Easter and
    # Whit Sunday). Not the BANK category: Good Friday and 26 December are
    # working days for legal deadlines.
    return frozenset(holidays.country_holidays(country, years=year).keys())


def known_calendar(country: str) -> bool:
    """Whether the ``holidays`` package has public holidays for this country code (``BE``, ``GB``)."""
    try:
        _public_holidays(country, 2024)
    except (NotImplementedError, KeyError, AttributeError):
        return False
    return True


def is_working_day(d: date, country: str = DEFAULT_CALENDAR) -> bool:
    return d.weekday() < 5 and d not in _public_holidays(country, d.year)


def next_working_day(d: date, country: str = DEFAULT_CALENDAR) -> date:
    """``d`` itself if a working day, else the next one (Regulation 1182/71 art. 3(4))."""
    while not is_working_day(d, country):
        d += timedelta(days=1)
    return d


def working_days_after(d: date, n: int, country: str = DEFAULT_CALENDAR) -> date:
    """The ``n``-th working day after ``d`` (the day ``d`` itself does not count, Regulation 1182/71
    art. 3(1)); weekends and the country's public holidays are not working days. ``n`` = 0 gives ``d``."""
    while n > 0:
        d += timedelta(days=1)
        n -= is_working_day(d, country)
    return d


def working_day_calendar(first: date, last: date, country: str = DEFAULT_CALENDAR) -> list[tuple[date, bool, date, int]]:
    """(day, is_working_day, next_working_day, working_day_index) for every day in [first, last]: the SQL
    ``calendar`` table. ``working_day_index`` counts the working days from ``first`` up to and including
    the day, so the n-th working day after ``d`` is the working day whose index is ``d``'s plus n."""
    rows = []
    d, index = first, 0
    while d <= last:
        working = is_working_day(d, country)
        index += working
        rows.append((d, working, next_working_day(d, country), index))
        d += timedelta(days=1)
    return rows
