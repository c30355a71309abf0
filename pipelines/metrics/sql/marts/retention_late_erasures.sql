-- contract §3 "Retention breaches", policy §1.1: accounts erased in the quarter after their deadline.
-- Accounts erased in the quarter after their erasure deadline, with days late (contract §3).
-- Legal hold does not exempt them: it exempts only the account breach category (reading 10).
SELECT
    pseudonym(account_id, $pseudonym_salt) AS account_key,
    last_activity_on,
    erasure_deadline,
    erased_on,
    date_diff('day', erasure_deadline, erased_on) AS days_late
FROM account_deadlines
WHERE erased
  AND erased_on >= CAST($quarter_start AS DATE)
  AND erased_on > erasure_deadline
ORDER BY days_late DESC, account_key
