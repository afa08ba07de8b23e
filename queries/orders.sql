-- GET /metrics/orders, and the view v_metrics_orders (made from this file): the two medians
-- of the brief, over the rows of v_order_visits and v_first_order. Of n values in order, the
-- median is the middle one (n odd) or the mean of the two middle ones (n even): the rows
-- after the first (n - 1) div 2, one of them for odd n, two for even n. Read in the order of
-- the value indexes of order_visits and first_orders, so only the lower half is read.
-- With from, to or referrer, GET /metrics/orders gives the p50 values of orders_detail.sql.
-- Portable: (m - m % 2) / 2 divides an even number, which every engine does exactly, and the
-- CAST makes the result an integer where `/` gives a float. No ordering session gives NULL.
WITH counts AS (
    SELECT (SELECT COUNT(*) FROM v_order_visits) AS visits,
           (SELECT COUNT(*) FROM v_first_order) AS customers
)
SELECT
    (SELECT AVG(visits_before_order)
     FROM (SELECT visits_before_order
           FROM v_order_visits
           ORDER BY visits_before_order
           LIMIT (SELECT 2 - visits % 2 FROM counts)
           OFFSET (SELECT CAST((visits - 1 - (visits - 1) % 2) / 2 AS INTEGER) FROM counts)
          ) AS middle) AS median_visits_before_order,
    (SELECT AVG(minutes_before_first_order)
     FROM (SELECT minutes_before_first_order
           FROM v_first_order
           ORDER BY minutes_before_first_order
           LIMIT (SELECT 2 - customers % 2 FROM counts)
           OFFSET (SELECT CAST((customers - 1 - (customers - 1) % 2) / 2 AS INTEGER) FROM counts)
          ) AS middle) AS median_session_duration_minutes_before_order
