-- contract §3 "Retention breaches": breaches per category.
-- Breaches per retention category over `retention_breach_rows`: how many rows, and the oldest's days overdue.
-- A category without a breach has no row here (the family fills 0, or NULL for a table not exported).
SELECT category, count(*) AS breaches, max(days_overdue) AS oldest_days_overdue
FROM retention_breach_rows
GROUP BY category
