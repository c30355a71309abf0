-- contract §3 "Retention breaches": the rows past their deadline that no exception in force exempts.
-- Every row held past its retention deadline that no exception in force exempts: the breaches (contract §3;
-- docs/report.md, "Exceptions"). A model: retention_by_category.sql, retention_oldest_breaches.sql and
-- retention_breach_detail.sql read it, and so does the worklist (pipelines/records/sql/), so the breach counts,
-- the findings, the worklist and the report leave the same excepted records out.
-- The rule itself, with every column's meaning, is `retention_past_deadline_rows`.
SELECT
    category,
    rule,
    subject_id,
    deadline,
    days_overdue,
    source_table,
    row_id,
    account_id,
    exception_expired_on,
    exception_pending_from
FROM retention_past_deadline_rows
WHERE NOT excepted AND NOT held
