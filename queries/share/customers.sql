-- Every customer id of the rows a shared file copies, in order: those of the sessions and
-- their order rows, and of the events when ?1 (--events logged-in).
SELECT customer_id FROM source.sessions
UNION SELECT customer_id FROM source.order_visits
UNION SELECT customer_id FROM source.first_orders
UNION SELECT customer_id FROM source.events WHERE ?1 AND customer_id IS NOT NULL
ORDER BY 1
