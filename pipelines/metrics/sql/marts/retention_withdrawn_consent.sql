-- policy §1.6, contract §5 reading 6: the most recent contacts written to after withdrawing consent.
-- Marketing contacts written to after they withdrew consent (policy §1.6), cumulative up to as_of (reading 6),
-- over `retention_withdrawn_consent_rows`, under a pseudonymous key, the most recently contacted first.
SELECT
    pseudonym(contact_id, $pseudonym_salt) AS contact_key,
    consent_withdrawn_on,
    last_communication_on
FROM retention_withdrawn_consent_rows
ORDER BY last_communication_on DESC, contact_key
