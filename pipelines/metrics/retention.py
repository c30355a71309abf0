"""Retention breaches (contract §3; policy §1.1-§1.6, §2.1): personal data still held after its deadline."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.db import query, read_sql, used_params
from pipelines.metrics import FamilyResult, Period
from pipelines.metrics.accounts import materialize_account_deadlines
from pipelines.metrics.params import base_params, is_present
from pipelines.policy import Policy

CATEGORIES = ("account", "logs", "support", "marketing", "analytics", "residual", "payments")
#: the optional table a category needs; absent -> the figure is null (reading 11)
OPTIONAL_SOURCE = {"marketing": "marketing_contacts", "analytics": "web_visits", "payments": "payments"}
PACKAGE = "pipelines.metrics"


def rule_params(policy: Policy) -> dict:
    """The policy file's periods and exceptions as SQL parameters."""
    return {
        "period_months": policy.inactivity_months,
        "exempt_legal_hold": policy.rule("account").exempt_legal_hold,
        "support_months": policy.rule("support").period_months,
        "marketing_months": policy.rule("marketing").period_months,
        "analytics_months": policy.rule("analytics").period_months,
        "payments_months": policy.rule("payments").period_months,
        "residual_grace_days": policy.rule("residual").grace_days,
    }


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy) -> FamilyResult:
    materialize_account_deadlines(con, period, policy)
    params = {**base_params(con, period, policy), **rule_params(policy)}
    breach_rows = read_sql(PACKAGE, "retention_breach_rows")
    con.sql("CREATE OR REPLACE TEMP TABLE breach_rows AS " + breach_rows, params=used_params(breach_rows, params))
    per_category = con.sql(
        "SELECT category, count(*) AS breaches, max(days_overdue) AS oldest_days_overdue"
        " FROM breach_rows GROUP BY category"
    ).pl()
    found = {row["category"]: row for row in per_category.iter_rows(named=True)}
    present = {c: is_present(con, t) for c, t in OPTIONAL_SOURCE.items()}

    def figure(category: str, key: str):
        if not present.get(category, True):
            return None
        return found[category][key] if category in found else (0 if key == "breaches" else None)

    late = query(con, PACKAGE, "retention_late_erasures", **params)
    withdrawn = query(con, PACKAGE, "retention_withdrawn_consent", **params)
    summary = {
        "breaches": {c: figure(c, "breaches") for c in CATEGORIES},
        "oldest_days_overdue": {c: figure(c, "oldest_days_overdue") for c in CATEGORIES},
        "withdrawn_consent_contacted": withdrawn.height if present["marketing"] else None,
        "late_erasures": late.height,
        "late_erasures_max_days": late["days_late"].max() if late.height else None,
        "absent_tables": [t for c, t in OPTIONAL_SOURCE.items() if not present[c]],
    }
    breaches = pl.DataFrame(
        {
            "category": list(CATEGORIES),
            "clause": [policy.rule(c).clause.ref for c in CATEGORIES],
            "breaches": [summary["breaches"][c] for c in CATEGORIES],
            "oldest_days_overdue": [summary["oldest_days_overdue"][c] for c in CATEGORIES],
            "table_present": [present.get(c, True) for c in CATEGORIES],
        },
        schema_overrides={"breaches": pl.Int64, "oldest_days_overdue": pl.Int64},
    )
    detail = con.sql(
        "SELECT category, pseudonym(subject_id, $salt) AS subject_key, count(*) AS rows,"
        " min(deadline) AS deadline, max(days_overdue) AS days_overdue"
        " FROM breach_rows GROUP BY category, subject_id ORDER BY category, days_overdue DESC, subject_key",
        params={"salt": params["pseudonym_salt"]},
    ).pl()
    con.sql("DROP TABLE breach_rows")
    return FamilyResult(
        summary,
        {
            "retention_breaches": breaches,
            "retention_breach_detail": detail,
            "retention_late_erasures": late,
            "retention_withdrawn_consent": withdrawn,
        },
    )
