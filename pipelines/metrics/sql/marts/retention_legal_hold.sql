-- contract reading 21, GDPR Art. 17(3)(e): accounts past their deadline that legal hold exempts.
-- Accounts past their erasure deadline that legal hold exempts (the other kind of exemption, beside the
-- register: docs/report.md, "Exceptions"): rows of the `accounts` table past their rule's deadline, on
-- legal hold, whose rule exempts legal hold (a hold exempts every row of the account; this counts accounts).
SELECT count(*) AS legal_hold_exempt
FROM retention_past_deadline_rows
WHERE held AND source_table = 'accounts'
