-- policy §1.4 and §3: privacy tickets no rights request followed.
-- Privacy tickets created in the quarter, with an account, that no rights request from the
-- same account followed: none received (local date, on or before $as_of) on the ticket's
-- creation date or within $missed_request_window_days days after it. Keys are pseudonymous.
-- window_open: the window runs past $as_of, so a request may still come.
WITH privacy_tickets AS (
    -- created in the quarter (support_evaluated's in_quarter), in the privacy category, with an account
    SELECT ticket_id, trim(account_id) AS account_id, channel, created_on
    FROM support_evaluated
    WHERE in_quarter AND is_privacy AND trim(account_id) <> ''
),
requests AS (
    SELECT trim(account_id) AS account_id, local_date(received_at) AS received_on
    FROM rights_requests
    WHERE local_date(received_at) <= $as_of
      AND trim(account_id) <> ''
),
followed AS (
    SELECT DISTINCT t.ticket_id
    FROM privacy_tickets AS t
    JOIN requests AS r
        ON r.account_id = t.account_id
       AND r.received_on >= t.created_on
       AND r.received_on <= t.created_on + $missed_request_window_days
)
SELECT
    pseudonym(t.ticket_id, $pseudonym_salt) AS ticket_key,
    pseudonym(t.account_id, $pseudonym_salt) AS account_key,
    t.channel,
    t.created_on,
    t.created_on + $missed_request_window_days AS window_ends,
    t.created_on + $missed_request_window_days > $as_of AS window_open
FROM privacy_tickets AS t
LEFT JOIN followed AS f ON f.ticket_id = t.ticket_id
WHERE f.ticket_id IS NULL
ORDER BY t.created_on, ticket_key
