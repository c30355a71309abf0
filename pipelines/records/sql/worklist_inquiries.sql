-- Inquiries of the quarter still unanswered at as_of with their due day passed (policy §1.4, "Inquiries
-- answered"; docs/report.md, "Open now and fixed late"): the finding's open_now. Those answered after their
-- due day are fixed late and not listed. By the exports' own ticket_id, the longest overdue first. Rows of the
-- metric model `support_evaluated` (support.unanswered_past_standard), read by its response_status: an inquiry is
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
    -- days past the due day at as_of
    date_diff('day', response_due, CAST($as_of AS DATE)) AS days_overdue
FROM support_evaluated
WHERE in_quarter AND response_status = 'unanswered_past_standard'
ORDER BY days_overdue DESC, ticket_id
