"""Properties every figure keeps, over small generated typed databases (contract §3, readings 5, 7, 8).

The generated exports favour the instants where calendar logic breaks: local
midnights in Europe/Brussels, month and quarter ends, leap days and the clock
changes; they name unknown accounts and accounts created after ``as_of``, and
put timestamps in any order. One DuckDB connection is reused: each example
empties the contract tables and inserts its rows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contract import TABLES
from pipelines.dates import Quarter
from pipelines.db import query
from pipelines.metrics import Period, inactivity, retention, rights, support
from pipelines.metrics.params import sql_params
from pipelines.policy import load_policy
from tests.conftest import build_db

#: hundreds of generated exports, each loaded and computed: left to .ci/run (README, "Two commands")
pytestmark = pytest.mark.slow

ZONE = ZoneInfo("Europe/Brussels")
POLICY = load_policy()
FAMILIES = {
    "inactivity": inactivity,
    "retention": retention,
    "support": support,
    "rights": rights,
}

PERIODS = (
    Period.of(Quarter(2024, 1)),  # as_of 2024-03-31, the spring clock change
    Period.of(Quarter(2024, 3)),  # as_of 2024-09-30
    Period.of(Quarter(2024, 4)),  # as_of 2024-12-31, a year end
    Period.of(Quarter(2024, 3), date(2024, 8, 31)),  # a month end inside the quarter
)
SPECIAL_DAYS = (
    date(2022, 12, 31),
    date(2023, 3, 26),
    date(2023, 6, 30),
    date(2023, 9, 30),
    date(2023, 10, 29),
    date(2023, 12, 31),
    date(2024, 1, 31),
    date(2024, 2, 29),
    date(2024, 3, 30),
    date(2024, 3, 31),
    date(2024, 4, 1),
    date(2024, 6, 30),
    date(2024, 7, 1),
    date(2024, 8, 31),
    date(2024, 9, 1),
    date(2024, 9, 30),
    date(2024, 10, 1),
    date(2024, 10, 27),
    date(2024, 12, 31),
    date(2025, 1, 1),
)
# local midnight and either side of it; 02:30 does not exist on the spring change day
SPECIAL_TIMES = (
    time(0, 0),
    time(0, 30),
    time(2, 30),
    time(12, 0),
    time(23, 30),
    time(23, 59, 59),
)
ACCOUNT_POOL = tuple(
    f"a{i}" for i in range(5)
)  # ids not drawn for an export are unknown accounts


def local_instant(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC)


times = st.one_of(st.sampled_from(SPECIAL_TIMES), st.times())


def around(as_of: date):
    """Days where the figures as of ``as_of`` change: in and just after the reviewed quarter, a year
    and two years back (the 12- and 24-month deadlines), the special days, and anywhere else."""

    def back(lo: int, hi: int):
        return st.integers(lo, hi).map(lambda n: as_of - timedelta(days=n))

    return st.one_of(
        st.sampled_from(SPECIAL_DAYS),
        back(0, 90),
        back(-20, 100),
        back(330, 400),
        back(700, 760),
        st.dates(date(2021, 6, 1), date(2025, 3, 31)),
    )


account_refs = st.sampled_from(ACCOUNT_POOL)
maybe_account = st.one_of(st.none(), account_refs)


def rows_of(strategy, prefix: str, key: str, max_size: int):
    """Up to ``max_size`` rows with unique keys ``prefix0``, ``prefix1``…"""
    return st.lists(strategy, max_size=max_size).map(
        lambda rows: [{key: f"{prefix}{i}", **row} for i, row in enumerate(rows)]
    )


@st.composite
def exports(draw, as_of: date) -> dict[str, list[dict]]:
    fresh = st.builds(local_instant, around(as_of), times)
    # a few instants shared between rows and columns: ties in sort keys, zero durations
    shared = draw(st.lists(fresh, min_size=1, max_size=3))
    instants = st.one_of(st.sampled_from(shared), fresh)
    maybe_instant = st.one_of(st.none(), instants)
    ids = draw(st.lists(account_refs, unique=True, max_size=len(ACCOUNT_POOL)))
    accounts = [
        {
            "account_id": account_id,
            "created_at": draw(instants),
            "plan": "free",
            "status": "active",
            "erased_at": draw(maybe_instant),
            "last_login_at": draw(maybe_instant),
            "legal_hold": draw(st.sampled_from((None, False, True))),
        }
        for account_id in ids
    ]
    ip = st.sampled_from((None, "192.0.2.1"))
    session = st.fixed_dictionaries(
        {
            "account_id": account_refs,
            "started_at": instants,
            "ip_address": ip,
            "device_id": st.sampled_from((None, "d1")),
        }
    )
    ticket = st.fixed_dictionaries(
        {
            "account_id": maybe_account,
            "channel": st.sampled_from(
                ("email", "Email ", " LIVE_CHAT", "help_center", "phone")
            ),
            "category": st.sampled_from(("privacy", "Privacy ", "bug", "billing")),
            "created_at": instants,
            "first_response_at": maybe_instant,
            "resolved_at": maybe_instant,
            "anonymized_at": maybe_instant,
        }
    )
    request = st.fixed_dictionaries(
        {
            "account_id": maybe_account,
            "right": st.sampled_from(
                (
                    "access",
                    "Access",
                    " erasure",
                    "consent withdrawal",
                    "portability",
                    "wish",
                )
            ),
            "channel": st.sampled_from(("email", "Email ", "help_center", "fax")),
            "received_at": instants,
            "identity_verified_at": maybe_instant,
            "extension_notified_at": maybe_instant,
            "completed_at": maybe_instant,
        }
    )
    contact = st.fixed_dictionaries(
        {
            "account_id": maybe_account,
            "consent_withdrawn_at": maybe_instant,
            "last_communication_at": instants,
        }
    )
    visit = st.fixed_dictionaries(
        {
            "visitor_id": st.sampled_from(("v1", "v2", "v3")),
            "account_id": maybe_account,
            "visited_at": instants,
        }
    )
    payment = st.fixed_dictionaries({"account_id": account_refs, "paid_at": instants})
    return {
        "accounts": accounts,
        "sessions": draw(rows_of(session, "s", "session_id", 5)),
        "support_tickets": draw(rows_of(ticket, "t", "ticket_id", 6)),
        "rights_requests": draw(rows_of(request, "r", "request_id", 5)),
        "marketing_contacts": draw(rows_of(contact, "m", "contact_id", 3)),
        "web_visits": draw(rows_of(visit, "v", "visit_id", 4)),
        "payments": draw(rows_of(payment, "p", "payment_id", 2)),
    }


@st.composite
def cases(draw) -> tuple[Period, dict[str, list[dict]]]:
    """A reviewed period and an export around it."""
    period = draw(st.sampled_from(PERIODS))
    return period, draw(exports(period.as_of))


@pytest.fixture(scope="module")
def con():
    connection = build_db({})
    yield connection
    connection.close()


def fill(con, tables: dict[str, list[dict]]) -> None:
    """Replace the contract tables' rows with ``tables`` (in the order given)."""
    for name, spec in TABLES.items():
        con.execute(f"DELETE FROM {name}")
        rows = [[row.get(c) for c in spec.column_names] for row in tables.get(name, [])]
        if rows:
            con.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' for _ in spec.columns)})",
                rows,
            )


def compute(con, tables, period, families=tuple(FAMILIES)):
    fill(con, tables)
    return {name: FAMILIES[name].compute(con, period, POLICY) for name in families}


def assert_same(a: dict, b: dict) -> None:
    """Same summaries and same tables, family by family."""
    for name, result in a.items():
        assert result.summary == b[name].summary, name
        assert result.tables.keys() == b[name].tables.keys()
        for table, frame in result.tables.items():
            assert frame.equals(b[name].tables[table]), (name, table)


def in_unit(x) -> bool:
    return x is None or 0.0 <= x <= 1.0


def ordered(figures: dict) -> bool:
    """median <= p90, both >= 0, both null or neither."""
    m, p = figures["median"], figures["p90"]
    return (m is None and p is None) or (
        m is not None and p is not None and 0 <= m <= p + 1e-9
    )


FAST = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def table_sizes(tables):
    return {name: len(rows) for name, rows in tables.items()}


@settings(FAST, max_examples=50)
@given(case=cases())
def test_inactivity_and_retention_figures_stay_within_their_populations(con, case):
    period, tables = case
    r = compute(con, tables, period, ("inactivity", "retention"))
    n = table_sizes(tables)
    quarter_end = period.as_of == period.quarter.end

    inact = r["inactivity"].summary
    assert sum(inact["buckets"].values()) == inact["population"] <= n["accounts"]
    assert 0 <= inact["due_next_30d"] <= inact["population"]
    assert (
        r["inactivity"].tables["inactivity_cohorts"]["accounts"].sum()
        == inact["population"]
    )
    assert (
        r["inactivity"].tables["inactivity_erasure_pipeline"]["accounts"].sum()
        >= inact["due_next_30d"]
    )
    if quarter_end:  # the trend's last point is the summary itself
        trend = (
            r["inactivity"]
            .tables["inactivity_trend"]
            .filter(pl.col("quarter_end") == period.as_of)
        )
        assert dict(trend.select("bucket", "accounts").iter_rows()) == inact["buckets"]

    ret = r["retention"].summary
    b = ret["breaches"]
    for category, table in (
        ("account", "accounts"),
        ("logs", "sessions"),
        ("support", "support_tickets"),
        ("marketing", "marketing_contacts"),
        ("analytics", "web_visits"),
        ("payments", "payments"),
    ):
        assert 0 <= b[category] <= n[table], category
        assert (ret["oldest_days_overdue"][category] is None) == (b[category] == 0)
        assert b[category] == 0 or ret["oldest_days_overdue"][category] >= 1
    residual_sources = (
        n["sessions"] + n["support_tickets"] + n["marketing_contacts"] + n["web_visits"]
    )
    assert 0 <= b["residual"] <= residual_sources
    # an account breach is a deadline before as_of, so at least 12 whole months inactive
    assert b["account"] <= inact["buckets"]["12m+"]
    assert ret["late_erasures"] <= n["accounts"]
    assert ret["withdrawn_consent_contacted"] <= n["marketing_contacts"]
    # every breaching subject (the database's per-subject list, never a report table) adds up
    detail = query(con, "retention_breach_detail", **sql_params(con, period, POLICY))
    per_category = dict(
        detail.group_by("category").agg(pl.col("rows").sum()).iter_rows()
    )
    assert {c: per_category.get(c, 0) for c in b} == b
    if quarter_end:
        past = (
            r["inactivity"]
            .tables["retention_trend"]
            .filter(pl.col("quarter_end") == period.as_of)
        )
        assert past["accounts_past_deadline"].to_list() == [b["account"]]


@settings(FAST, max_examples=40)
@given(case=cases())
def test_support_figures_stay_within_their_populations(con, case):
    period, tables = case
    r = compute(con, tables, period, ("support",))["support"]
    n = table_sizes(tables)
    sup = r.summary
    assert sup["tickets"] == sum(sup["by_channel"].values()) <= n["support_tickets"]
    assert sup["privacy_tickets"] <= sup["tickets"] and in_unit(sup["privacy_share"])
    assert (sup["privacy_share"] is None) == (sup["tickets"] == 0)
    assert sup["first_response_timed"] + sup["no_first_response"] <= sup["tickets"]
    assert sup["resolution_timed"] <= sup["tickets"]
    assert sup["backlog"] <= n["support_tickets"]
    assert ordered(sup["first_response_hours"]) and ordered(sup["resolution_hours"])
    durations = {
        (x["channel"], x["measure"]): x
        for x in r.tables["support_durations"].iter_rows(named=True)
    }
    assert (
        durations[("all", "first_response")]["tickets"] == sup["first_response_timed"]
    )
    assert durations[("all", "resolution")]["tickets"] == sup["resolution_timed"]
    assert (
        durations[("all", "first_response")]["median_hours"]
        == sup["first_response_hours"]["median"]
    )
    assert (
        durations[("all", "resolution")]["p90_hours"] == sup["resolution_hours"]["p90"]
    )
    hist = (
        r.tables["support_duration_histogram"]
        .group_by("channel", "measure")
        .agg(pl.col("tickets").sum())
    )
    assert {(c, m): t for c, m, t in hist.iter_rows()} == {
        k: v["tickets"] for k, v in durations.items()
    }
    assert r.tables["support_by_channel_month"]["tickets"].sum() == sup["tickets"]
    categories = r.tables["support_by_category"]
    assert categories["tickets"].sum() == sup["tickets"]
    assert all(in_unit(x) for x in categories["share"].to_list())


@settings(FAST, max_examples=40)
@given(case=cases())
def test_rights_figures_stay_within_their_populations(con, case):
    period, tables = case
    r = compute(con, tables, period, ("rights",))["rights"]
    n = table_sizes(tables)
    rig = r.summary
    assert rig["received"] == sum(rig["by_right"].values()) <= n["rights_requests"]
    assert rig["on_time"] <= rig["completed"] <= n["rights_requests"]
    assert in_unit(rig["on_time_rate"]) and (rig["on_time_rate"] is None) == (
        rig["completed"] == 0
    )
    assert rig["completed_before_start"] <= rig["completed"]
    assert rig["extensions"]["valid"] + rig["extensions"]["invalid"] <= rig["received"]
    assert rig["open_overdue"] + rig["open_not_due"] <= n["rights_requests"]
    # reading 23: consent withdrawals count in received and by_right, and in no other Art. 12(3) figure
    withdrawals = rig["consent_withdrawals"]
    assert withdrawals["received"] == rig["by_right"].get("consent_withdrawal", 0)
    assert withdrawals["within_standard"] <= withdrawals["completed"]
    assert rig["completed"] + withdrawals["completed"] <= n["rights_requests"]
    assert rig["open_overdue"] + rig["open_not_due"] + withdrawals["open_past_standard"] <= n["rights_requests"]
    assert ordered(rig["days_to_complete"])
    trend = r.tables["rights_on_time_trend"]
    assert all(in_unit(x) for x in trend["on_time_rate"].to_list())
    last = trend.row(-1, named=True)  # the reviewed quarter, as of as_of
    assert (last["completed"], last["on_time"]) == (rig["completed"], rig["on_time"])


def after(as_of: date):
    """Instants whose local date is after as_of, from the first local midnight on."""
    return st.builds(
        local_instant,
        st.one_of(st.just(1), st.integers(1, 40), st.integers(1, 500)).map(
            lambda n: as_of + timedelta(days=n)
        ),
        st.one_of(st.sampled_from(SPECIAL_TIMES), st.times()),
    )


OPTIONAL_TIMESTAMPS = {
    name: [c.name for c in spec.columns if c.type == "timestamp" and not c.required]
    for name, spec in TABLES.items()
}


@st.composite
def later_events(
    draw, tables: dict[str, list[dict]], as_of: date
) -> dict[str, list[dict]]:
    """``tables`` with events dated after as_of: every empty optional timestamp filled (a response,
    resolution, erasure, completion… that has not happened yet), and new rows that do not exist yet."""
    later = after(as_of)
    out = {}
    for name, rows in tables.items():
        out[name] = [
            {
                **row,
                **{
                    c: draw(later)
                    for c in OPTIONAL_TIMESTAMPS[name]
                    if row.get(c) is None
                },
            }
            for row in rows
        ]
    # new rows: only ids no other row names, so no existing row changes meaning (an account that
    # does not exist yet would turn an unknown account's marketing row into a counted one: reading 19)
    new = draw(exports(as_of))
    for name, rows in new.items():
        spec = TABLES[name]
        for row in rows:
            row = {**row, spec.key: f"late-{row[spec.key]}"}
            if name == "accounts":
                continue
            for c in spec.columns:
                if c.type == "timestamp" and row.get(c.name) is not None:
                    row[c.name] = draw(later)
            out[name].append(row)
    return out


families = st.sampled_from(tuple((name,) for name in FAMILIES))


@settings(FAST, max_examples=60)
@given(data=st.data(), case=cases(), family=families)
def test_events_after_as_of_change_no_figure(con, data, case, family):
    period, tables = case
    before = compute(con, tables, period, family)
    extended = data.draw(later_events(tables, period.as_of))
    assert_same(before, compute(con, extended, period, family))


@settings(FAST, max_examples=40)
@given(case=cases(), family=families, seed=st.integers(0, 2**16))
def test_row_order_changes_no_figure(con, case, family, seed):
    period, tables = case
    before = compute(con, tables, period, family)
    rng = random.Random(seed)
    shuffled = {name: rng.sample(rows, len(rows)) for name, rows in tables.items()}
    assert_same(before, compute(con, shuffled, period, family))
