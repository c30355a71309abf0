-- Requests by right over `rights_evaluated`: received in the quarter, completed in it,
-- and of those completed, on time. Rights present in either population, in the
-- contract's order (unknown values after, alphabetically).
WITH counts AS (
    SELECT
        "right",
        count(CASE WHEN received_in_quarter THEN 1 END) AS received,
        count(CASE WHEN completed_in_quarter THEN 1 END) AS completed,
        count(CASE WHEN completed_in_quarter AND on_time THEN 1 END) AS on_time
    FROM rights_evaluated
    WHERE received_in_quarter OR completed_in_quarter
    GROUP BY "right"
)
SELECT c."right", c.received, c.completed, c.on_time
FROM counts AS c
LEFT JOIN rights() AS k ON k."right" = c."right"
ORDER BY coalesce(k.position, 99), c."right"
