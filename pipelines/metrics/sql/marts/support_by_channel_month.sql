-- policy §1.4, contract §3 "Support-inquiry statistics": tickets per channel and month.
-- Tickets created in the quarter by month and channel, over `support_evaluated`.
-- Every month of the quarter up to $as_of and every channel appear, with 0 where none.
WITH months AS (
    SELECT add_months($quarter_start, n) AS month
    FROM (VALUES (0), (1), (2)) AS offsets (n)
    WHERE add_months($quarter_start, n) <= $as_of
),
counts AS (
    SELECT created_month AS month, channel, count(*) AS tickets
    FROM support_evaluated
    WHERE in_quarter
    GROUP BY created_month, channel
)
SELECT
    m.month,
    c.channel,
    coalesce(n.tickets, 0) AS tickets
FROM months AS m
CROSS JOIN channels() AS c
LEFT JOIN counts AS n ON n.month = m.month AND n.channel = c.channel
ORDER BY m.month, c.position
