-- Every logged-in event, customer by customer in (timestamp, id) order: one ordered scan of
-- events_by_customer_time for a full rebuild. The type, page and referrer come as ids, whose
-- texts src/sessions/texts.rs looks up once each (measured on 1M real-shaped lines: 0.04 s
-- for this scan, 0.12 s with event_types and urls joined for every event).
SELECT e.customer_id, e.id, e.ts_us, e.type_id, e.page_id, e.referrer_id
FROM events AS e
WHERE e.customer_id IS NOT NULL
ORDER BY e.customer_id, e.ts_us, e.id
