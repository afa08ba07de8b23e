-- One customer's events from a time on, in the sessionizer's (timestamp, id) order, read from
-- the covering index events_by_customer_time.
SELECT id, ts_us, type, page, referrer FROM events
WHERE customer_id = ?1 AND ts_us >= ?2
ORDER BY ts_us, id
