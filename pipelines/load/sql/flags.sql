-- Loaded rows that are flagged: orphans and impossible orders (contract §1, §5 readings 3, 4, 12, 15).
-- They stay loaded (they count in rows_loaded); each metric keeps them out of the figures they would distort.
WITH known_accounts AS (
    SELECT account_id FROM accounts
),
session_flags AS (
    SELECT 'sessions' AS table_name, 'orphan: account unknown' AS flag, count(*) AS rows
    FROM sessions WHERE account_id NOT IN (SELECT account_id FROM known_accounts)
    UNION ALL
    SELECT 'sessions', 'impossible order: ended before started', count(*)
    FROM sessions WHERE ended_at < started_at
),
ticket_flags AS (
    SELECT 'support_tickets' AS table_name, 'orphan: account unknown' AS flag, count(*) AS rows
    FROM support_tickets
    WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT account_id FROM known_accounts)
    UNION ALL
    SELECT 'support_tickets', 'impossible order: first response before creation', count(*)
    FROM support_tickets WHERE first_response_at < created_at
    UNION ALL
    SELECT 'support_tickets', 'impossible order: resolved before creation', count(*)
    FROM support_tickets WHERE resolved_at < created_at
),
request_flags AS (
    SELECT 'rights_requests' AS table_name, 'impossible order: completed before received' AS flag, count(*) AS rows
    FROM rights_requests WHERE completed_at < received_at
    UNION ALL
    SELECT 'rights_requests', 'value outside the contract: right', count(*)
    FROM rights_requests
    -- reading 17 (docs/contract.md): ` Access` is access; only a right outside the contract's list is flagged
    WHERE normal_right("right") NOT IN (SELECT "right" FROM rights())
),
account_flags AS (
    SELECT 'accounts' AS table_name, 'impossible order: erased before created' AS flag, count(*) AS rows
    FROM accounts WHERE erased_at < created_at
    UNION ALL
    SELECT 'accounts', 'status deleted/anonymized without erased_at', count(*)
    FROM accounts WHERE status IN ('deleted', 'anonymized') AND erased_at IS NULL
),
other_flags AS (
    SELECT 'marketing_contacts' AS table_name, 'orphan: account unknown' AS flag, count(*) AS rows
    FROM marketing_contacts
    WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT account_id FROM known_accounts)
    UNION ALL
    SELECT 'web_visits', 'orphan: account unknown', count(*)
    FROM web_visits
    WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT account_id FROM known_accounts)
    UNION ALL
    SELECT 'payments', 'orphan: account unknown', count(*)
    FROM payments WHERE account_id NOT IN (SELECT account_id FROM known_accounts)
),
all_flags AS (
    SELECT * FROM session_flags
    UNION ALL SELECT * FROM ticket_flags
    UNION ALL SELECT * FROM request_flags
    UNION ALL SELECT * FROM account_flags
    UNION ALL SELECT * FROM other_flags
)
SELECT table_name, flag, rows FROM all_flags WHERE rows > 0 ORDER BY table_name, flag
