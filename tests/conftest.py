"""Shared fixtures: tiny typed databases built inline from rows."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pipelines import db as dbmod
from pipelines.contract import TABLES
from pipelines.dates import add_months, next_working_day

#: fixtures that run notebooks, a browser, JupyterLab or Spark: a test using one is ``slow`` (so are the property tests). The README's test
#: command leaves those to .ci/run (``-m "not slow"``; README, "Two commands")
SLOW_FIXTURES = {"spark", "cluster", "dutch", "dutch_report", "lab"}
#: the report's ``published`` fixture builds a whole report, ``sample_run`` runs the shipped sample and ``explored``
#: the exploration notebook (tests/report/conftest.py); ``printed`` prints one (test_pdf.py)
SLOW_REPORT_FIXTURES = {"published", "printed", "sample_run", "explored"}


def pytest_collection_modifyitems(items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        in_report = "tests/report/" in item.nodeid or item.nodeid.startswith("report/")
        if names & SLOW_FIXTURES or (in_report and names & SLOW_REPORT_FIXTURES):
            item.add_marker(pytest.mark.slow)



def legal_deadline(start: date, months: int) -> date:
    """An independent statement of rights_deadline.sql's ``legal_deadline`` to check the SQL against (GDPR
    Art. 12(3), Regulation 1182/71 art. 3): ``months`` from the start, rolled to the next working day. The
    project counts the deadline in SQL only; this copy lives with the tests."""
    return next_working_day(add_months(start, months))


def utc(text: str) -> datetime:
    """'2024-03-31 22:30' -> an aware UTC datetime (tests write instants in UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def build_db(tables: dict[str, list[dict]], *, absent: tuple[str, ...] = (), zone: str = "Europe/Brussels"):
    """An in-memory database shaped like the loader's output.

    Every contract table exists (typed per the contract); ``absent`` marks
    optional tables as not exported, as the loader does in ``load_tables``.
    Row dicts may omit optional columns (NULL) and give timestamps as
    ``datetime`` or ISO text (offset-less text is UTC).
    """
    con = dbmod.connect(zone=zone)
    con.sql(
        "CREATE TABLE load_tables (table_name VARCHAR, present BOOLEAN, source VARCHAR,"
        " rows_in BIGINT, rows_loaded BIGINT, rows_rejected BIGINT)"
    )
    con.sql(
        "CREATE TABLE quarantine (table_name VARCHAR, source_file VARCHAR, line BIGINT,"
        " column_name VARCHAR, reason VARCHAR, detail VARCHAR, raw VARCHAR)"
    )
    for name, spec in TABLES.items():
        con.sql(spec.ddl())
        rows = tables.get(name, [])
        for row in rows:
            unknown = set(row) - set(spec.column_names)
            assert not unknown, f"{name}: unknown columns {unknown}"
            values = []
            for col in spec.columns:
                v = row.get(col.name)
                if col.type == "timestamp" and isinstance(v, str):
                    v = datetime.fromisoformat(v.replace("Z", "+00:00"))
                    if v.tzinfo is None:
                        v = v.replace(tzinfo=timezone.utc)
                values.append(v)
            placeholders = ", ".join("?" for _ in values)
            con.execute(f"INSERT INTO {name} VALUES ({placeholders})", values)
        present = name not in absent
        con.execute(
            "INSERT INTO load_tables VALUES (?, ?, ?, ?, ?, ?)",
            [name, present, f"{name}.csv" if present else None, len(rows), len(rows), 0],
        )
    return con


@pytest.fixture
def make_db():
    cons = []

    def factory(tables: dict[str, list[dict]], **kwargs):
        con = build_db(tables, **kwargs)
        cons.append(con)
        return con

    yield factory
    for con in cons:
        con.close()


def policy_with(path, old: str, new: str):
    """The shipped policy file with one passage replaced, written to ``path`` beside the policy texts it quotes
    (a test's own policy)."""
    from tests.policy.helpers import replaced, write_policy

    return write_policy(path.parent, replaced(old, new), name=path.name)
