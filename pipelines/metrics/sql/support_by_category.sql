-- Tickets created in the quarter by category (as given, trimmed), over `support_evaluated`.
WITH counts AS (
    SELECT category, bool_or(is_privacy) AS is_privacy, count(*) AS tickets
    FROM support_evaluated
    WHERE in_quarter
    GROUP BY category
),
total AS (
    SELECT sum(tickets) AS tickets FROM counts
)
SELECT
    counts.category,
    counts.is_privacy,
    counts.tickets,
    CAST(counts.tickets AS DOUBLE) / total.tickets AS share
FROM counts
CROSS JOIN total
ORDER BY counts.tickets DESC, counts.category
