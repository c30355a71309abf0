"""The SQL macros agree with pipelines.dates and pipelines.contract, the one definition of each rule;
the SQL runner builds the models a query reads, in order."""

import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db as dbmod
from pipelines.contract import (
    CHANNELS,
    INACTIVITY_BUCKETS,
    REQUEST_CHANNELS,
    RIGHTS,
    TICKET_CHANNELS,
)
from pipelines.dates import add_months, local_date, whole_months
from tests.conftest import legal_deadline

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
    aware = ts.replace(tzinfo=UTC)
    assert CON.execute("SELECT local_date(?::TIMESTAMPTZ)", [aware]).fetchone()[0] == local_date(aware)


def test_inactivity_bucket_boundaries():
    got = [CON.execute("SELECT inactivity_bucket(?)", [m]).fetchall()[0][0] for m in (0, 2, 3, 5, 6, 9, 11, 12, 40)]
    assert got == ["0-3m", "0-3m", "3-6m", "3-6m", "6-9m", "9-12m", "9-12m", "12m+", "12m+"]


def test_unknown_zone_is_refused():
    with pytest.raises((ValueError, KeyError)):  # ZoneInfoNotFoundError is a KeyError
        dbmod.connect(zone="Europe/Atlantis'; DROP TABLE x; --")


def one(sql, *params):
    return CON.execute(sql, list(params)).fetchall()[0][0]


@pytest.mark.parametrize(
    "given_, expected",
    [(" Email ", "email"), ("LIVE_CHAT", "live_chat"), ("help_center", "help_center"), ("Phone", "other"), (None, "other")],
)
def test_a_channel_is_trimmed_and_lower_cased_else_other(given_, expected):
    assert one("SELECT normal_channel(?)", given_) == expected


@pytest.mark.parametrize(
    "given_, expected",
    [
        (" Access", "access"),
        ("Consent Withdrawal", "consent_withdrawal"),
        ("consent-withdrawal", "consent_withdrawal"),
        ("ERASURE ", "erasure"),
        # unknown: 'other', never its own name (docs/contract.md, "Only declared values")
        ("Right to be forgotten", "other"),
        ("other", "other"),
    ],
)
def test_a_right_is_trimmed_and_lower_cased_with_spaces_for_underscores(given_, expected):
    assert one("SELECT normal_right(?)", given_) == expected


def test_an_unknown_rights_code_is_its_compared_form():
    # what rights_evaluated.sql counts the distinct undeclared rights by (reading 17's comparison)
    assert one("SELECT right_code(?)", " Right to-be Forgotten") == "right_to_be_forgotten"


def test_the_channel_and_right_lists_come_from_the_contract():
    assert CON.sql("SELECT channel FROM channels() ORDER BY position").fetchall() == [
        (c,) for c in (*TICKET_CHANNELS, "other")
    ]
    assert CON.sql('SELECT "right" FROM rights() ORDER BY position').fetchall() == [(r,) for r in RIGHTS]
    # one channel macro serves tickets and rights requests: the contract's two lists agree
    assert set(REQUEST_CHANNELS) == {*TICKET_CHANNELS, "other"}


def test_rights_due_applies_the_valid_extension_rule_over_working_days():
    con = dbmod.connect()
    dbmod.install_calendar(con, date(2024, 1, 1), date(2025, 3, 31))
    start = date(2024, 9, 1)
    first, extended = legal_deadline(start, 1), legal_deadline(start, 3)
    # 1 October is a Tuesday; 1 December a Sunday, rolled to Monday 2 December
    assert (first, extended) == (date(2024, 10, 1), date(2024, 12, 2))
    cases = {
        None: ("none", first),
        first: ("valid", extended),  # notified on the last day of the first period
        first + timedelta(days=1): ("invalid", first),
    }
    for notified, expected in cases.items():
        got = con.execute(
            "SELECT rights_extension(?, ?, 1), rights_due(?, ?, 1, 3)", [start, notified, start, notified]
        ).fetchall()[0]
        assert got == expected, notified
    con.close()


@settings(max_examples=100, deadline=None)
@given(d=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), months=st.integers(0, 3))
def test_legal_deadline_macro_matches_python(d, months):
    assert CAL.execute("SELECT legal_deadline(?, ?)", [d, months]).fetchall()[0][0] == legal_deadline(d, months)


CAL = dbmod.connect()
dbmod.install_calendar(CAL, date(2020, 1, 1), date(2031, 6, 30))


# --- the SQL runner -------------------------------------------------------------


@pytest.fixture
def sql_package(tmp_path, monkeypatch):
    """A package ``sqlpkg`` whose sql/ folder holds the given files."""
    folder = tmp_path / "sqlpkg" / "sql"
    folder.mkdir(parents=True)
    (tmp_path / "sqlpkg" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sqlpkg", raising=False)  # each test its own folder

    def write(**files):
        for name, text in files.items():
            (folder / f"{name}.sql").write_text(text, encoding="utf-8")
        return "sqlpkg"

    return write


def test_a_query_reads_earlier_models_by_name_built_once_in_order(sql_package):
    package = sql_package(
        base="-- a model\nSELECT range AS n FROM range($top)",
        doubled="SELECT n * 2 AS n FROM base",
        total="SELECT sum(d.n) AS s, count(*) AS c FROM doubled AS d JOIN base AS b ON b.n * 2 = d.n",
        lonely="SELECT 1 AS one FROM (VALUES (1)) AS v (x) -- FROM base: a comment is no read",
    )
    assert dbmod.build_order(package, ["total"]) == ["base", "doubled"]
    assert dbmod.build_order(package, ["lonely"]) == []
    con = dbmod.connect()
    frames = dbmod.query_all(con, ["total", "doubled", "lonely"], package=package, top=4, unused=1)
    assert frames["total"].row(0) == (12, 4)  # 0 + 2 + 4 + 6
    assert frames["doubled"]["n"].to_list() == [0, 2, 4, 6]  # a model asked for is read from its table
    # the models stay as TEMP tables; a new call with other parameters rebuilds them
    assert dbmod.query(con, "total", package=package, top=2).row(0) == (2, 2)
    assert con.sql("SELECT count(*) FROM base").fetchall() == [(2,)]
    con.close()


def test_models_that_read_each_other_are_refused(sql_package):
    package = sql_package(a="SELECT * FROM b", b="SELECT * FROM a")
    with pytest.raises(ValueError, match="cycle: a -> b -> a"):
        dbmod.build_order(package, ["a"])


def test_only_the_parameters_a_statement_uses_are_bound():
    sql = "SELECT $as_of, $as_of_end -- $salt"
    assert dbmod.used_params(sql, {"as_of": 1, "as_of_end": 2, "salt": 3}) == {"as_of": 1, "as_of_end": 2}


def test_macro_files_define_every_macro_with_the_contracts_lists():
    statements = dbmod.macro_statements(dbmod.CONNECTION_MACROS) + dbmod.macro_statements(dbmod.DEADLINE_MACROS)
    assert all(s.startswith("CREATE OR REPLACE TEMP MACRO ") for s in statements)
    assert not any("{{" in s or "--" in s for s in statements)
    assert [CON.execute("SELECT inactivity_bucket(?)", [m]).fetchall()[0][0] for m in (0, 3, 6, 9, 12, 40)] == [
        *INACTIVITY_BUCKETS, INACTIVITY_BUCKETS[-1]]
    assert CON.sql("SELECT channel FROM channels() ORDER BY position").fetchall() == [(c,) for c in CHANNELS]


def test_a_macro_file_with_an_unknown_placeholder_is_refused(monkeypatch):
    monkeypatch.setitem(dbmod.MACRO_PLACEHOLDERS, "rights", None)
    monkeypatch.delitem(dbmod.MACRO_PLACEHOLDERS, "rights")
    with pytest.raises(ValueError, match="unknown placeholder"):
        dbmod.macro_statements(dbmod.CONNECTION_MACROS)


def test_models_are_found_by_name_in_staging_and_marts(sql_package, tmp_path):
    package = sql_package(flat="SELECT 1 AS one")
    for folder, name, text in (("staging", "base", "SELECT 2 AS two"), ("marts", "figure", "SELECT two + 1 AS three FROM base")):
        (tmp_path / "sqlpkg" / "sql" / folder).mkdir(exist_ok=True)
        (tmp_path / "sqlpkg" / "sql" / folder / f"{name}.sql").write_text(text, encoding="utf-8")
    assert dbmod.sql_names(package) == {"flat", "base", "figure"}
    assert dbmod.build_order(package, ["figure"]) == ["base"]
    con = dbmod.connect()
    assert dbmod.query(con, "figure", package=package).item() == 3
    con.close()
    (tmp_path / "sqlpkg" / "sql" / "marts" / "base.sql").write_text("SELECT 1", encoding="utf-8")
    with pytest.raises(ValueError, match="two SQL models named 'base'"):
        dbmod.sql_names(package)
