-- GET /metrics/orders/detail: the spread of the two metrics of GET /metrics/orders, one row
-- each: n, the 25th, 50th, 75th and 90th percentiles, mean, min and max. Percentiles
-- interpolate between neighbours like PERCENTILE_CONT: rank h = (n - 1) * q/100 lies between
-- rows k + 1 and k + 2 (k = floor(h)), weighted by the fraction of h; all rank arithmetic is in
-- integers (row rn is k + 1 when 100 (rn - 1) <= (n - 1) q < 100 rn), so every engine picks
-- the same rows. p50 is the median of /metrics/orders. No values: n 0, the rest NULL.
-- Parameters (NULL: no bound): an ordering session counts when its first placed_order is in
-- [:from_us, :to_us) and its referrer host is :referrer ('(direct)' for none); a customer
-- counts for the minutes when their first order is, in the same way. The visits before an
-- order still count the customer's sessions before the range. With any of them,
-- GET /metrics/orders gives this query's p50 values (the same middle values as orders.sql).
WITH metrics (metric, position) AS (
    VALUES ('visits_before_order', 1), ('minutes_before_first_order', 2)
),
visits AS (
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
),
ranked AS (
    SELECT 'visits_before_order' AS metric,
           x,
           ROW_NUMBER() OVER (ORDER BY x) AS rn,
           COUNT(*) OVER () AS n
    FROM visits
    UNION ALL
    SELECT 'minutes_before_first_order', x, ROW_NUMBER() OVER (ORDER BY x), COUNT(*) OVER ()
    FROM minutes
)
SELECT m.metric,
       COUNT(r.x) AS n,
       CASE WHEN COUNT(r.x) > 0 THEN SUM(CASE
               WHEN 100 * (r.rn - 1) <= (r.n - 1) * 25 AND (r.n - 1) * 25 < 100 * r.rn
                   THEN r.x * (1 - ((r.n - 1) * 25 - 100 * (r.rn - 1)) / 100.0)
               WHEN 100 * (r.rn - 2) <= (r.n - 1) * 25 AND (r.n - 1) * 25 < 100 * (r.rn - 1)
                   THEN r.x * (((r.n - 1) * 25 - 100 * (r.rn - 2)) / 100.0)
               ELSE 0
           END) END AS p25,
       CASE WHEN COUNT(r.x) > 0 THEN SUM(CASE
               WHEN 100 * (r.rn - 1) <= (r.n - 1) * 50 AND (r.n - 1) * 50 < 100 * r.rn
                   THEN r.x * (1 - ((r.n - 1) * 50 - 100 * (r.rn - 1)) / 100.0)
               WHEN 100 * (r.rn - 2) <= (r.n - 1) * 50 AND (r.n - 1) * 50 < 100 * (r.rn - 1)
                   THEN r.x * (((r.n - 1) * 50 - 100 * (r.rn - 2)) / 100.0)
               ELSE 0
           END) END AS p50,
       CASE WHEN COUNT(r.x) > 0 THEN SUM(CASE
               WHEN 100 * (r.rn - 1) <= (r.n - 1) * 75 AND (r.n - 1) * 75 < 100 * r.rn
                   THEN r.x * (1 - ((r.n - 1) * 75 - 100 * (r.rn - 1)) / 100.0)
               WHEN 100 * (r.rn - 2) <= (r.n - 1) * 75 AND (r.n - 1) * 75 < 100 * (r.rn - 1)
                   THEN r.x * (((r.n - 1) * 75 - 100 * (r.rn - 2)) / 100.0)
               ELSE 0
           END) END AS p75,
       CASE WHEN COUNT(r.x) > 0 THEN SUM(CASE
               WHEN 100 * (r.rn - 1) <= (r.n - 1) * 90 AND (r.n - 1) * 90 < 100 * r.rn
                   THEN r.x * (1 - ((r.n - 1) * 90 - 100 * (r.rn - 1)) / 100.0)
               WHEN 100 * (r.rn - 2) <= (r.n - 1) * 90 AND (r.n - 1) * 90 < 100 * (r.rn - 1)
                   THEN r.x * (((r.n - 1) * 90 - 100 * (r.rn - 2)) / 100.0)
               ELSE 0
           END) END AS p90,
       AVG(r.x) AS mean,
       MIN(r.x) AS min,
       MAX(r.x) AS max
FROM metrics AS m
LEFT JOIN ranked AS r ON r.metric = m.metric
GROUP BY m.metric, m.position
ORDER BY m.position
