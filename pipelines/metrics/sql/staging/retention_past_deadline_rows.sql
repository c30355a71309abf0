-- contract §3 "Retention breaches", the policy file's retention rules: every row held past its deadline.
-- The rows themselves come from `retention_rule_rows`, the model generated from the policy file's rules
-- (pipelines/rules/, docs/policy-file.md): one row per record still holding what its rule's action removes
-- after the rule's deadline (deadline < as_of), with its rule, figure (`category`), subject, deadline, table,
-- own id (`row_id`) and account. Readings 12, 19 and 20 (an erased account's row is
-- judged against its own rule first; `residual` only when that deadline has not passed) are the rules' scopes
-- and `yields_to`; reading 21 (legal hold exempts every row of the account) is each rule's `exempt`.
-- Here each row is matched with what exempts it:
--   held      the account is on legal hold and the rule exempts legal hold: never a breach;
--   excepted  an exception of the register in force names the row (category and own id; docs/report.md,
--             "Exceptions") and the rule admits the register; a row whose exceptions all expired names the
--             latest expiry (`exception_expired_on`), one whose exception is approved after as_of its approval
--             (`exception_pending_from`), so the worklist can flag them.
-- `retention_breach_rows` keeps the rows neither held nor excepted (the breaches).
WITH record_exceptions AS (
    -- per record, what the register says of it at as_of (invalid rows say nothing)
    SELECT
        category,
        id,
        bool_or(status = 'applied') AS in_force,
        max(CASE WHEN status = 'expired' THEN expires_on END) AS expired_on,
        min(CASE WHEN status = 'pending' THEN approved_on END) AS pending_from
    FROM exceptions_evaluated
    WHERE status <> 'invalid'
    GROUP BY category, id
),
matched AS (
    SELECT
        c.*,
        c.register_applies AND coalesce(e.in_force, false) AS in_force,
        CASE WHEN c.register_applies THEN e.expired_on END AS expired_on,
        CASE WHEN c.register_applies THEN e.pending_from END AS pending_from
    FROM retention_rule_rows AS c
    LEFT JOIN record_exceptions AS e ON e.category = c.category AND e.id = c.row_id
)
SELECT
    category,
    rule,
    subject_id,
    deadline,
    date_diff('day', deadline, CAST($as_of AS DATE)) AS days_overdue,
    source_table,
    row_id,
    account_id,
    held,
    NOT held AND in_force AS excepted,
    CASE WHEN NOT in_force THEN expired_on END AS exception_expired_on,
    CASE WHEN NOT in_force THEN pending_from END AS exception_pending_from
FROM matched
