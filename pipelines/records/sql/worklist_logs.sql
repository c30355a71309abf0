-- Sessions still holding an IP address or device id past their account's erasure deadline (category
-- `logs`), the most overdue first; rows of `retention_breach_rows` (retention.breaches.logs).
SELECT
    row_id AS session_id,
    account_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'logs'
ORDER BY days_overdue DESC, account_id, session_id
