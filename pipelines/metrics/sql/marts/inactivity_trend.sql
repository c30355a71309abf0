-- contract §3 "Inactivity cohorts", policy §1.1: bucket counts at each of the last eight quarter ends.
-- Bucket counts and accounts past their erasure deadline at each of the last eight quarter ends,
-- in one pass over the sessions (contract §3: "the bucket counts at each of the last eight quarter ends").
WITH quarter_ends AS (
    -- ends_before: the first instant after the quarter end's local day (`ts < ends_before` is
    -- "on or before quarter_end" by local date, without converting every row); the quarter end
    -- is the local day before it. One list, unnested alone, so that Spark runs the same text
    SELECT CAST(local_date(ends_before) - 1 AS DATE) AS quarter_end, ends_before
    FROM (SELECT unnest($quarter_ends_end) AS ends_before) AS e
),
session_quarters AS (
    -- the latest session per account and quarter; sessions before the first end count at the first end.
    -- The quarter is the first end the session is before, named by its ends_before (the earliest
    -- ends_before after the session; none after the last end): instants compared, no session
    -- converted to a local date. The eight ends (TREND_QUARTERS, pipelines/metrics/params.py; a test holds the
    -- two equal) are written out: a comparison per end costs a third of a list filtered per session
    SELECT
        s.account_id,
        CASE
            WHEN s.started_at < $quarter_ends_end[1] THEN $quarter_ends_end[1]
            WHEN s.started_at < $quarter_ends_end[2] THEN $quarter_ends_end[2]
            WHEN s.started_at < $quarter_ends_end[3] THEN $quarter_ends_end[3]
            WHEN s.started_at < $quarter_ends_end[4] THEN $quarter_ends_end[4]
            WHEN s.started_at < $quarter_ends_end[5] THEN $quarter_ends_end[5]
            WHEN s.started_at < $quarter_ends_end[6] THEN $quarter_ends_end[6]
            WHEN s.started_at < $quarter_ends_end[7] THEN $quarter_ends_end[7]
            WHEN s.started_at < $quarter_ends_end[8] THEN $quarter_ends_end[8]
        END AS ends_before,
        max(s.started_at) AS last_session_at
    FROM sessions AS s
    WHERE s.started_at < $as_of_end
    GROUP BY ALL
),
accounts_at_end AS (
    -- the population at each quarter end: created by then, not erased by then
    SELECT
        a.account_id,
        e.quarter_end,
        e.ends_before,
        a.created_at,
        coalesce(a.legal_hold, false) AS legal_hold,
        CASE WHEN a.last_login_at < e.ends_before THEN a.last_login_at END AS last_login_at
    FROM accounts AS a
    CROSS JOIN quarter_ends AS e
    WHERE a.created_at < e.ends_before
      AND (a.erased_at IS NULL OR a.erased_at >= e.ends_before)
),
last_session_at_end AS (
    SELECT a.account_id, a.quarter_end, max(s.last_session_at) AS last_session_at
    FROM accounts_at_end AS a
    JOIN session_quarters AS s ON s.account_id = a.account_id AND s.ends_before <= a.ends_before
    GROUP BY ALL
),
activity AS (
    SELECT
        a.quarter_end,
        a.legal_hold,
        last_activity_on(l.last_session_at, a.last_login_at, a.created_at) AS last_activity_on
    FROM accounts_at_end AS a
    LEFT JOIN last_session_at_end AS l ON l.account_id = a.account_id AND l.quarter_end = a.quarter_end
),
bucketed AS (
    SELECT
        quarter_end,
        legal_hold,
        erasure_deadline(last_activity_on, $account_months) AS erasure_deadline,
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
