-- Bucket counts and accounts past their erasure deadline at each of the last eight quarter ends,
-- in one pass over the sessions (contract §3: "the bucket counts at each of the last eight quarter ends").
WITH quarter_ends AS (
    SELECT CAST(unnest($quarter_ends) AS DATE) AS quarter_end
),
first_end AS (
    SELECT min(quarter_end) AS first_end FROM quarter_ends
),
session_quarters AS (
    -- the latest session per account and quarter; sessions before the first end count at the first end
    SELECT
        s.account_id,
        greatest(
            CAST(date_trunc('quarter', local_date(s.started_at)) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE),
            f.first_end
        ) AS quarter_end,
        max(s.started_at) AS last_session_at
    FROM sessions AS s
    CROSS JOIN first_end AS f
    WHERE s.started_at < $as_of_end
    GROUP BY ALL
),
accounts_at_end AS (
    -- the population at each quarter end: created by then, not erased by then
    SELECT
        a.account_id,
        e.quarter_end,
        a.created_at,
        coalesce(a.legal_hold, false) AS legal_hold,
        CASE WHEN local_date(a.last_login_at) <= e.quarter_end THEN a.last_login_at END AS last_login_at
    FROM accounts AS a
    CROSS JOIN quarter_ends AS e
    WHERE local_date(a.created_at) <= e.quarter_end
      AND (a.erased_at IS NULL OR local_date(a.erased_at) > e.quarter_end)
),
last_session_at_end AS (
    SELECT a.account_id, a.quarter_end, max(s.last_session_at) AS last_session_at
    FROM accounts_at_end AS a
    JOIN session_quarters AS s ON s.account_id = a.account_id AND s.quarter_end <= a.quarter_end
    GROUP BY ALL
),
activity AS (
    SELECT
        a.quarter_end,
        a.legal_hold,
        local_date(coalesce(greatest(l.last_session_at, a.last_login_at), a.created_at)) AS last_activity_on
    FROM accounts_at_end AS a
    LEFT JOIN last_session_at_end AS l ON l.account_id = a.account_id AND l.quarter_end = a.quarter_end
),
bucketed AS (
    SELECT
        quarter_end,
        legal_hold,
        add_months(last_activity_on, $account_months) AS erasure_deadline,
        inactivity_bucket(whole_months(last_activity_on, quarter_end)) AS bucket
    FROM activity
)
SELECT
    quarter_end,
    bucket,
    count(*) AS accounts,
    count(*) FILTER (WHERE erasure_deadline < quarter_end AND NOT (legal_hold AND $exempt_legal_hold)) AS past_deadline
FROM bucketed
GROUP BY quarter_end, bucket
ORDER BY quarter_end, bucket
