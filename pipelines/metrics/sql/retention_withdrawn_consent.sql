-- Marketing contacts written to after they withdrew consent (policy §1.6), cumulative up to as_of (reading 6).
SELECT
    pseudonym(contact_id, $pseudonym_salt) AS contact_key,
    local_date(consent_withdrawn_at) AS consent_withdrawn_on,
    local_date(last_communication_at) AS last_communication_on
FROM marketing_contacts
WHERE consent_withdrawn_at < $as_of_end
  AND last_communication_at < $as_of_end
  AND last_communication_at > consent_withdrawn_at
ORDER BY last_communication_on DESC, contact_key
