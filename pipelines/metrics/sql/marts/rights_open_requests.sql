-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": the first-due open requests.
-- Open requests of `rights_evaluated` as of $as_of, the first due first: at most
-- $oldest_per_category per status (open_overdue, open_not_due). A few rows to look at,
-- not a worklist: every request is in `rights_evaluated` (read from the database).
-- Art. 12(3) requests only: a consent withdrawal has no due date (reading 23).
SELECT request_key, "right", channel, received_on, start, due, extension, status, days_past_due
FROM rights_evaluated
WHERE status LIKE 'open%' AND NOT consent_withdrawal
QUALIFY row_number() OVER (PARTITION BY status ORDER BY due, request_key) <= $oldest_per_category
ORDER BY due, request_key
