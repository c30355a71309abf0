-- Marketing contacts held past their deadline (category `marketing`, period in the policy file), the most
-- overdue first; account_id is empty for a contact without an account.
-- Rows of `retention_breach_rows` (retention.breaches.marketing).
SELECT
    row_id AS contact_id,
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
WHERE category = 'marketing'
ORDER BY days_overdue DESC, contact_id
