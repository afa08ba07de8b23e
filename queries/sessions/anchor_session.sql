-- The customer's last session that started at or before their earliest new event: the first
-- one that new events can change.
SELECT session_number, started_us FROM sessions
WHERE customer_id = ?1 AND started_us <= ?2
ORDER BY session_number DESC
LIMIT 1
