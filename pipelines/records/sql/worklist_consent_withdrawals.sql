-- Consent withdrawals open past the company's standard at as_of (contract §5 reading 23: an internal standard,
-- not GDPR Art. 12(3)), by the exports' own request_id, the longest past first. Rows of the metric model
-- `rights_evaluated` (rights.consent_withdrawals.open_past_standard). A standard deadline equal to as_of is not
-- yet past.
SELECT
    request_id,
    channel,
    received_on,
    standard_due,
    date_diff('day', standard_due, CAST($as_of AS DATE)) AS days_past_standard
FROM rights_evaluated
WHERE status = 'withdrawal_open_past_standard'
ORDER BY days_past_standard DESC, request_id
