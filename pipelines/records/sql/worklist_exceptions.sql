-- The register of approved exceptions, row by row, as judged at as_of (docs/report.md, "Exceptions"): for the
-- privacy team, by the register's line, with the record's own id. `status` is applied, expired, pending or invalid
-- (with the problem and its column); `excepted` says whether the row took a record past its deadline out of the
-- breaches at as_of. Rows of the model `exceptions_evaluated` (exceptions.rows); written only when a register
-- was given.
WITH excepted AS (
    SELECT DISTINCT category, row_id
    FROM retention_past_deadline_rows
    WHERE excepted
)
SELECT
    e.line,
    coalesce(e.category, e.category_written) AS category,
    e.id,
    e.status,
    e.problem_column,
    e.problem,
    e.status = 'applied' AND x.row_id IS NOT NULL AS excepted,
    e.reason,
    e.approved_by,
    e.approved_on,
    e.expires_on
FROM exceptions_evaluated AS e
LEFT JOIN excepted AS x ON x.category = e.category AND x.row_id = e.id
ORDER BY e.line
