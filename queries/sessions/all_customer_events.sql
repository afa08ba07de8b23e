-- Every logged-in event, customer by customer in (timestamp, id) order: one ordered scan of
-- events_by_customer_time for a full rebuild.
SELECT customer_id, id, ts_us, type, page, referrer FROM events
WHERE customer_id IS NOT NULL
ORDER BY customer_id, ts_us, id
