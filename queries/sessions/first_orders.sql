-- The rows of first_orders for the customers ?1 to ?2 (one customer: ?1 = ?2), from their
-- sessions: the durations of all sessions before the first ordering session plus the time
-- from the start of that session to its first placed_order, in minutes.
INSERT INTO first_orders (customer_id, session_id, sessions_until_first_order,
    minutes_before_first_order)
SELECT customer_id,
       id,
       session_number,
       (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0
FROM (
    SELECT id,
           customer_id,
           session_number,
           started_us,
           first_order_us,
           SUM(ended_us - started_us) OVER (
               PARTITION BY customer_id ORDER BY session_number
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS earlier_us,
           MIN(CASE WHEN order_count > 0 THEN session_number END)
               OVER (PARTITION BY customer_id) AS first_ordering_session
    FROM sessions
    WHERE customer_id BETWEEN ?1 AND ?2
)
WHERE session_number = first_ordering_session
