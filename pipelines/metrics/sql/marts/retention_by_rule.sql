-- docs/policy-file.md, the policy file's retention rules: breaches per rule (a figure may gather several rules).
-- Breaches per retention rule over `retention_breach_rows`: how many rows, and the oldest's days overdue.
-- A rule without a breach has no row here (the family fills 0).
SELECT rule, count(*) AS breaches, max(days_overdue) AS oldest_days_overdue
FROM retention_breach_rows
GROUP BY rule
