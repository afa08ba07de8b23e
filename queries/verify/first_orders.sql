-- Rows of first_orders that its sessions do not give, and rows the sessions give that
-- first_orders lacks: the first of them, with which side has it ('file' or 'sessions'). The
-- first ordering session is found here as the smallest ordering session_number of the
-- customer, not as queries/sessions/first_orders.sql finds it, so that the check does not
-- repeat the computation it checks.
WITH expected AS (
    SELECT customer_id,
           id AS session_id,
           session_number AS sessions_until_first_order,
           (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0
               AS minutes_before_first_order
    FROM (
        SELECT id, customer_id, session_number, started_us, first_order_us,
               SUM(ended_us - started_us) OVER (
                   PARTITION BY customer_id ORDER BY session_number
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ) AS earlier_us,
               MIN(CASE WHEN order_count > 0 THEN session_number END)
                   OVER (PARTITION BY customer_id) AS first_ordering_session
        FROM sessions
    ) AS s
    WHERE session_number = first_ordering_session
),
stored AS (
    SELECT customer_id, session_id, sessions_until_first_order, minutes_before_first_order
    FROM first_orders
)
SELECT 'file' AS side, * FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
UNION ALL
SELECT 'sessions', * FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
ORDER BY 2
LIMIT 1
