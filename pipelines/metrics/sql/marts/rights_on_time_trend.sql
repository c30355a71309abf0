-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": on-time rate per quarter, eight quarters.
-- On-time rate of rights requests completed in each quarter from $trend_start to the
-- reviewed quarter ($quarter_start), each evaluated as of its own end (the reviewed
-- quarter as of $as_of), with the same clock_start and rights_due macros (../rights_deadline.sql) as
-- rights_evaluated.sql. Needs `calendar` over [$trend_start, $as_of] and every
-- start .. start + $extended_deadline_months + a fortnight.
-- Art. 12(3) requests only: a consent withdrawal is no Art. 12(3) request (reading 23), as in rights_evaluated.
WITH quarters AS (
    SELECT DISTINCT CAST(date_trunc('quarter', day) AS DATE) AS quarter_start
    FROM calendar
    WHERE day BETWEEN $trend_start AND $quarter_start
),
bounds AS (
    SELECT
        quarter_start,
        CASE WHEN quarter_start = $quarter_start THEN $as_of
             ELSE add_months(quarter_start, 3) - 1 END AS quarter_as_of
    FROM quarters
),
requests AS (
    SELECT
        request_id,
        local_date(received_at) AS received_on,
        local_date(identity_verified_at) AS verified_on,
        local_date(extension_notified_at) AS notified_on,
        local_date(completed_at) AS completed_on
    FROM rights_requests
    WHERE completed_at IS NOT NULL AND normal_right("right") <> 'consent_withdrawal'
),
completed AS (
    -- a request counts in the quarter it was completed in, as of that quarter's end
    SELECT b.quarter_start, b.quarter_as_of, r.*
    FROM requests AS r
    JOIN bounds AS b
        ON r.completed_on BETWEEN b.quarter_start AND b.quarter_as_of
    WHERE r.received_on <= b.quarter_as_of
),
started AS (
    SELECT
        *,
        -- a verification after the quarter's end has not happened yet
        clock_start(received_on, CASE WHEN verified_on <= quarter_as_of THEN verified_on END, $clock_start)
            AS start_on
    FROM completed
),
judged AS (
    SELECT
        quarter_start,
        quarter_as_of,
        -- a notice after the quarter's end has not happened yet
        completed_on <= rights_due(
            start_on,
            CASE WHEN notified_on <= quarter_as_of THEN notified_on END,
            $deadline_months,
            $extended_deadline_months
        ) AS on_time
    FROM started
),
per_quarter AS (
    SELECT quarter_start, count(*) AS completed, count(CASE WHEN on_time THEN 1 END) AS on_time
    FROM judged
    GROUP BY quarter_start
)
SELECT
    concat(CAST(year(b.quarter_start) AS VARCHAR), 'Q', CAST(quarter(b.quarter_start) AS VARCHAR)) AS quarter,
    b.quarter_start,
    b.quarter_as_of AS as_of,
    coalesce(p.completed, 0) AS completed,
    coalesce(p.on_time, 0) AS on_time,
    CASE WHEN p.completed > 0 THEN CAST(p.on_time AS DOUBLE) / p.completed END AS on_time_rate
FROM bounds AS b
LEFT JOIN per_quarter AS p ON p.quarter_start = b.quarter_start
ORDER BY b.quarter_start
