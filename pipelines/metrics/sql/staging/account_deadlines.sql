-- contract §3 "Inactivity cohorts", policy §1.1: each account's last activity and erasure deadline.
-- Every account that exists at as_of, with its last activity and erasure deadline (contract §3, policy §1.1).
-- A model: inactivity and retention queries read it by name (`FROM account_deadlines`).
WITH sessions_as_of AS (
    -- a session dated after as_of does not exist yet (reading 8); as_of_end is the first instant after as_of, local time
    SELECT account_id, max(started_at) AS last_session_at
    FROM sessions
    WHERE started_at < $as_of_end
    GROUP BY account_id
),
accounts_as_of AS (
    SELECT
        account_id,
        created_at,
        local_date(created_at) AS created_on,
        -- erased only by an erasure on or before as_of, of an account that exists by then (reading 19)
        CASE WHEN local_date(erased_at) <= $as_of THEN local_date(erased_at) END AS erased_on,
        coalesce(legal_hold, false) AS legal_hold,
        CASE WHEN last_login_at < $as_of_end THEN last_login_at END AS last_login_at
    FROM accounts
    WHERE local_date(created_at) <= $as_of
),
last_activity AS (
    SELECT
        a.*,
        -- the latest of session start and last login; with neither, creation
        last_activity_on(s.last_session_at, a.last_login_at, a.created_at) AS last_activity_on
    FROM accounts_as_of AS a
    LEFT JOIN sessions_as_of AS s ON s.account_id = a.account_id
)
SELECT
    account_id,
    created_on,
    erased_on,
    erased_on IS NOT NULL AS erased,
    legal_hold,
    last_activity_on,
    erasure_deadline(last_activity_on, $account_months) AS erasure_deadline,
    whole_months(last_activity_on, CAST($as_of AS DATE)) AS months_inactive
FROM last_activity
