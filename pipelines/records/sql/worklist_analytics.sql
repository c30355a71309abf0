-- Web visits held past their visitor's deadline (category `analytics`, period in the policy file), the most
-- overdue first, with the visitor and, when known, the account.
-- Rows of `retention_breach_rows` (retention.breaches.analytics).
SELECT
    row_id AS visit_id,
    subject_id AS visitor_id,
    account_id,
    deadline,
    days_overdue,
    -- an exception of the register that no longer (or not yet) exempts this record (docs/report.md, "Exceptions")
    CASE
        WHEN exception_expired_on IS NOT NULL THEN 'exception expired on ' || CAST(exception_expired_on AS VARCHAR)
        WHEN exception_pending_from IS NOT NULL
            THEN 'exception not in force until ' || CAST(exception_pending_from AS VARCHAR)
    END AS exception
FROM retention_breach_rows
WHERE category = 'analytics'
ORDER BY days_overdue DESC, visitor_id, visit_id
