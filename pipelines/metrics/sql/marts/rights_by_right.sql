-- GDPR Art. 12(3), contract §3 "Rights-request turnaround": requests per right.
-- Requests by right over `rights_evaluated`: received in the quarter, completed in it,
-- and of those completed, on time. Rights present in either population, in the
-- contract's order; a right outside the contract's list is 'other', last
-- (docs/contract.md, "Only declared values"). other_values: on the 'other' row, how many
-- distinct undeclared rights it holds (received or completed in the quarter), a count only;
-- NULL on a known right's row. Reading 23: consent withdrawals count in received, but their row's completed
-- and on_time are NULL: they are no Art. 12(3) requests (rights.consent_withdrawals judges them against the
-- company's standard), so completed and on_time add up to rights.completed and rights.on_time.
WITH counts AS (
    SELECT
        "right",
        count(CASE WHEN received_in_quarter THEN 1 END) AS received,
        count(CASE WHEN completed_in_quarter AND NOT consent_withdrawal THEN 1 END) AS completed,
        count(CASE WHEN completed_in_quarter AND NOT consent_withdrawal AND on_time THEN 1 END) AS on_time,
        count(DISTINCT CASE WHEN "right" = 'other' THEN right_given END) AS other_values
    FROM rights_evaluated
    WHERE received_in_quarter OR completed_in_quarter
    GROUP BY "right"
)
SELECT
    c."right",
    c.received,
    CASE WHEN c."right" <> 'consent_withdrawal' THEN c.completed END AS completed,
    CASE WHEN c."right" <> 'consent_withdrawal' THEN c.on_time END AS on_time,
    CASE WHEN c."right" = 'other' THEN c.other_values END AS other_values
FROM counts AS c
LEFT JOIN rights() AS k ON k."right" = c."right"
ORDER BY coalesce(k.position, 99), c."right"
