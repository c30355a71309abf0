-- policy §1.6, contract §3 "Retention breaches": contacts written to after withdrawing consent.
-- Marketing contacts written to after they withdrew consent (policy §1.6), cumulative up to as_of (reading 6):
-- one row per contact, with its real ids. A model: `retention_withdrawn_consent` (the report's few rows,
-- under a pseudonymous key) and the worklist (pipelines/records/) read it by name, so the rule is written once.
SELECT
    contact_id,
    account_id,
    local_date(consent_withdrawn_at) AS consent_withdrawn_on,
    local_date(last_communication_at) AS last_communication_on
FROM marketing_contacts
WHERE consent_withdrawn_at < $as_of_end
  AND last_communication_at < $as_of_end
  AND last_communication_at > consent_withdrawn_at
