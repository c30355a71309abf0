-- Rows of erased accounts still held after the grace period to purge them (category `residual`, grace days
-- in the policy file), from several tables: each names its table, its own id, its account and (for a web
-- visit) its visitor. The most overdue first. Rows of `retention_breach_rows` (retention.breaches.residual).
SELECT
    source_table AS "table",
    row_id AS id,
    account_id,
    CASE WHEN source_table = 'web_visits' THEN subject_id END AS visitor_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'residual'
ORDER BY days_overdue DESC, "table", id
