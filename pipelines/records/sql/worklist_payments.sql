-- Payment records held past the statutory period (category `payments`, period in the policy file), the most
-- overdue first. Rows of `retention_breach_rows` (retention.breaches.payments).
SELECT
    row_id AS payment_id,
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
WHERE category = 'payments'
ORDER BY days_overdue DESC, payment_id
