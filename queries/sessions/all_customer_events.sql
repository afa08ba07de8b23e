-- Every logged-in event, customer by customer in (timestamp, id) order: one ordered scan of
-- events_by_customer_time for a full rebuild, with the type, page and referrer looked up by
-- their ids (measured on 1M real-shaped lines: 0.14 s against 0.09 s when the index held the
-- texts, for an index less than half the size).
SELECT e.customer_id, e.id, e.ts_us, t.name, p.url, r.url
FROM events AS e
LEFT JOIN event_types AS t ON t.id = e.type_id
LEFT JOIN urls AS p ON p.id = e.page_id
LEFT JOIN urls AS r ON r.id = e.referrer_id
WHERE e.customer_id IS NOT NULL
ORDER BY e.customer_id, e.ts_us, e.id
