"""The SQL macros of ``pipelines/metrics/sql/*.sql`` as Spark SQL functions, translated from their DuckDB text.

Each rule is still written once, as a DuckDB macro in ``pipelines/metrics/sql/macros.sql`` (or
``rights_deadline.sql``), read through :func:`pipelines.db.macro_statements`; a macro's body
goes through :mod:`pipelines.spark.sql` into ``CREATE OR REPLACE TEMPORARY FUNCTION
name(...) RETURNS type RETURN body`` (Spark 4 SQL functions, inlined into the plans that
call them). DuckDB's macros are untyped; Spark's functions are typed, so each macro has
its signature here (:data:`SIGNATURES`), and a macro without one is refused rather than
guessed. ``add_months`` is Spark's own: it has the same rule (same day n months later,
clamped to the month's last day; contract §2), checked by tests/spark/test_sql.py.

The working-day calendar is a small table, as on DuckDB (``pipelines.db.install_calendar``
builds it from :func:`pipelines.dates.working_day_calendar`): the engine receives the same
statements and makes it a cached temporary view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines import db as dbmod
from pipelines.spark import sql as sparksql

#: a DuckDB macro definition as pipelines/metrics/sql/macros.sql writes them
MACRO = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(TABLE\s+)?(.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)

#: Spark's built-in function with the macro's rule: not redefined
BUILT_IN = frozenset({"add_months"})

#: macro -> (parameter types in order, return type); the types DuckDB infers for the same calls
SIGNATURES: dict[str, tuple[tuple[str, ...], str]] = {
    "whole_months": (("DATE", "DATE"), "BIGINT"),
    "local_date": (("TIMESTAMP",), "DATE"),
    "last_activity_on": (("TIMESTAMP", "TIMESTAMP", "TIMESTAMP"), "DATE"),
    "erasure_deadline": (("DATE", "INT"), "DATE"),
    "inactivity_bucket": (("BIGINT",), "STRING"),
    "normal_channel": (("STRING",), "STRING"),
    "channels": ((), "TABLE (channel STRING, position INT)"),
    "right_code": (("STRING",), "STRING"),
    "normal_right": (("STRING",), "STRING"),
    "rights": ((), "TABLE (`right` STRING, position INT)"),
    "clock_start": (("DATE", "DATE", "STRING"), "DATE"),
    "pseudonym": (("STRING", "STRING"), "STRING"),
    "exception_note": (("DATE", "DATE"), "STRING"),
    "legal_deadline": (("DATE", "INT"), "DATE"),
    "rights_extension": (("DATE", "DATE", "INT"), "STRING"),
    "rights_due": (("DATE", "DATE", "INT", "INT"), "DATE"),
    "nth_working_day_after": (("DATE", "INT"), "DATE"),
}


class UnknownMacro(ValueError):
    """A DuckDB macro with no Spark signature here (add it to :data:`SIGNATURES`)."""


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    is_table: bool
    body: str  # DuckDB SQL: an expression, or a SELECT for a table macro


def parse_macro(statement: str) -> Macro | None:
    """A ``CREATE OR REPLACE TEMP MACRO`` statement's parts; None for any other statement."""
    m = MACRO.match(statement)
    if not m:
        return None
    params = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
    return Macro(m.group(1).lower(), params, bool(m.group(3)), m.group(4))


def spark_function(macro: Macro) -> str | None:
    """The Spark statement defining ``macro`` (None for a built-in with the same rule)."""
    if macro.name in BUILT_IN:
        return None
    if macro.name not in SIGNATURES:
        raise UnknownMacro(f"SQL macro {macro.name!r} has no Spark signature in pipelines/spark/functions.py")
    types, returns = SIGNATURES[macro.name]
    if len(types) != len(macro.params):
        raise UnknownMacro(f"SQL macro {macro.name!r} takes {len(macro.params)} parameters, its Spark signature {len(types)}")
    body = sparksql.to_spark(macro.body if macro.is_table else f"SELECT {macro.body}")
    if not macro.is_table:
        body = re.sub(r"^SELECT\s+", "", body, count=1)
    params = ", ".join(f"{p} {t}" for p, t in zip(macro.params, types))
    return f"CREATE OR REPLACE TEMPORARY FUNCTION {macro.name}({params}) RETURNS {returns} RETURN {body}"


def connection_functions() -> list[str]:
    """The statements defining every macro ``pipelines.db.connect`` defines, in its order."""
    return macro_functions(dbmod.CONNECTION_MACROS)


def macro_functions(name: str) -> list[str]:
    """The Spark statements defining the macros of ``pipelines/metrics/sql/<name>.sql`` (built-ins left out)."""
    return [s for s in (spark_function(parse_macro(m)) for m in dbmod.macro_statements(name)) if s]
