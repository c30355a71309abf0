-- Support tickets held past their deadline (category `support`, period in the policy file), the most overdue
-- first; account_id is empty for a ticket without an account.
-- Rows of `retention_breach_rows` (retention.breaches.support).
SELECT
    row_id AS ticket_id,
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
WHERE category = 'support'
ORDER BY days_overdue DESC, ticket_id
