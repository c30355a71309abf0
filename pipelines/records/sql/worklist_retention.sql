-- docs/policy-file.md, contract §3 "Retention breaches": every retention rule's records past their deadline.
-- The rows of `retention_breach_rows` (the breaches: neither held nor excepted), by the exports' own ids: each
-- names its figure (`category`), the rule it breaks (split into one list per rule by pipelines/records/), its
-- table and own id, its account and data subject (a visitor for web visits, the row itself without an account),
-- its deadline and days overdue, and the register's note when an exception expired or is not yet in force. The
-- most overdue first. A list's row count is its rule's figure, retention.by_rule.<id>.breaches (its finding's
-- open_now).
SELECT
    category,
    rule,
    source_table AS "table",
    row_id AS id,
    account_id,
    subject_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
ORDER BY category, days_overdue DESC, "table", id
