-- policy §1.1, GDPR Art. 17(3)(e), contract §5 reading 10: accounts past their deadline on legal hold.
-- Accounts past their erasure deadline that legal hold exempts (the other kind of exemption, beside the
-- register: docs/report.md, "Exceptions"): not erased, on legal hold, the policy's account rule exempting it.
-- 0 when the policy does not exempt legal hold (those accounts are then breaches).
SELECT count(*) AS legal_hold_exempt
FROM account_deadlines
WHERE NOT erased AND legal_hold AND $exempt_legal_hold AND erasure_deadline < CAST($as_of AS DATE)
