-- Marketing contacts held past their deadline (category `marketing`, period in the policy file), the most
-- overdue first; account_id is empty for a contact without an account.
-- Rows of `retention_breach_rows` (retention.breaches.marketing).
SELECT
    row_id AS contact_id,
    account_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'marketing'
ORDER BY days_overdue DESC, contact_id
