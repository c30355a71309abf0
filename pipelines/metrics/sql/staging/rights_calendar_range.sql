-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": where the working-day calendar must start.
-- The earliest local receipt date of a request that exists at $as_of (NULL without any):
-- where the `calendar` table must start for the rights queries. A clock never starts
-- before receipt, so no start is earlier.
SELECT min(local_date(received_at)) AS first_received
FROM rights_requests
WHERE local_date(received_at) <= $as_of
