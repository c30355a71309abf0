-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": open requests by age.
-- Requests open at as_of by days past due (as_of - due), over `rights_evaluated`.
-- A request due on as_of itself is not yet due ('due today'). Every bucket appears.
-- Art. 12(3) requests only: a consent withdrawal has no due date (reading 23).
WITH buckets AS (
    SELECT bucket, bucket_order, status, min_days_past_due, max_days_past_due
    FROM (VALUES
        ('overdue 91+ days', 1, 'open_overdue', 91, NULL),
        ('overdue 31-90 days', 2, 'open_overdue', 31, 90),
        ('overdue 8-30 days', 3, 'open_overdue', 8, 30),
        ('overdue 1-7 days', 4, 'open_overdue', 1, 7),
        ('due today', 5, 'open_not_due', 0, 0),
        ('due in 1-7 days', 6, 'open_not_due', -7, -1),
        ('due in 8-30 days', 7, 'open_not_due', -30, -8),
        ('due in 31+ days', 8, 'open_not_due', NULL, -31)
    ) AS b (bucket, bucket_order, status, min_days_past_due, max_days_past_due)
),
open_requests AS (
    SELECT days_past_due FROM rights_evaluated WHERE open_at_as_of AND NOT consent_withdrawal
),
counts AS (
    SELECT b.bucket, count(*) AS requests
    FROM open_requests AS o
    JOIN buckets AS b
        ON (b.min_days_past_due IS NULL OR o.days_past_due >= b.min_days_past_due)
       AND (b.max_days_past_due IS NULL OR o.days_past_due <= b.max_days_past_due)
    GROUP BY b.bucket
)
SELECT
    b.bucket,
    b.bucket_order,
    b.status,
    coalesce(c.requests, 0) AS requests
FROM buckets AS b
LEFT JOIN counts AS c ON c.bucket = b.bucket
ORDER BY b.bucket_order
