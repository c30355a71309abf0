-- contract §3 "Inactivity cohorts", policy §1.1: the population at as_of, each account in its bucket.
-- The inactivity population at as_of with each account's bucket (contract §3, inactivity cohorts).
WITH population AS (
    -- created on or before as_of and not erased by then
    SELECT * FROM account_deadlines WHERE NOT erased
),
bucketed AS (
    SELECT
        *,
        inactivity_bucket(months_inactive) AS bucket
    FROM population
)
SELECT
    account_id,
    concat(CAST(year(created_on) AS VARCHAR), 'Q', CAST(quarter(created_on) AS VARCHAR)) AS signup_quarter,
    last_activity_on,
    erasure_deadline,
    months_inactive,
    bucket,
    legal_hold,
    erasure_deadline > CAST($as_of AS DATE)
        AND erasure_deadline <= CAST($as_of AS DATE) + $due_soon_days AS due_next_30d
FROM bucketed
