-- One customer's events from a time on, in the sessionizer's (timestamp, id) order, read from
-- the covering index events_by_customer_time, with the type, page and referrer looked up by
-- their ids.
SELECT e.id, e.ts_us, t.name, p.url, r.url
FROM events AS e
LEFT JOIN event_types AS t ON t.id = e.type_id
LEFT JOIN urls AS p ON p.id = e.page_id
LEFT JOIN urls AS r ON r.id = e.referrer_id
WHERE e.customer_id = ?1 AND e.ts_us >= ?2
ORDER BY e.ts_us, e.id
