-- contract §3 "Retention breaches": the oldest breaches of each category.
-- The oldest breaches of each retention category: per data subject over `retention_breach_rows`
-- (its rows in breach, earliest deadline, largest days overdue), at most $oldest_per_category
-- subjects per category, the most overdue first, under a pseudonymous key. A few rows to look
-- at, not a worklist: the full per-subject list is `retention_breach_detail` (read from the database).
WITH subjects AS (
    SELECT category, subject_id, count(*) AS rows, min(deadline) AS deadline, max(days_overdue) AS days_overdue
    FROM retention_breach_rows
    GROUP BY category, subject_id
),
ranked AS (
    -- ranked in a step of its own rather than QUALIFY over the aggregate, so Spark runs the same text
    SELECT *, row_number() OVER (PARTITION BY category ORDER BY days_overdue DESC, subject_id) AS subject_rank
    FROM subjects
)
SELECT category, pseudonym(subject_id, $pseudonym_salt) AS subject_key, rows, deadline, days_overdue
FROM ranked
WHERE subject_rank <= $oldest_per_category
ORDER BY category, days_overdue DESC, subject_key
