-- Rows of order_visits that its sessions do not give, and rows the sessions give that
-- order_visits lacks (the same computation as queries/sessions/order_visits.sql): the first
-- of them, with which side has it ('file' or 'sessions').
WITH expected AS (
    SELECT customer_id,
           ROW_NUMBER() OVER by_customer AS order_number,
           id AS session_id,
           session_number,
           session_number - COALESCE(LAG(session_number) OVER by_customer, 0)
               AS visits_before_order
    FROM sessions
    WHERE order_count > 0
    WINDOW by_customer AS (PARTITION BY customer_id ORDER BY session_number)
),
stored AS (
    SELECT customer_id, order_number, session_id, session_number, visits_before_order
    FROM order_visits
)
SELECT 'file' AS side, * FROM (SELECT * FROM stored EXCEPT SELECT * FROM expected)
UNION ALL
SELECT 'sessions', * FROM (SELECT * FROM expected EXCEPT SELECT * FROM stored)
ORDER BY 2, 3
LIMIT 1
