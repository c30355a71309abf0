-- contract §3 "Retention breaches", policy §1.1-§1.6, §2.1: every row held past its deadline.
-- Every row of personal data still held at as_of past its retention deadline, one category per row
-- (contract §3, retention breaches): deadline < as_of. Each category's deadline is applied here, from the
-- anchor and period its [[retention]] rule states in the policy file (docs/design.md, "Where each rule lives";
-- the account rule's deadline is `account_deadlines`'s erasure_deadline, the anchor of logs and support). A model:
-- `retention_breach_rows` keeps the rows no exception in force exempts (the breaches), `retention_excepted`
-- counts the others (docs/report.md, "Exceptions").
-- Rows of an erased account count only under `residual` (reading 9); a ticket or marketing row whose
-- account is unknown is kept out (reading 12); legal hold exempts only `account` (reading 10).
-- Each row also names where it is: its table, its own id (`row_id`) and its account (NULL when it has
-- none), the real ids the worklist needs (pipelines/records/). The report's queries read only the
-- category, subject, deadline and days overdue, and name subjects under a pseudonymous key: they bind
-- $row_ids = false, which leaves the ids of sessions, web visits and payments NULL, so that 20 million
-- session ids are not read for a count (about a second per quarter at 1M accounts). A register of
-- exceptions with any row makes $row_ids true (pipelines/metrics/params.py): an exception names a row by id.
-- The register (`exceptions_evaluated`) is matched on category and own id (for `residual`, the id in any of
-- its tables): a row with an exception in force is `excepted`; one whose exceptions all expired names the
-- latest expiry (`exception_expired_on`), one whose exception is approved after as_of its approval
-- (`exception_pending_from`), so the worklist can flag them.
WITH account_state AS (
    -- every known account, erased or not as of as_of; an account created after as_of is not
    -- erased yet whatever its erased_at says (reading 19): account_deadlines holds the rule
    SELECT a.account_id, d.erased_on
    FROM accounts AS a
    LEFT JOIN account_deadlines AS d ON d.account_id = a.account_id
),
account_rows AS (
    SELECT
        'account' AS category, account_id AS subject_id, erasure_deadline AS deadline,
        'accounts' AS source_table, account_id AS row_id, account_id
    FROM account_deadlines
    WHERE NOT erased AND NOT (legal_hold AND $exempt_legal_hold)
),
log_rows AS (
    -- §1.6 log files: sessions still holding an IP address or device id
    SELECT
        CASE WHEN $row_ids THEN s.session_id END AS session_id, s.account_id, d.erased, d.erased_on, d.erasure_deadline
    FROM sessions AS s
    JOIN account_deadlines AS d ON d.account_id = s.account_id
    WHERE s.started_at < $as_of_end
      AND (s.ip_address IS NOT NULL OR s.device_id IS NOT NULL)
),
ticket_rows AS (
    SELECT
        t.ticket_id,
        t.account_id,
        d.erased,
        d.erased_on,
        d.erasure_deadline,
        local_date(CASE WHEN t.resolved_at < $as_of_end THEN t.resolved_at ELSE t.created_at END) AS closed_on
    FROM support_tickets AS t
    LEFT JOIN account_deadlines AS d ON d.account_id = t.account_id
    WHERE t.created_at < $as_of_end
      AND (t.anonymized_at IS NULL OR t.anonymized_at >= $as_of_end)
      -- a ticket whose account is unknown (or does not exist yet) is kept out
      AND (t.account_id IS NULL OR d.account_id IS NOT NULL)
),
marketing_rows AS (
    SELECT m.contact_id, m.account_id, a.erased_on, local_date(m.last_communication_at) AS last_communication_on
    FROM marketing_contacts AS m
    LEFT JOIN account_state AS a ON a.account_id = m.account_id
    WHERE m.last_communication_at < $as_of_end
      AND (m.account_id IS NULL OR a.account_id IS NOT NULL)
),
visits_as_of AS (
    SELECT
        CASE WHEN $row_ids THEN v.visit_id END AS visit_id,
        v.visitor_id,
        v.account_id,
        a.erased_on,
        max(local_date(v.visited_at)) OVER (PARTITION BY v.visitor_id) AS last_visit_on
    FROM web_visits AS v
    LEFT JOIN account_state AS a ON a.account_id = v.account_id
    WHERE v.visited_at < $as_of_end
),
residual_rows AS (
    -- an erased account's other rows: the erasure plus a grace period to purge them
    SELECT
        'residual' AS category, account_id AS subject_id, erased_on + $residual_grace_days AS deadline,
        'sessions' AS source_table, session_id AS row_id, account_id
    FROM log_rows WHERE erased
    UNION ALL
    SELECT 'residual', account_id, erased_on + $residual_grace_days, 'support_tickets', ticket_id, account_id
    FROM ticket_rows WHERE erased
    UNION ALL
    SELECT 'residual', account_id, erased_on + $residual_grace_days, 'marketing_contacts', contact_id, account_id
    FROM marketing_rows WHERE erased_on IS NOT NULL
    UNION ALL
    SELECT 'residual', visitor_id, erased_on + $residual_grace_days, 'web_visits', visit_id, account_id
    FROM visits_as_of WHERE erased_on IS NOT NULL
),
categorised AS (
    SELECT * FROM account_rows
    UNION ALL
    -- logs (policy §1.6): $logs_months after the account's erasure deadline
    SELECT 'logs', account_id, add_months(erasure_deadline, $logs_months), 'sessions', session_id, account_id
    FROM log_rows WHERE NOT erased
    UNION ALL
    -- support (policy §1.4): $support_months after the account's erasure deadline; a ticket without an
    -- account $support_months_without_account after its resolution (or creation: closed_on)
    SELECT
        'support',
        coalesce(account_id, ticket_id),
        CASE WHEN account_id IS NULL THEN add_months(closed_on, $support_months_without_account)
             ELSE add_months(erasure_deadline, $support_months) END,
        'support_tickets',
        ticket_id,
        account_id
    FROM ticket_rows
    WHERE account_id IS NULL OR NOT erased
    UNION ALL
    SELECT
        'marketing', coalesce(account_id, contact_id), add_months(last_communication_on, $marketing_months),
        'marketing_contacts', contact_id, account_id
    FROM marketing_rows WHERE erased_on IS NULL
    UNION ALL
    SELECT
        'analytics', visitor_id, add_months(last_visit_on, $analytics_months), 'web_visits', visit_id, account_id
    FROM visits_as_of WHERE erased_on IS NULL
    UNION ALL
    SELECT * FROM residual_rows
    UNION ALL
    -- §1.3: kept from 1 January of the year after payment for the statutory period
    SELECT
        'payments', account_id, add_months(make_date(year(local_date(paid_at)) + 1, 1, 1), $payments_months),
        'payments', CASE WHEN $row_ids THEN payment_id END, account_id
    FROM payments WHERE paid_at < $as_of_end
),
past_deadline AS (
    SELECT * FROM categorised WHERE deadline < CAST($as_of AS DATE)
),
record_exceptions AS (
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
)
SELECT
    c.category,
    c.subject_id,
    c.deadline,
    date_diff('day', c.deadline, CAST($as_of AS DATE)) AS days_overdue,
    c.source_table,
    c.row_id,
    c.account_id,
    coalesce(e.in_force, false) AS excepted,
    CASE WHEN NOT coalesce(e.in_force, false) THEN e.expired_on END AS exception_expired_on,
    CASE WHEN NOT coalesce(e.in_force, false) THEN e.pending_from END AS exception_pending_from
FROM past_deadline AS c
LEFT JOIN record_exceptions AS e ON e.category = c.category AND e.id = c.row_id
