-- Inquiries of the quarter that missed the response standard (policy §1.4, "Inquiries answered";
-- docs/report.md, "Findings"): answered after their due day, or unanswered at as_of with the due day
-- passed, by the exports' own ticket_id, the longest overdue first. Rows of the metric model
-- `support_evaluated` (support.past_response_standard), read by its response_status: an inquiry is
-- answered by its first response or, failing that, its resolution (contract reading 24), and a
-- ticket resolved before it was created is in no status counted here (readings 4, 24).
SELECT
    ticket_id,
    account_id,
    channel,
    created_on,
    response_due,
    first_response_on,
    answered_on,
    response_status,
    -- days past the due day: to the answer (reading 24), or to as_of while none came
    date_diff('day', response_due, coalesce(answered_on, $as_of)) AS days_overdue
FROM support_evaluated
WHERE in_quarter AND response_status IN ('answered_late', 'unanswered_past_standard')
ORDER BY days_overdue DESC, ticket_id
