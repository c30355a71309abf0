-- policy §1.4, contract §3 "Support-inquiry statistics": durations in bins, per channel.
-- Distribution of first-response and resolution hours of tickets created in the quarter,
-- by channel and overall ('all'), over `support_duration_values`: a bin is [lower_hours, upper_hours).
-- Every channel, measure and bin appear, with 0 where none (a stable chart).
WITH bins AS (
    SELECT bin, bin_order, lower_hours, upper_hours
    FROM (VALUES
        ('<1h', 1, 0, 1),
        ('1-4h', 2, 1, 4),
        ('4-8h', 3, 4, 8),
        ('8-24h', 4, 8, 24),
        ('1-2d', 5, 24, 48),
        ('2-7d', 6, 48, 168),
        ('7d+', 7, 168, NULL)
    ) AS b (bin, bin_order, lower_hours, upper_hours)
),
binned AS (
    SELECT d.channel, d.measure, b.bin, count(*) AS tickets
    FROM support_duration_values AS d
    JOIN bins AS b
        ON d.hours >= b.lower_hours AND (b.upper_hours IS NULL OR d.hours < b.upper_hours)
    GROUP BY d.channel, d.measure, b.bin
)
SELECT
    c.channel,
    c.measure,
    b.bin,
    b.bin_order,
    coalesce(n.tickets, 0) AS tickets
FROM support_duration_cells AS c
CROSS JOIN bins AS b
LEFT JOIN binned AS n ON n.channel = c.channel AND n.measure = c.measure AND n.bin = b.bin
ORDER BY c.measure_position, c.channel_position, b.bin_order
