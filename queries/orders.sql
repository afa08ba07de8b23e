-- GET /metrics/orders: the two medians of the brief. SQLite has no median function, so each
-- is the middle value (or the mean of the two middle ones) of the values read in order: the
-- views read the tables order_visits and first_orders, whose indexes on the value give that
-- order without a sort, so this reads about half of two small indexes. No ordering session
-- gives NULL for both (the LIMIT is 2, the OFFSET 0, over no rows).
WITH counts AS (
    SELECT (SELECT COUNT(*) FROM v_order_visits) AS visits,
           (SELECT COUNT(*) FROM v_first_order) AS customers
)
SELECT
    (SELECT AVG(visits_before_order) FROM (
        SELECT visits_before_order FROM v_order_visits
        ORDER BY visits_before_order
        LIMIT 2 - (SELECT visits FROM counts) % 2
        OFFSET ((SELECT visits FROM counts) - 1) / 2
    )) AS median_visits_before_order,
    (SELECT AVG(minutes_before_first_order) FROM (
        SELECT minutes_before_first_order FROM v_first_order
        ORDER BY minutes_before_first_order
        LIMIT 2 - (SELECT customers FROM counts) % 2
        OFFSET ((SELECT customers FROM counts) - 1) / 2
    )) AS median_session_duration_minutes_before_order;
