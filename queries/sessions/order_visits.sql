-- The rows of order_visits for the customers ?1 to ?2 (one customer: ?1 = ?2), from their
-- sessions: for each ordering session, the sessions since the customer's previous ordering
-- session (or their first session), this one included.
INSERT INTO order_visits (customer_id, order_number, session_id, session_number,
    visits_before_order)
SELECT customer_id,
       ROW_NUMBER() OVER by_customer,
       id,
       session_number,
       session_number - COALESCE(LAG(session_number) OVER by_customer, 0)
FROM sessions
WHERE customer_id BETWEEN ?1 AND ?2 AND order_count > 0
WINDOW by_customer AS (PARTITION BY customer_id ORDER BY session_number)
