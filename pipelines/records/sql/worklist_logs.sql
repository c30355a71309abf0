-- Sessions still holding an IP address or device id past their account's erasure deadline (category
-- `logs`), the most overdue first; rows of `retention_breach_rows` (retention.breaches.logs).
SELECT
    row_id AS session_id,
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
WHERE category = 'logs'
ORDER BY days_overdue DESC, account_id, session_id
