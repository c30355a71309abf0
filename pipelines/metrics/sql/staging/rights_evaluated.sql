-- GDPR Art. 12(3), policy §3, contract §3 "Rights-request turnaround": each request judged as of as_of.
-- Rights requests evaluated as of $as_of (contract §3 "Rights-request turnaround", GDPR
-- Art. 12(3), Regulation 1182/71 art. 3; readings 5, 8): one row per request received in
-- [$quarter_start, $as_of], completed in it, or open at $as_of. Needs the `calendar` table
-- (pipelines.db.install_calendar) over every start .. start + $extended_deadline_months + a fortnight.
-- How the deadline is counted is written once, in ../rights_deadline.sql (clock_start, legal_deadline,
-- rights_extension, rights_due); this model only passes the policy's lengths to those macros.
-- Reading 23: a consent withdrawal (GDPR Art. 7(3)) is no Art. 12(3) request. Its row has no Art. 12(3)
-- deadline, extended deadline, extension, due date, days allowed, on-time flag or days past due (NULL, so no
-- Art. 12(3) figure can count it); it is judged against the company's standard instead: completed by
-- `standard_due`, the $consent_withdrawal_working_days-th working day after the day of receipt (which does not
-- count; macro nth_working_day_after, the one working-day rule). Its status is withdrawal_within_standard,
-- withdrawal_past_standard (completed after standard_due), withdrawal_open_past_standard (open, standard_due
-- before $as_of) or withdrawal_open_within_standard; an Art. 12(3) request's is completed_on_time,
-- completed_late, open_overdue or open_not_due.
-- A model: rights_summary, rights_by_right and rights_open_ageing read it by name; the
-- family keeps its rows as the `rights_requests` detail under a pseudonymous key. The real `request_id`
-- is for the worklist (pipelines/records/), which reads this model; no report table selects it.
WITH requests AS (
    SELECT
        request_id,
        -- reading 17; a right outside the contract's list is 'other' (docs/contract.md, "Only declared values")
        normal_right("right") AS "right",
        -- the right as compared, for the number of distinct undeclared rights only: no report table selects it
        right_code("right") AS right_given,
        -- reading 23: a withdrawal of consent, judged against the company's standard, not GDPR Art. 12(3)
        normal_right("right") = 'consent_withdrawal' AS consent_withdrawal,
        normal_channel(channel) AS channel,
        local_date(received_at) AS received_on,
        -- events whose local date is after $as_of have not happened yet (reading 8)
        CASE WHEN local_date(identity_verified_at) <= $as_of
             THEN local_date(identity_verified_at) END AS verified_on,
        CASE WHEN local_date(extension_notified_at) <= $as_of
             THEN local_date(extension_notified_at) END AS notified_on,
        CASE WHEN local_date(completed_at) <= $as_of
             THEN local_date(completed_at) END AS completed_on
    FROM rights_requests
    -- a request received after $as_of does not exist yet
    WHERE local_date(received_at) <= $as_of
),
started AS (
    SELECT
        *,
        -- the day of receipt counts; the identity reading restarts the clock at verification. A consent
        -- withdrawal takes effect when received (reading 23): its start is the day of receipt
        CASE WHEN consent_withdrawal THEN received_on
             ELSE clock_start(received_on, verified_on, $clock_start) END AS start_on
    FROM requests
),
due AS (
    -- both periods run from the start, each rolled to the next working day; the due date
    -- is the extended one after a valid extension (macros rights_extension, rights_due).
    -- A consent withdrawal has none of them, only the company's standard (reading 23)
    SELECT
        *,
        CASE WHEN NOT consent_withdrawal THEN legal_deadline(start_on, $deadline_months) END AS deadline,
        CASE WHEN NOT consent_withdrawal THEN legal_deadline(start_on, $extended_deadline_months) END
            AS extended_deadline,
        CASE WHEN NOT consent_withdrawal THEN rights_extension(start_on, notified_on, $deadline_months) END
            AS extension,
        CASE WHEN NOT consent_withdrawal
             THEN rights_due(start_on, notified_on, $deadline_months, $extended_deadline_months) END AS due,
        CASE WHEN consent_withdrawal
             THEN nth_working_day_after(received_on, $consent_withdrawal_working_days) END AS standard_due
    FROM started
),
judged AS (
    SELECT
        *,
        CASE WHEN completed_on IS NOT NULL THEN completed_on <= due END AS on_time,
        -- reading 23: completed on or before the standard's last day (NULL for an Art. 12(3) request)
        CASE WHEN completed_on IS NOT NULL THEN completed_on <= standard_due END AS within_standard,
        coalesce(completed_on < start_on, false) AS completed_before_start,
        received_on >= $quarter_start AS received_in_quarter,
        coalesce(completed_on >= $quarter_start, false) AS completed_in_quarter,
        completed_on IS NULL AS open_at_as_of
    FROM due
)
SELECT
    pseudonym(request_id, $pseudonym_salt) AS request_key,
    "right",
    right_given,
    channel,
    received_on,
    start_on AS "start",
    deadline,
    extended_deadline,
    extension,
    due,
    completed_on,
    -- days as date_diff, not a date subtraction (an interval on Spark): both engines run this file
    CASE WHEN NOT completed_before_start THEN date_diff('day', start_on, completed_on) END AS days_to_complete,
    date_diff('day', start_on, due) AS days_allowed,
    on_time,
    CASE
        WHEN consent_withdrawal AND completed_on IS NOT NULL AND within_standard THEN 'withdrawal_within_standard'
        WHEN consent_withdrawal AND completed_on IS NOT NULL THEN 'withdrawal_past_standard'
        -- a standard deadline equal to $as_of is not yet past (reading 5's rule)
        WHEN consent_withdrawal AND standard_due < $as_of THEN 'withdrawal_open_past_standard'
        WHEN consent_withdrawal THEN 'withdrawal_open_within_standard'
        WHEN completed_on IS NOT NULL AND on_time THEN 'completed_on_time'
        WHEN completed_on IS NOT NULL THEN 'completed_late'
        -- a due date equal to $as_of is not yet due (reading 5)
        WHEN due < $as_of THEN 'open_overdue'
        ELSE 'open_not_due'
    END AS status,
    CASE WHEN open_at_as_of THEN date_diff('day', due, CAST($as_of AS DATE)) END AS days_past_due,
    consent_withdrawal,
    standard_due,
    within_standard,
    completed_before_start,
    received_in_quarter,
    completed_in_quarter,
    open_at_as_of,
    request_id
FROM judged
WHERE received_in_quarter OR completed_in_quarter OR open_at_as_of
ORDER BY received_on, request_key
