"""Metric SQL on Spark: every file transpiles and gives DuckDB's columns; the macros give DuckDB's values.

The first tests need no Spark (SQLGlot only); the others use the session of conftest.py.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import polars as pl
import pytest

from pipelines import db as dbmod
from pipelines.contract import TABLES
from pipelines.dates import Quarter, add_months
from pipelines.errors import BadInput
from pipelines.metrics import Period, exceptions
from pipelines.metrics.params import sql_params
from pipelines.metrics.rights import install_rights_calendar
from pipelines.policy import load_policy
from pipelines.spark import functions
from pipelines.spark.session import fixed_settings, parse_conf
from pipelines.spark.sql import to_spark
from tests.conftest import build_db

POLICY = load_policy()
Q3 = Period.of(Quarter(2024, 3))
METRIC_SQL = sorted(dbmod.sql_names())


# --- SQLGlot only ---------------------------------------------------------------------


@pytest.mark.parametrize("name", METRIC_SQL)
def test_every_metric_file_transpiles_with_spark_parameters(name):
    sql = re.sub(r"/\*.*?\*/", "", to_spark(dbmod.read_sql(dbmod.SQL_PACKAGE, name)), flags=re.DOTALL)
    assert "$" not in sql  # DuckDB's $name became Spark's :name (comments aside)
    for param in dbmod.used_params(dbmod.read_sql(dbmod.SQL_PACKAGE, name), {k: 0 for k in _param_names()}):
        assert f":{param}" in sql


def _param_names() -> list[str]:
    return list(sql_params(build_db({}), Q3, POLICY))


def test_duckdb_functions_become_spark_functions_with_the_same_figures():
    assert to_spark("SELECT epoch(a) - epoch(b)") == "SELECT (UNIX_MICROS(a) / 1e6) - (UNIX_MICROS(b) / 1e6)"
    assert to_spark("SELECT quantile_cont(h, 0.9)") == "SELECT PERCENTILE(h, 0.9)"
    assert to_spark("SELECT current_setting('TimeZone')") == "SELECT CURRENT_TIMEZONE()"
    assert to_spark('SELECT "right" FROM t WHERE d <= $as_of') == "SELECT `right` FROM t WHERE d <= :as_of"
    # DuckDB sorts NULLs last; Spark first unless told
    assert to_spark("SELECT a FROM t ORDER BY a") == "SELECT a FROM t ORDER BY a NULLS LAST"


def test_every_macro_has_a_spark_function_and_add_months_is_sparks_own():
    statements = functions.connection_functions() + functions.macro_functions(dbmod.DEADLINE_MACROS)
    names = [s.split("FUNCTION ")[1].split("(")[0] for s in statements]
    assert names == [
        "whole_months", "local_date", "last_activity_on", "erasure_deadline", "inactivity_bucket", "normal_channel", "channels", "right_code",
        "normal_right", "rights", "pseudonym", "exception_note", "clock_start", "legal_deadline", "rights_extension",
        "rights_due", "nth_working_day_after",
    ]
    assert functions.spark_function(functions.parse_macro(dbmod.macro_statements()[0])) is None  # add_months
    with pytest.raises(functions.UnknownMacro, match="nameless"):
        functions.spark_function(functions.parse_macro("CREATE OR REPLACE TEMP MACRO nameless(x) AS x + 1"))


def test_every_macro_of_the_sql_files_is_defined_on_both_engines(empty, spark_con):
    sc = spark_con(empty)
    for con in (empty, sc):
        dbmod.install_calendar(con, date(2024, 7, 1), date(2024, 8, 1))
    macros = [functions.parse_macro(m).name for name in (dbmod.CONNECTION_MACROS, dbmod.DEADLINE_MACROS)
              for m in dbmod.macro_statements(name)]
    duck = {r[0] for r in empty.sql("SELECT function_name FROM duckdb_functions() WHERE function_type LIKE '%macro'").fetchall()}
    spark = {r.function for r in sc.spark.sql("SHOW USER FUNCTIONS").collect()} | {"add_months"}
    assert set(macros) <= duck
    assert set(macros) <= {f.split(".")[-1] for f in spark}


def test_conf_items_parse_and_the_zone_cannot_be_overridden():
    assert parse_conf(["spark.executor.memory=4g", "a.b = c=d"]) == {"spark.executor.memory": "4g", "a.b": "c=d"}
    with pytest.raises(BadInput, match="key=value"):
        parse_conf(["spark.executor.memory"])
    with pytest.raises(BadInput, match="spark.sql.session.timeZone"):
        parse_conf(["spark.sql.session.timeZone=UTC"])
    assert fixed_settings("Europe/Brussels")["spark.sql.session.timeZone"] == "Europe/Brussels"


# --- on Spark --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty():
    """A loaded database with every table and no row (tests/conftest.py's, plus the loader's flags and settings)."""
    con = build_db({})
    con.sql("CREATE TABLE load_flags AS " + dbmod.read_sql("pipelines.load", "flags"))  # as the loader does
    con.sql("CREATE TABLE settings (name VARCHAR PRIMARY KEY, value VARCHAR)")
    con.sql("INSERT INTO settings VALUES ('pseudonym_salt', 'test-salt')")
    yield con
    con.close()


def _spark_schema(frame) -> pl.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return pl.from_arrow(to_arrow_schema(frame.schema).empty_table()).schema


def test_every_metric_file_runs_on_spark_with_duckdbs_columns_and_types(empty, spark_con, spark):
    """Analysed by Spark (no job): same column names in the same order, same polars types."""
    sc = spark_con(empty)
    params = sql_params(sc, Q3, POLICY)
    for con in (empty, sc):
        install_rights_calendar(con, params)
        exceptions.ensure(con)  # the empty register the retention models read (docs/report.md, "Exceptions")
        # the models generated from the policy file's rules (pipelines/rules/) are built like the files
        for model in dbmod.build_order(dbmod.SQL_PACKAGE, METRIC_SQL, params["models"]):
            sql = dbmod.read_sql(dbmod.SQL_PACKAGE, model, params["models"])
            con.sql(f"CREATE OR REPLACE TEMP TABLE {model} AS\n{sql}", params=dbmod.used_params(sql, params))
    for name in (*METRIC_SQL, *params["models"]):
        sql = dbmod.read_sql(dbmod.SQL_PACKAGE, name, params["models"])
        used = dbmod.used_params(sql, params)
        expected = empty.sql(sql, params=used).pl().schema
        got = _spark_schema(spark.sql(to_spark(sql), args={k: _spark_value(v) for k, v in used.items()}))
        assert got == expected, name


def _spark_value(value):
    return list(value) if isinstance(value, tuple) else value


CALENDAR_CASES = pl.DataFrame(
    {
        "d": [date(2024, 1, 31), date(2024, 2, 29), date(2023, 8, 31), date(2024, 3, 31), date(1, 1, 1), date(2024, 9, 30)],
        "n": [1, 12, 1, -1, 3, 0],
        "e": [date(2024, 2, 28), date(2025, 2, 28), date(2023, 9, 29), date(2024, 3, 30), date(1, 4, 1), date(2024, 9, 30)],
    },
    schema={"d": pl.Date, "n": pl.Int32, "e": pl.Date},
)

MACRO_QUERY = """
SELECT
    d, n, e,
    add_months(d, n) AS plus_n,
    whole_months(d, e) AS months,
    inactivity_bucket(whole_months(d, e) * 3) AS bucket,
    clock_start(d, e, 'identity_verified') AS start_identity,
    clock_start(d, e, 'received') AS start_received
FROM cases
ORDER BY d
"""


def test_calendar_macros_give_duckdbs_values(empty, spark_con):
    sc = spark_con(empty)
    for con in (empty, sc):
        con.register("cases", CALENDAR_CASES)
    duck, spark = empty.sql(MACRO_QUERY).pl(), sc.sql(MACRO_QUERY).pl()
    empty.unregister("cases")
    assert spark.equals(duck)
    # hand-computed (contract §2): clamped to the month's last day, both ways
    by_day = {r["d"]: r for r in spark.iter_rows(named=True)}
    assert by_day[date(2024, 1, 31)]["plus_n"] == date(2024, 2, 29) == add_months(date(2024, 1, 31), 1)
    assert by_day[date(2024, 2, 29)]["plus_n"] == date(2025, 2, 28)
    assert by_day[date(2023, 8, 31)]["plus_n"] == date(2023, 9, 30)
    assert by_day[date(2024, 3, 31)]["plus_n"] == date(2024, 2, 29)
    assert by_day[date(2024, 1, 31)]["months"] == 0  # 2024-02-28 is before 2024-02-29
    assert by_day[date(2023, 8, 31)]["months"] == 0  # 2023-09-29 is before 2023-09-30


TEXT_QUERY = """
SELECT
    v,
    normal_channel(v) AS channel,
    normal_right(v) AS "right",
    pseudonym(v, 'salt') AS key,
    local_date(CAST('2024-03-30 23:30:00+00:00' AS TIMESTAMPTZ)) AS brussels_day,
    (epoch(CAST('2024-03-31 01:30:00.25+00:00' AS TIMESTAMPTZ)) - epoch(CAST('2024-03-30 22:00:00+00:00' AS TIMESTAMPTZ))) / 3600.0 AS hours
FROM cases
ORDER BY v
"""


def test_text_macros_and_instants_give_duckdbs_values(empty, spark_con):
    sc = spark_con(empty)
    cases = pl.DataFrame({"v": [" Email ", "LIVE_CHAT", "phone", "Consent Withdrawal", "consent-withdrawal", "Access", ""]})
    for con in (empty, sc):
        con.register("cases", cases)
    duck, spark = empty.sql(TEXT_QUERY).pl(), sc.sql(TEXT_QUERY).pl()
    empty.unregister("cases")
    assert spark.equals(duck)
    rows = {r["v"]: r for r in spark.iter_rows(named=True)}
    assert rows[" Email "]["channel"] == "email" and rows["phone"]["channel"] == "other"
    assert rows["Consent Withdrawal"]["right"] == rows["consent-withdrawal"]["right"] == "consent_withdrawal"
    assert rows["Access"]["key"] == hashlib.sha256(b"saltAccess").hexdigest()[:12]
    assert rows["Access"]["brussels_day"] == date(2024, 3, 31)  # 23:30 UTC is 00:30 in Brussels (CET)
    assert rows["Access"]["hours"] == pytest.approx(3.5 + 0.25 / 3600, abs=1e-12)  # fractions of a second kept


def test_rights_deadlines_come_from_the_calendar_table(empty, spark_con):
    sc = spark_con(empty)
    query = """
        SELECT legal_deadline(d, 1) AS deadline, rights_due(d, n, 1, 3) AS due, rights_extension(d, n, 1) AS extension
        FROM (VALUES (DATE '2024-07-05', DATE '2024-08-05'), (DATE '2024-08-31', DATE '2024-10-01'), (DATE '2024-12-01', NULL))
            AS t (d, n)
        ORDER BY d
    """
    for con in (empty, sc):
        dbmod.install_calendar(con, date(2024, 7, 1), date(2025, 4, 1))
    duck, spark = empty.sql(query).pl(), sc.sql(query).pl()
    assert spark.equals(duck)
    # 5 Aug 2024 is a Monday, 5 Oct a Saturday (-> Mon 7 Oct); 30 Sep a Monday (the notice on 1 Oct is late);
    # 1 Jan 2025 a public holiday (-> 2 Jan)
    assert spark.rows() == [
        (date(2024, 8, 5), date(2024, 10, 7), "valid"),
        (date(2024, 9, 30), date(2024, 9, 30), "invalid"),
        (date(2025, 1, 2), date(2025, 1, 2), "none"),
    ]


def test_table_exists_is_answered_from_the_connections_views(empty, spark_con):
    sc = spark_con(empty)
    assert dbmod.table_exists(sc, "accounts") and dbmod.table_exists(sc, "load_tables")
    assert not dbmod.table_exists(sc, "no_such_table")
    columns = sc.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions' AND table_schema = 'main'"
    ).fetchall()
    assert [c for (c,) in columns] == [c.name for c in TABLES["sessions"].columns]


def test_the_history_samples_the_same_accounts_on_both_engines(make_db, spark_con):
    """What a quarter was made from (docs/operations.md): a history recorded by a DuckDB run is looked up by a Spark
    run, so the keyed account sample must be the same SQL's result on both (creation days in the controller's zone,
    an account created at 22:30 UTC on the next Brussels day)."""
    from datetime import datetime, timedelta, timezone

    from pipelines import remediation

    start = datetime(2023, 1, 1, 22, 30, tzinfo=timezone.utc)
    duck = make_db({"accounts": [{"account_id": f"acct-{i}", "created_at": start + timedelta(days=i), "plan": "free",
                                  "status": "active"} for i in range(300)]})
    secret = bytes(range(remediation.KEY_BYTES))
    on_duckdb = remediation.AccountSample(duck, secret, lookup=[], own=True).own
    on_spark = remediation.AccountSample(spark_con(duck), secret, lookup=[on_duckdb], own=True)
    assert len(on_duckdb) == remediation.SAMPLE_ACCOUNTS and on_spark.own == on_duckdb
    assert on_spark.held(on_duckdb) == (remediation.SAMPLE_ACCOUNTS, remediation.SAMPLE_ACCOUNTS)
