-- The SQL macros every connection defines (docs/design.md, "Rules in one place"; sql/README.md, "Macros").
-- pipelines/db.py runs these statements on each DuckDB connection (db.macro_statements("macros")); the Spark
-- engine defines the same ones from this text as Spark SQL functions (pipelines/spark/functions.py).
-- One statement per macro, each ending with ";" at the end of a line; only DuckDB syntax both engines read.
-- Placeholders {{name}} are filled by db.macro_statements from the lists of pipelines/contract.py, never
-- from user input:
--   {{ticket_channels}}           TICKET_CHANNELS as SQL literals: 'help_center', 'live_chat', 'email'
--   {{channel_positions}}         CHANNELS (the three, then 'other') as ('value', position) rows
--   {{rights}}                    RIGHTS as SQL literals
--   {{right_positions}}           RIGHTS as ('value', position) rows
--   {{inactivity_bucket_cases}}   INACTIVITY_BUCKETS as "WHEN m < 3 THEN '0-3m' ... ELSE '12m+'"

-- contract §2 (docs/contract.md): same day n months later, clamped to the month's last day
-- (Regulation 1182/71 art. 3(2)(c)); Spark's own add_months has the same rule
CREATE OR REPLACE TEMP MACRO add_months(d, n) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE);

-- contract §2 (docs/contract.md): whole months between two dates, the largest m with add_months(d, m) <= e
CREATE OR REPLACE TEMP MACRO whole_months(d, e) AS (
    (year(e) - year(d)) * 12 + month(e) - month(d)
    - CASE WHEN add_months(d, (year(e) - year(d)) * 12 + month(e) - month(d)) > e THEN 1 ELSE 0 END);

-- contract §2 (docs/contract.md): an instant's date is its local date in the session's (controller's) zone
CREATE OR REPLACE TEMP MACRO local_date(ts) AS CAST(ts AS DATE);

-- policy §1.1 and contract §3 "Inactivity cohorts" (docs/contract.md): the account rule's anchor. An account's
-- last activity is the local date of its latest session start or last login; with neither, of its creation
CREATE OR REPLACE TEMP MACRO last_activity_on(last_session_at, last_login_at, created_at) AS
    local_date(coalesce(greatest(last_session_at, last_login_at), created_at));

-- policy §1.1: the account rule's deadline, `months` after the last activity (the policy file's
-- [[retention]] account period_months, bound as $account_months by the models that call it)
CREATE OR REPLACE TEMP MACRO erasure_deadline(activity_on, months) AS add_months(activity_on, months);

-- contract §3 inactivity buckets (docs/contract.md): 0-3m (m < 3), 3-6m, 6-9m, 9-12m, 12m+ (m >= 12)
CREATE OR REPLACE TEMP MACRO inactivity_bucket(m) AS CASE {{inactivity_bucket_cases}} END;

-- contract §5 reading 17 (docs/contract.md): a channel is compared trimmed and lower-cased; outside the
-- contract's list it is 'other'
CREATE OR REPLACE TEMP MACRO normal_channel(c) AS CASE
    WHEN lower(trim(c)) IN ({{ticket_channels}}) THEN lower(trim(c)) ELSE 'other' END;

-- contract §1.4 (docs/contract.md): the support channels in report order, 'other' last
CREATE OR REPLACE TEMP MACRO channels() AS TABLE
    SELECT * FROM (VALUES {{channel_positions}}) AS c (channel, position);

-- contract §5 reading 17 (docs/contract.md): a right is compared trimmed and lower-cased, with a space or
-- hyphen for '_' ('consent withdrawal' is consent_withdrawal)
CREATE OR REPLACE TEMP MACRO right_code(r) AS replace(replace(lower(trim(r)), ' ', '_'), '-', '_');

-- docs/contract.md, "Only declared values": outside the contract's list a right is 'other';
-- right_code counts the distinct undeclared ones
CREATE OR REPLACE TEMP MACRO normal_right(r) AS CASE
    WHEN right_code(r) IN ({{rights}}) THEN right_code(r) ELSE 'other' END;

-- contract §1 (docs/contract.md): the data-subject rights in the contract's order
CREATE OR REPLACE TEMP MACRO rights() AS TABLE
    SELECT * FROM (VALUES {{right_positions}}) AS r ("right", position);

-- docs/design.md, "Pseudonymous keys": a keyed hash naming a row in a report without its id
-- (pipelines/metrics/pseudonym.py holds the salt)
CREATE OR REPLACE TEMP MACRO pseudonym(id, salt) AS substr(sha256(concat(salt, id)), 1, 12);

-- docs/report.md, "Exceptions": the worklist's note on an exception of the register that no longer
-- (or not yet) exempts a record
CREATE OR REPLACE TEMP MACRO exception_note(expired_on, pending_from) AS CASE
    WHEN expired_on IS NOT NULL THEN 'exception expired on ' || CAST(expired_on AS VARCHAR)
    WHEN pending_from IS NOT NULL THEN 'exception not in force until ' || CAST(pending_from AS VARCHAR) END;
