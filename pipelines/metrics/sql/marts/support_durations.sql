-- policy §1.4, contract §3 "Support-inquiry statistics": median and p90 durations per channel.
-- First-response and resolution hours of tickets created in the quarter, by channel and
-- overall ('all'), over `support_duration_values`: median and p90 by linear interpolation.
-- Every channel and measure appear; tickets counts the timed tickets, figures are NULL without any.
WITH figures AS (
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
    c.measure,
    coalesce(f.tickets, 0) AS tickets,
    f.median_hours,
    f.p90_hours
FROM support_duration_cells AS c
LEFT JOIN figures AS f ON f.channel = c.channel AND f.measure = c.measure
ORDER BY c.measure_position, c.channel_position
