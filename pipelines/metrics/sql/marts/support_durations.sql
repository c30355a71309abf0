-- policy §1.4, contract §3 "Support-inquiry statistics": median and p90 durations per channel.
-- First-response and resolution hours of tickets created in the quarter, by channel and
-- overall ('all'), over `support_duration_values`: median and p90 by linear interpolation.
-- Every channel and measure appear; tickets counts the timed tickets, figures are NULL without any.
WITH channels AS (
    SELECT 'all' AS channel, 0 AS position
    UNION ALL
    SELECT channel, position FROM channels()
),
measures AS (
    SELECT measure, position
    FROM (VALUES ('first_response', 1), ('resolution', 2)) AS m (measure, position)
),
figures AS (
    SELECT
        channel,
        measure,
        count(*) AS tickets,
        quantile_cont(hours, 0.5) AS median_hours,
        quantile_cont(hours, 0.9) AS p90_hours
    FROM support_duration_values
    GROUP BY channel, measure
)
SELECT
    c.channel,
    m.measure,
    coalesce(f.tickets, 0) AS tickets,
    f.median_hours,
    f.p90_hours
FROM channels AS c
CROSS JOIN measures AS m
LEFT JOIN figures AS f ON f.channel = c.channel AND f.measure = m.measure
ORDER BY m.position, c.position
