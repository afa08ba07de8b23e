-- Spark SQL: the answers of `xcc metrics orders` and `xcc metrics referrers` over the view
-- `sessions` (from sessionize.sql), with xcc's definitions (README: The metrics). Two
-- statements, each named by the comment before it, which scripts/spark_metrics.py runs.
-- Medians and the 90th percentile are Spark's exact `percentile`, which interpolates between
-- neighbours as xcc does.

-- name: orders
WITH ordering AS (
    -- per ordering session: the customer's sessions since their previous ordering session
    -- (or their first session), this one included
    SELECT session_number - COALESCE(LAG(session_number) OVER (
               PARTITION BY customer_id ORDER BY session_number), 0) AS visits
    FROM sessions
    WHERE order_count > 0
),
timeline AS (
    SELECT session_number,
           started_us,
           first_order_us,
           SUM(ended_us - started_us) OVER (
               PARTITION BY customer_id ORDER BY session_number
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_us,
           MIN(CASE WHEN order_count > 0 THEN session_number END)
               OVER (PARTITION BY customer_id) AS first_ordering_session
    FROM sessions
),
first_orders AS (
    -- per ordering customer: the sessions before the first ordering session, and the time
    -- from that session's start to its first placed_order, in minutes
    SELECT (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0D AS minutes
    FROM timeline
    WHERE session_number = first_ordering_session
)
SELECT (SELECT percentile(visits, 0.5D) FROM ordering) AS median_visits_before_order,
       (SELECT percentile(minutes, 0.5D) FROM first_orders)
           AS median_session_duration_minutes_before_order;

-- name: referrers
SELECT COALESCE(referrer_host, '(direct)') AS referrer_host,
       COUNT(*) AS sessions,
       COUNT_IF(order_count > 0) AS ordering_sessions,
       COUNT_IF(order_count > 0) / COUNT(*) AS ordering_share,
       percentile(duration_seconds / 60.0D, 0.5D) AS median_minutes,
       AVG(duration_seconds / 60.0D) AS mean_minutes,
       percentile(duration_seconds / 60.0D, 0.9D) AS p90_minutes
FROM sessions
GROUP BY referrer_host
ORDER BY sessions DESC, referrer_host;
