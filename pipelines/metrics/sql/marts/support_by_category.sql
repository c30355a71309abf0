-- policy §1.4, contract §4 "Only declared values": tickets per declared category.
-- Tickets created in the quarter by category, over `support_evaluated`: the declared categories by
-- name, every other value under 'other' (docs/contract.md, "Only declared values"), which comes last.
-- other_values: on the 'other' row, how many distinct undeclared values (trimmed, lower-cased) it
-- holds, a count only (the values themselves are never published); NULL on a declared category's row.
WITH counts AS (
    SELECT
        category,
        bool_or(is_privacy) AS is_privacy,
        count(*) AS tickets,
        count(DISTINCT CASE WHEN category = 'other' THEN category_given END) AS other_values
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
    CAST(counts.tickets AS DOUBLE) / total.tickets AS share,
    CASE WHEN counts.category = 'other' THEN counts.other_values END AS other_values
FROM counts
CROSS JOIN total
ORDER BY counts.category = 'other', counts.tickets DESC, counts.category
