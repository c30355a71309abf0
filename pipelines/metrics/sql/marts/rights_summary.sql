-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": headline rights figures of the quarter.
-- Quarter figures of rights requests over `rights_evaluated` (see rights_evaluated.sql).
-- Populations (reading 5): received and extensions over requests received in the quarter;
-- completed, on-time rate and days to complete over requests completed in the quarter;
-- open_overdue / open_not_due over every request open at as_of.
-- right_other_distinct: how many distinct rights outside the contract's list the requests received
-- in the quarter name (by_right's "other"), a count only (docs/contract.md, "Only declared values").
-- Reading 23: a consent withdrawal counts in received (and by_right), in no other Art. 12(3) figure; the
-- withdrawals_* columns judge them against the company's standard (rights.consent_withdrawals): received and
-- completed in the quarter, of those completed within the standard, open at as_of past the standard.
WITH received AS (
    SELECT
        count(*) AS received,
        count(DISTINCT CASE WHEN "right" = 'other' THEN right_given END) AS right_other_distinct,
        count(CASE WHEN NOT consent_withdrawal AND extension = 'valid' THEN 1 END) AS extensions_valid,
        count(CASE WHEN NOT consent_withdrawal AND extension = 'invalid' THEN 1 END) AS extensions_invalid
    FROM rights_evaluated
    WHERE received_in_quarter
),
completed AS (
    SELECT
        count(*) AS completed,
        count(CASE WHEN on_time THEN 1 END) AS on_time,
        count(CASE WHEN completed_before_start THEN 1 END) AS completed_before_start,
        quantile_cont(CAST(days_to_complete AS DOUBLE), 0.5) AS days_to_complete_median,
        quantile_cont(CAST(days_to_complete AS DOUBLE), 0.9) AS days_to_complete_p90
    FROM rights_evaluated
    WHERE completed_in_quarter AND NOT consent_withdrawal
),
open_requests AS (
    SELECT
        count(CASE WHEN status = 'open_overdue' THEN 1 END) AS open_overdue,
        count(CASE WHEN status = 'open_not_due' THEN 1 END) AS open_not_due,
        max(CASE WHEN status = 'open_overdue' THEN days_past_due END) AS overdue_days_max
    FROM rights_evaluated
    WHERE open_at_as_of AND NOT consent_withdrawal
),
withdrawals AS (
    -- reading 23, with reading 5's populations: a standard deadline equal to as_of is not yet past
    SELECT
        count(CASE WHEN received_in_quarter THEN 1 END) AS withdrawals_received,
        count(CASE WHEN completed_in_quarter THEN 1 END) AS withdrawals_completed,
        count(CASE WHEN completed_in_quarter AND within_standard THEN 1 END) AS withdrawals_within_standard,
        count(CASE WHEN status = 'withdrawal_open_past_standard' THEN 1 END) AS withdrawals_open_past_standard
    FROM rights_evaluated
    WHERE consent_withdrawal
)
SELECT
    received.*,
    completed.*,
    CASE WHEN completed.completed > 0
         THEN CAST(completed.on_time AS DOUBLE) / completed.completed END AS on_time_rate,
    open_requests.*,
    withdrawals.*
FROM received
CROSS JOIN completed
CROSS JOIN open_requests
CROSS JOIN withdrawals
