-- contract §3 "Retention breaches": breaches per category and data subject, pseudonymous.
-- Breaches per category and data subject over `retention_breach_rows`, under a pseudonymous key:
-- the subject's rows in breach, its earliest deadline and its largest days overdue.
SELECT
    category,
    pseudonym(subject_id, $pseudonym_salt) AS subject_key,
    count(*) AS rows,
    min(deadline) AS deadline,
    max(days_overdue) AS days_overdue
FROM retention_breach_rows
GROUP BY category, subject_id
ORDER BY category, days_overdue DESC, subject_key
