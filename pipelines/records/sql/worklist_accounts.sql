-- Accounts held past their erasure deadline (retention category `account`, period in the policy file),
-- by the exports' own account_id, the most overdue first. Reads the metric models the report's figure comes from
-- (`retention_breach_rows`, `account_deadlines`), so the rule is written once: its row count is
-- summary.json's retention.breaches.account. Accounts on legal hold are there only when the policy
-- does not exempt them.
SELECT
    d.account_id,
    d.last_activity_on,
    r.deadline AS erasure_deadline,
    r.days_overdue,
    d.legal_hold,
    exception_note(r.exception_expired_on, r.exception_pending_from) AS exception  -- docs/report.md, "Exceptions"
FROM retention_breach_rows AS r
JOIN account_deadlines AS d ON d.account_id = r.row_id
WHERE r.category = 'account'
ORDER BY r.days_overdue DESC, d.account_id
