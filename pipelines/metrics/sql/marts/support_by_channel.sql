-- policy §1.4, contract §3 "Support-inquiry statistics": tickets per channel.
-- Tickets created in the quarter per channel, over `support_evaluated`; every channel appears.
SELECT c.channel, count(e.channel) AS tickets
FROM channels() AS c
LEFT JOIN support_evaluated AS e ON e.channel = c.channel AND e.in_quarter
GROUP BY c.channel, c.position
ORDER BY c.position
