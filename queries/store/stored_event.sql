-- The stored values of an event (all but ingest_id) in the order src/store/events.rs binds
-- them, to compare with an event read again.
SELECT id, type, customer_id, ts_us, user_agent, ip, page, referrer, query, product, position,
       extra, timestamp_given
FROM events WHERE id = ?1
