"""Retention breaches (contract §3; policy §1.1-§1.6, §2.1): personal data still held after its deadline.

``sql/retention_past_deadline_rows.sql`` lists every row held past its deadline (one
category per row, periods from the policy file), ``sql/retention_breach_rows.sql`` those no
exception in force exempts (docs/report.md, "Exceptions"): the breaches; the per-category and
per-subject queries read it by name. The run writes only the few most overdue subjects per
category (``retention_oldest_breaches``); ``sql/retention_breach_detail.sql``, every
breaching subject, is for reading from the database, never for the report.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.contract import OPTIONAL_TABLES
from pipelines.contract import TABLES as TABLES_OF_CONTRACT
from pipelines.db import query_all
from pipelines.metrics import FamilyResult, Period, checked, first_rows
from pipelines.metrics.exceptions import ensure
from pipelines.metrics.params import (
    OLDEST_PER_CATEGORY,
    columns_absent,
    is_present,
    sql_params,
)
from pipelines.policy import Policy

TABLES = {
    "retention_breaches": pl.Schema(
        {
            "category": pl.String,
            "clause": pl.String,
            "breaches": pl.Int64,
            "oldest_days_overdue": pl.Int64,
            "table_present": pl.Boolean,
        }
    ),
    # the few most overdue subjects per category (params.OLDEST_PER_CATEGORY), not every breach
    "retention_oldest_breaches": pl.Schema(
        {
            "category": pl.String,
            "subject_key": pl.String,
            "rows": pl.Int64,
            "deadline": pl.Date,
            "days_overdue": pl.Int64,
        }
    ),
    # the most late of the quarter's late erasures (at most params.OLDEST_PER_CATEGORY)
    "retention_late_erasures": pl.Schema(
        {
            "account_key": pl.String,
            "last_activity_on": pl.Date,
            "erasure_deadline": pl.Date,
            "erased_on": pl.Date,
            "days_late": pl.Int64,
        }
    ),
    # the most recently contacted of the contacts written to after withdrawing consent (at most OLDEST_PER_CATEGORY)
    "retention_withdrawn_consent": pl.Schema(
        {"contact_key": pl.String, "consent_withdrawn_on": pl.Date, "last_communication_on": pl.Date}
    ),
}


def compute(con: duckdb.DuckDBPyConnection, period: Period, policy: Policy, *,
            summary_only: bool = False) -> FamilyResult:
    ensure(con)  # the register of exceptions (empty without one): retention_past_deadline_rows reads it
    frames = query_all(
        con,
        ["retention_by_category", "retention_by_rule", "retention_oldest_breaches", "retention_late_erasures",
         "retention_withdrawn_consent", "retention_excepted", "retention_legal_hold", "retention_rule_scope"],
        **sql_params(con, period, policy),
    )
    found = {row["category"]: row for row in frames["retention_by_category"].iter_rows(named=True)}
    by_rule = {row["rule"]: row for row in frames["retention_by_rule"].iter_rows(named=True)}
    in_scope = dict(frames["retention_rule_scope"].iter_rows())
    figures = policy.figures
    exported = {t: is_present(con, t) for t in TABLES_OF_CONTRACT}  # each asked once
    # reading 11: a figure whose every table was not exported is null (an optional table left out); so is one
    # whose rules no export can test (not auditable, or no period stated: docs/policy-file.md)
    absent_columns = set(columns_absent(con))
    # a rule reading a column its export lacks is not assessable (docs/contract.md, "Optional columns"): no count
    judged = {r.id: any(exported[t] for t in r.tables)
              and not any(absent_columns.issuperset(group) for group in policy.columns_read(r))
              for r in policy.retention_rules}
    present = {f: any(judged.get(r.id, False) for r in policy.figure_rules(f)) for f in figures}
    marketing_present = exported["marketing_contacts"]

    def figure(category: str, key: str):
        if not present[category]:
            return None
        return found[category][key] if category in found else (0 if key == "breaches" else None)

    def rule_figure(rule, key: str):
        if not judged[rule.id]:
            return None
        return by_rule[rule.id][key] if rule.id in by_rule else (0 if key == "breaches" else None)

    excepted = dict(zip(frames["retention_excepted"]["category"].to_list(),
                        frames["retention_excepted"]["excepted"].to_list(), strict=True))
    late = frames["retention_late_erasures"]
    withdrawn = frames["retention_withdrawn_consent"]
    summary = {
        "breaches": {c: figure(c, "breaches") for c in figures},
        "oldest_days_overdue": {c: figure(c, "oldest_days_overdue") for c in figures},
        # each retention rule's own count (a figure may gather several rules: docs/policy-file.md, "figure")
        # ``in_scope``: the rows the rule applies to at as_of; 0 is "nothing to judge" (pipelines/findings.py)
        "by_rule": {r.id: {"figure": r.figure, "breaches": rule_figure(r, "breaches"),
                           "oldest_days_overdue": rule_figure(r, "oldest_days_overdue"),
                           "in_scope": in_scope.get(r.id, 0) if judged[r.id] else None}
                    for r in policy.retention_rules},
        "withdrawn_consent_contacted": withdrawn.height if marketing_present else None,
        "late_erasures": late.height,
        "late_erasures_max_days": late["days_late"].max() if late.height else None,
        "absent_tables": [t for t in OPTIONAL_TABLES if not exported[t]],
        # records past their deadline that an exception in force exempts: out of `breaches`, counted here
        # (docs/report.md, "Exceptions"); null where the category's table was not exported
        "excepted": {c: excepted.get(c, 0) if present[c] else None for c in figures},
        # accounts past their deadline that legal hold exempts (the other kind of exemption)
        "legal_hold_exempt": frames["retention_legal_hold"]["legal_hold_exempt"][0],
    }
    breaches = pl.DataFrame(
        {
            "category": list(figures),
            "clause": [policy.figure_rules(c)[0].clause for c in figures],
            "breaches": [summary["breaches"][c] for c in figures],
            "oldest_days_overdue": [summary["oldest_days_overdue"][c] for c in figures],
            "table_present": [present[c] for c in figures],
        },
        schema=TABLES["retention_breaches"],
    )
    tables = {
        "retention_breaches": breaches,
        "retention_oldest_breaches": frames["retention_oldest_breaches"],
        "retention_late_erasures": first_rows(late, OLDEST_PER_CATEGORY),
        "retention_withdrawn_consent": first_rows(withdrawn, OLDEST_PER_CATEGORY),
    }
    detail = {"late_erasures": late, "withdrawn_consent": withdrawn}
    return checked(summary, tables, TABLES, detail)
