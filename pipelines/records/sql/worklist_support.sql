-- Support tickets held past their deadline (category `support`, period in the policy file), the most overdue
-- first; account_id is empty for a ticket without an account.
-- Rows of `retention_breach_rows` (retention.breaches.support).
SELECT
    row_id AS ticket_id,
    account_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'support'
ORDER BY days_overdue DESC, ticket_id
