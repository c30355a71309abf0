-- Marketing contacts written to after they withdrew consent (policy §1.6), by the exports' own ids, the
-- longest-ignored withdrawal first. Rows of the metric model `retention_withdrawn_consent_rows`
-- (retention.withdrawn_consent_contacted).
SELECT
    contact_id,
    account_id,
    consent_withdrawn_on,
    last_communication_on,
    date_diff('day', consent_withdrawn_on, CAST($as_of AS DATE)) AS days_since_withdrawal
FROM retention_withdrawn_consent_rows
ORDER BY days_since_withdrawal DESC, contact_id
