-- Payment records held past the statutory period (category `payments`, period in the policy file), the most
-- overdue first. Rows of `retention_breach_rows` (retention.breaches.payments).
SELECT
    row_id AS payment_id,
    account_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'payments'
ORDER BY days_overdue DESC, payment_id
