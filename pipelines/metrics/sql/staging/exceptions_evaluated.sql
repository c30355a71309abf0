-- docs/report.md "Exceptions": the register of approved exceptions, row by row, judged as of as_of.
-- The register of approved exceptions (docs/report.md, "Exceptions"), one row per register row, judged as of
-- as_of. A model: `retention_past_deadline_rows` takes the records of exceptions in force out of the breaches,
-- the exceptions family counts the rows, the worklist lists them (pipelines/records/sql/worklist_exceptions.sql).
-- The register is the table `exception_register` (pipelines/exceptions.py reads the CSV; the review session
-- installs it, empty when no register is given). Categories compare trimmed and lower-cased, as named in
-- retention.breaches; ids compare exactly, as the exports' own ids (trimmed when loaded and when read).
-- A row is, in this order:
--   invalid  a problem the reader found (no approver, no expiry, a bad date, ...), an unknown category (one no
--            retention rule of the policy file counts in), or an id that is in none of the category's export
--            tables (the tables of its rules); it exempts nothing;
--   pending  approved after as_of: not in force yet;
--   expired  its expiry date is before as_of: it no longer exempts (in force up to and including expires_on);
--   applied  in force at as_of: its record leaves the category's breaches for its `excepted` count.
WITH category_tables AS (
    -- each retention figure's export tables, from the policy file's rules (generated: pipelines/rules/)
    SELECT category, source_table FROM retention_figure_tables
),
wanted AS (
    SELECT DISTINCT id FROM exception_register WHERE id IS NOT NULL
),
found AS (
    -- the register's ids found in each export table (a few ids against each table's key)
    SELECT 'accounts' AS source_table, account_id AS id FROM accounts WHERE account_id IN (SELECT id FROM wanted)
    UNION ALL
    SELECT 'sessions', session_id FROM sessions WHERE session_id IN (SELECT id FROM wanted)
    UNION ALL
    SELECT 'support_tickets', ticket_id FROM support_tickets WHERE ticket_id IN (SELECT id FROM wanted)
    UNION ALL
    SELECT 'marketing_contacts', contact_id FROM marketing_contacts WHERE contact_id IN (SELECT id FROM wanted)
    UNION ALL
    SELECT 'web_visits', visit_id FROM web_visits WHERE visit_id IN (SELECT id FROM wanted)
    UNION ALL
    SELECT 'payments', payment_id FROM payments WHERE payment_id IN (SELECT id FROM wanted)
),
known AS (
    SELECT DISTINCT t.category, f.id
    FROM found AS f
    JOIN category_tables AS t ON t.source_table = f.source_table
),
register AS (
    SELECT
        r.line,
        r.category AS category_written,
        CASE WHEN lower(trim(r.category)) IN (SELECT category FROM category_tables) THEN lower(trim(r.category)) END
            AS category,
        r.id,
        r.reason,
        r.approved_by,
        r.approved_on,
        r.expires_on,
        r.problem AS read_problem,
        r.problem_column AS read_problem_column
    FROM exception_register AS r
),
judged AS (
    SELECT
        g.*,
        CASE
            WHEN g.read_problem IS NOT NULL THEN g.read_problem
            WHEN g.category IS NULL THEN 'unknown_category'
            WHEN k.id IS NULL THEN 'unknown_id'
        END AS problem,
        CASE
            WHEN g.read_problem IS NOT NULL THEN g.read_problem_column
            WHEN g.category IS NULL THEN 'category'
            WHEN k.id IS NULL THEN 'id'
        END AS problem_column
    FROM register AS g
    LEFT JOIN known AS k ON k.category = g.category AND k.id = g.id
)
SELECT
    line,
    category_written,
    category,
    id,
    reason,
    approved_by,
    approved_on,
    expires_on,
    problem,
    problem_column,
    CASE
        WHEN problem IS NOT NULL THEN 'invalid'
        WHEN approved_on > CAST($as_of AS DATE) THEN 'pending'
        WHEN expires_on < CAST($as_of AS DATE) THEN 'expired'
        ELSE 'applied'
    END AS status
FROM judged
