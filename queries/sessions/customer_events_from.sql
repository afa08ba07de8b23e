-- One customer's events from a time on, in the sessionizer's (timestamp, id) order, read from
-- the covering index events_by_customer_time; the type, page and referrer as ids, whose texts
-- src/sessions/texts.rs looks up.
SELECT e.id, e.ts_us, e.type_id, e.page_id, e.referrer_id
FROM events AS e
WHERE e.customer_id = ?1 AND e.ts_us >= ?2
ORDER BY e.ts_us, e.id
