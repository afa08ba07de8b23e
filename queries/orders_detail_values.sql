-- The medians' 95% intervals of GET /metrics/orders/detail (src/metrics/stats.rs): each value
-- of the two metrics and how many times it occurs, over the same rows and with the same
-- parameters as queries/orders_detail.sql (its WHERE clauses, repeated here): an ordering
-- session counts when its first placed_order is in [:from_us, :to_us) and its referrer host
-- is :referrer ('(direct)' for none); a customer counts for the minutes when their first
-- order does. NULL: no bound. xcc picks the interval's order statistics from these counts.
WITH visits AS (
    SELECT o.visits_before_order AS x
    FROM v_order_visits AS o
    JOIN sessions AS s ON s.customer_id = o.customer_id AND s.session_number = o.session_number
    WHERE (:from_us IS NULL OR s.first_order_us >= :from_us)
      AND (:to_us IS NULL OR s.first_order_us < :to_us)
      AND (:referrer IS NULL OR COALESCE(s.referrer_host, '(direct)') = :referrer)
),
minutes AS (
    SELECT f.minutes_before_first_order AS x
    FROM v_first_order AS f
    JOIN sessions AS s
      ON s.customer_id = f.customer_id AND s.session_number = f.sessions_until_first_order
    WHERE (:from_us IS NULL OR s.first_order_us >= :from_us)
      AND (:to_us IS NULL OR s.first_order_us < :to_us)
      AND (:referrer IS NULL OR COALESCE(s.referrer_host, '(direct)') = :referrer)
)
SELECT 'visits_before_order' AS metric, x, COUNT(*) AS n
FROM visits
GROUP BY x
UNION ALL
SELECT 'minutes_before_first_order', x, COUNT(*)
FROM minutes
GROUP BY x
