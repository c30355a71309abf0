-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": completed requests by days to spare.
-- Completed requests of `rights_evaluated` by days to spare at completion (days allowed minus
-- days taken; late below 0) and on time: the days-to-complete chart's data, no request key.
-- Art. 12(3) requests only: a consent withdrawal has no days allowed (reading 23).
SELECT
    CAST(days_allowed - days_to_complete AS BIGINT) AS spare,
    coalesce(on_time, false) AS on_time,
    count(*) AS requests
FROM rights_evaluated
WHERE days_to_complete IS NOT NULL AND days_allowed IS NOT NULL AND NOT consent_withdrawal
GROUP BY ALL
ORDER BY spare, on_time
