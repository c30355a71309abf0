-- policy §1.4, contract §3 "Support-inquiry statistics": headline support figures of the quarter.
-- Headline support figures of one quarter, over `support_evaluated` (see support_evaluated.sql).
-- Medians and p90 interpolate linearly (numpy's default); a figure over no rows is NULL.
WITH quarter_tickets AS (
    SELECT * FROM support_evaluated WHERE in_quarter
),
figures AS (
    SELECT
        count(*) AS tickets,
        count(CASE WHEN is_privacy THEN 1 END) AS privacy_tickets,
        count(CASE WHEN NOT responded THEN 1 END) AS no_first_response,
        -- the response standard (support_evaluated.sql, "Inquiries answered"): answered by the first
        -- response or else the resolution (reading 24); a ticket resolved before it was created
        -- ('excluded_impossible_order') is in none of these four (readings 4, 24)
        count(CASE WHEN response_status = 'answered_late' THEN 1 END) AS answered_late,
        count(CASE WHEN response_status = 'unanswered_past_standard' THEN 1 END) AS unanswered_past_standard,
        count(CASE WHEN response_status = 'awaiting_within_standard' THEN 1 END) AS awaiting_within_standard,
        count(CASE WHEN response_status IN ('answered_late', 'unanswered_past_standard') THEN 1 END)
            AS past_response_standard,
        count(first_response_hours) AS first_response_timed,
        count(resolution_hours) AS resolution_timed,
        count(CASE WHEN first_response_before_creation THEN 1 END) AS excluded_impossible_first_response,
        count(CASE WHEN resolved_before_creation THEN 1 END) AS excluded_impossible_resolution,
        count(CASE WHEN first_response_before_creation OR resolved_before_creation THEN 1 END)
            AS excluded_impossible_order,
        quantile_cont(first_response_hours, 0.5) AS first_response_median_hours,
        quantile_cont(first_response_hours, 0.9) AS first_response_p90_hours,
        quantile_cont(resolution_hours, 0.5) AS resolution_median_hours,
        quantile_cont(resolution_hours, 0.9) AS resolution_p90_hours
    FROM quarter_tickets
),
backlog AS (
    -- created on or before $as_of (any quarter), not resolved by it
    SELECT count(*) AS backlog FROM support_evaluated WHERE open_at_as_of
)
SELECT
    figures.*,
    backlog.backlog,
    CASE WHEN figures.tickets > 0
         THEN CAST(figures.privacy_tickets AS DOUBLE) / figures.tickets END AS privacy_share
FROM figures
CROSS JOIN backlog
