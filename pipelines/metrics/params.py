"""The SQL parameters of every metric query: one vocabulary, one place (sql/README.md lists them).

Every family binds the same dictionary; :func:`pipelines.db.query_all` gives each
statement only the parameters it uses. A parameter is named after the policy
attribute or period date it carries.
"""

from __future__ import annotations

import duckdb

from pipelines.dates import end_of_local_day, quarter_ends
from pipelines.metrics import Period
from pipelines.metrics.pseudonym import salt
from pipelines.policy import Policy
from pipelines.rules import models as rule_models

#: the trends (inactivity buckets, retention, rights on-time rate) cover eight quarters
TREND_QUARTERS = 8
#: the few rows named by key that a results table may hold per category or status (the oldest
#: breaches, the first open requests): the report holds aggregates, not a worklist
OLDEST_PER_CATEGORY = 10


def sql_params(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> dict:
    """The period's dates, the database's pseudonym salt and the policy's rules, as SQL parameters, and
    (``models``) the models generated from the policy's retention rules, which ``query_all`` builds like
    the SQL files (pipelines/rules/)."""
    return {
        "models": rule_models(policy),
        # the period (contract §2)
        "as_of": period.as_of,
        # the first instant after as_of's local day: `ts < $as_of_end` means "on or before as_of"
        # by local date, without converting every row
        "as_of_end": end_of_local_day(period.as_of, policy.zone),
        "quarter_start": period.start,
        "quarter_ends": quarter_ends(period.as_of, TREND_QUARTERS),
        # the first instant after each quarter end's local day, in the same order (as as_of_end)
        "quarter_ends_end": [end_of_local_day(e, policy.zone) for e in quarter_ends(period.as_of, TREND_QUARTERS)],
        "trend_start": period.quarter.shift(-(TREND_QUARTERS - 1)).start,
        "pseudonym_salt": salt(con),
        "oldest_per_category": OLDEST_PER_CATEGORY,
        # the inactivity rule's period (account_deadlines: the account's erasure deadline); the retention rules
        # themselves are SQL generated from the policy file (pipelines/rules/, docs/policy-file.md)
        "account_months": policy.inactivity_months,
        # whether the inactivity rule exempts an account on legal hold (the eight-quarter trend of accounts past it)
        "exempt_legal_hold": policy.inactivity is None or "legal_hold" in policy.inactivity.exempt,
        "due_soon_days": policy.due_soon_days,
        # support (policy §1.4)
        "privacy_category": policy.privacy_category,
        # the declared ticket categories, the privacy category among them: any other is 'other'
        # (docs/contract.md, "Only declared values")
        "support_categories": list(policy.declared_categories),
        "missed_request_window_days": policy.missed_request_window_days,
        "response_working_days": policy.response_working_days,
        # rights (policy §3, GDPR Art. 12(3))
        "clock_start": policy.clock_start,
        "deadline_months": policy.deadline_months,
        "extended_deadline_months": policy.extended_deadline_months,
        # the country whose weekends and public holidays are not working days for the rights deadlines (the rule's
        # `calendar`; the Python side installs the `calendar` table with it, SQL never reads it)
        "rights_calendar": policy.rights_calendar,
        # a consent withdrawal's standard (contract §5 reading 23): completed within this many working days after
        # the day of receipt, over the `calendar` table (macro nth_working_day_after)
        "consent_withdrawal_working_days": policy.consent_withdrawal_working_days,
    }


def is_present(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether an (optional) table was exported; a database without ``load_tables`` has them all."""
    from pipelines.db import scalar, table_exists

    if not table_exists(con, "load_tables"):
        return True
    return bool(scalar(con, "SELECT present FROM load_tables WHERE table_name = ?", [table]))


def columns_absent(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``table.column`` of every optional contract column missing from the header of an exported table, in
    contract order; a database loaded before the loader recorded headers (no ``load_columns``) lacks none."""
    from pipelines.contract import TABLES
    from pipelines.db import table_exists

    if not table_exists(con, "load_columns"):
        return []
    held = set(con.execute("SELECT table_name, column_name FROM load_columns").fetchall())
    return [f"{name}.{column.name}" for name, table in TABLES.items() if is_present(con, name)
            for column in table.columns if not column.required and (name, column.name) not in held]
