-- policy §1.4, contract §3 "Support-inquiry statistics": each ticket of the quarter or open at as_of.
-- Support tickets evaluated as of $as_of: one row per ticket the quarter's figures need
-- (tickets created in [$quarter_start, $as_of], and older tickets still open at $as_of).
-- Contract §3 "Support-inquiry statistics"; readings 4, 8, 13, 15, 17, 24; "Only declared values"
-- (a category not in $support_categories is 'other').
-- A model: the support queries read it by name. Its ids stay in the database: queries
-- that name a ticket or account give its pseudonym.
WITH tickets AS (
    SELECT
        ticket_id,
        account_id,
        normal_channel(channel) AS channel,
        -- reading 17 and "Only declared values" (docs/contract.md): a declared category by its declared
        -- (trimmed, lower-case) name, anything else 'other': free text may name a person
        CASE WHEN list_contains($support_categories, lower(trim(category))) THEN lower(trim(category))
             ELSE 'other' END AS category,
        -- the value as compared, for the number of distinct undeclared values only: never published
        lower(trim(category)) AS category_given,
        coalesce(lower(trim(category)) = lower(trim($privacy_category)), false) AS is_privacy,
        created_at,
        local_date(created_at) AS created_on,
        -- a response or resolution dated (locally) after $as_of has not happened yet (reading 8)
        CASE WHEN local_date(first_response_at) <= $as_of THEN first_response_at END AS first_response_at,
        CASE WHEN local_date(resolved_at) <= $as_of THEN resolved_at END AS resolved_at
    FROM support_tickets
    WHERE local_date(created_at) <= $as_of
),
flagged AS (
    SELECT
        *,
        created_on >= $quarter_start AS in_quarter,
        -- a ticket "resolved" before it was created is not open either (reading 4)
        resolved_at IS NULL AS open_at_as_of,
        coalesce(first_response_at < created_at, false) AS first_response_before_creation,
        coalesce(resolved_at < created_at, false) AS resolved_before_creation
    FROM tickets
),
timed AS (
    SELECT
        *,
        -- real elapsed hours between instants, so a clock change counts (reading 13).
        -- A ticket resolved before its creation has no trustworthy times: it loses both
        -- durations (reading 4); a first response before creation loses only its own (reading 15).
        CASE WHEN NOT resolved_before_creation AND NOT first_response_before_creation
             THEN (epoch(first_response_at) - epoch(created_at)) / 3600.0 END AS first_response_hours,
        CASE WHEN NOT resolved_before_creation
             THEN (epoch(resolved_at) - epoch(created_at)) / 3600.0 END AS resolution_hours,
        -- reading 24: an inquiry is answered by its first response (when valid, reading 15) or, failing
        -- that, its resolution; a ticket resolved before its creation is out of the standard (reading 4)
        CASE WHEN NOT resolved_before_creation
             THEN coalesce(CASE WHEN NOT first_response_before_creation THEN first_response_at END, resolved_at)
        END AS answered_at
    FROM flagged
),
standard AS (
    -- "Inquiries answered" (policy §1.4; the response standard of the policy file, docs/report.md
    -- "Findings"): an answer (reading 24: the first response, else the resolution) by the
    -- $response_working_days-th working day after the day of receipt (which does not count), over the
    -- `calendar` table support.py installs. The working days
    -- are counted by the one macro for such standards, nth_working_day_after (../rights_deadline.sql)
    SELECT
        *,
        nth_working_day_after(created_on, $response_working_days) AS response_due
    FROM timed
)
SELECT
    ticket_id,
    account_id,
    channel,
    category,
    category_given,
    is_privacy,
    created_on,
    CAST(date_trunc('month', created_on) AS DATE) AS created_month,
    in_quarter,
    open_at_as_of,
    first_response_at IS NOT NULL AS responded,
    first_response_before_creation,
    resolved_before_creation,
    CAST(first_response_hours AS DOUBLE) AS first_response_hours,
    CAST(resolution_hours AS DOUBLE) AS resolution_hours,
    local_date(first_response_at) AS first_response_on,
    -- the local date the inquiry was answered (reading 24), NULL while unanswered or when excluded
    local_date(answered_at) AS answered_on,
    response_due,
    -- measured at $as_of: a due date equal to $as_of is not yet missed (contract reading 5's rule).
    -- A ticket resolved before it was created is in none of the standard's counts (readings 4, 24).
    CASE
        WHEN resolved_before_creation THEN 'excluded_impossible_order'
        WHEN answered_at IS NOT NULL AND local_date(answered_at) > response_due THEN 'answered_late'
        WHEN answered_at IS NOT NULL THEN 'answered_in_time'
        WHEN response_due < $as_of THEN 'unanswered_past_standard'
        ELSE 'awaiting_within_standard'
    END AS response_status
FROM standard
WHERE in_quarter OR open_at_as_of
