-- contract §1 "Exports": rows set aside at load, by table and reason.
-- Rows set aside at load, by table and reason (contract §1: shown in the report's data-quality section).
SELECT table_name, reason, count(*) AS rows
FROM quarantine
GROUP BY table_name, reason
ORDER BY table_name, reason
