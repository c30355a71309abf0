-- Web visits held past their visitor's deadline (category `analytics`, period in the policy file), the most
-- overdue first, with the visitor and, when known, the account.
-- Rows of `retention_breach_rows` (retention.breaches.analytics).
SELECT
    row_id AS visit_id,
    subject_id AS visitor_id,
    account_id,
    deadline,
    days_overdue,
    exception_note(exception_expired_on, exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows
WHERE category = 'analytics'
ORDER BY days_overdue DESC, visitor_id, visit_id
