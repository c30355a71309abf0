-- Rights requests open past their deadline at as_of (GDPR Art. 12(3), policy §3), by the exports' own
-- request_id, the most overdue first. Rows of the metric model `rights_evaluated` (rights.open_overdue):
-- Art. 12(3) requests only; a consent withdrawal is never open_overdue (reading 23).
SELECT
    request_id,
    "right",
    channel,
    received_on,
    due,
    days_past_due
FROM rights_evaluated
WHERE status = 'open_overdue' AND NOT consent_withdrawal
ORDER BY days_past_due DESC, request_id
