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
    -- an exception of the register that no longer (or not yet) exempts this record (docs/report.md, "Exceptions")
    CASE
        WHEN exception_expired_on IS NOT NULL THEN 'exception expired on ' || CAST(exception_expired_on AS VARCHAR)
        WHEN exception_pending_from IS NOT NULL
            THEN 'exception not in force until ' || CAST(exception_pending_from AS VARCHAR)
    END AS exception
FROM retention_breach_rows
WHERE category = 'residual'
ORDER BY days_overdue DESC, "table", id
