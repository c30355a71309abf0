-- docs/report.md "Exceptions": records past their deadline that an exception exempts, per category.
-- Records past their deadline that an exception in force exempts, per retention category (docs/report.md,
-- "Exceptions"): they left `retention_breach_rows` for this count. A category without any has no row here.
SELECT category, count(*) AS excepted
FROM retention_past_deadline_rows
WHERE excepted
GROUP BY category
