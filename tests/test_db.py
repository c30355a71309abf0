"""The SQL macros agree with pipelines.dates, the one definition of the calendar rules."""

from datetime import date, datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db as dbmod
from pipelines.dates import add_months, local_date, whole_months

CON = dbmod.connect()
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=-240, max_value=240))
def test_add_months_macro_matches_python(d, n):
    assert CON.execute("SELECT add_months(?, ?)", [d, n]).fetchone()[0] == add_months(d, n)


@settings(max_examples=300, deadline=None)
@given(d=dates, e=dates)
def test_whole_months_macro_matches_python(d, e):
    assert CON.execute("SELECT whole_months(?, ?)", [d, e]).fetchone()[0] == whole_months(d, e)


@settings(max_examples=200, deadline=None)
@given(ts=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2050, 1, 1)))
def test_local_date_macro_matches_python(ts):
    aware = ts.replace(tzinfo=timezone.utc)
    assert CON.execute("SELECT local_date(?::TIMESTAMPTZ)", [aware]).fetchone()[0] == local_date(aware)


def test_inactivity_bucket_boundaries():
    got = [CON.execute("SELECT inactivity_bucket(?)", [m]).fetchone()[0] for m in (0, 2, 3, 5, 6, 9, 11, 12, 40)]
    assert got == ["0-3m", "0-3m", "3-6m", "3-6m", "6-9m", "9-12m", "9-12m", "12m+", "12m+"]


def test_unknown_zone_is_refused():
    import pytest

    with pytest.raises(Exception):
        dbmod.connect(zone="Europe/Atlantis'; DROP TABLE x; --")
