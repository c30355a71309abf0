-- policy §1.4, contract §3 "Support-inquiry statistics": every channel (and 'all') by measure, in report order.
-- The cells the duration tables fill (support_durations, support_duration_histogram), so that every channel and
-- measure appears, with 0 or NULL where no ticket was timed (a stable table and chart).
WITH channels AS (
    SELECT 'all' AS channel, 0 AS position
    UNION ALL
    SELECT channel, position FROM channels()
),
measures AS (
    SELECT measure, position
    FROM (VALUES ('first_response', 1), ('resolution', 2)) AS m (measure, position)
)
SELECT c.channel, c.position AS channel_position, m.measure, m.position AS measure_position
FROM channels AS c
CROSS JOIN measures AS m
