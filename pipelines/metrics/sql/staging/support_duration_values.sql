-- policy §1.4, contract §3 "Support-inquiry statistics": each timed ticket's elapsed hours.
-- Every timed ticket created in the quarter, once per channel and once under 'all':
-- (channel, measure, hours), over `support_evaluated`. Read by support_durations.sql and
-- support_duration_histogram.sql, which present the same values as figures and as a distribution.
WITH durations AS (
    SELECT channel, 'first_response' AS measure, first_response_hours AS hours
    FROM support_evaluated WHERE in_quarter AND first_response_hours IS NOT NULL
    UNION ALL
    SELECT channel, 'resolution' AS measure, resolution_hours AS hours
    FROM support_evaluated WHERE in_quarter AND resolution_hours IS NOT NULL
)
SELECT channel, measure, hours FROM durations
UNION ALL
SELECT 'all' AS channel, measure, hours FROM durations
