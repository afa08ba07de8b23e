-- GET /metrics/orders: the two medians of the brief. SQLite has no median function, so each
-- value is ranked with ROW_NUMBER() and counted with COUNT() windows and the middle one (or
-- the mean of the two middle ones) is kept. No ordering session gives NULL for both.
WITH visits AS (
    SELECT visits_before_order AS value,
           ROW_NUMBER() OVER (ORDER BY visits_before_order) AS rn,
           COUNT(*) OVER () AS n
    FROM v_order_visits
),
minutes AS (
    SELECT minutes_before_first_order AS value,
           ROW_NUMBER() OVER (ORDER BY minutes_before_first_order) AS rn,
           COUNT(*) OVER () AS n
    FROM v_first_order
)
SELECT
    (SELECT AVG(value) FROM visits WHERE rn IN ((n + 1) / 2, (n + 2) / 2))
        AS median_visits_before_order,
    (SELECT AVG(value) FROM minutes WHERE rn IN ((n + 1) / 2, (n + 2) / 2))
        AS median_session_duration_minutes_before_order;
