-- docs/report.md, "Remediation": what the history keys of every retention rule's records past their deadline.
-- The rows of `worklist_retention` (the same model, `retention_breach_rows`, the same names: a row's table and own
-- id), without the columns and the order only the worklist file needs: a run keys these and counts them (its
-- finding's open_now), reading three columns of the model instead of sorting every column of it.
SELECT
    rule,
    source_table AS "table",
    row_id AS id
FROM retention_breach_rows
