-- GET /metrics/orders/detail: the spread of the two metrics of GET /metrics/orders, one row
-- each: n, the 25th, 50th, 75th and 90th percentiles, mean, min and max. Percentiles
-- interpolate between neighbours like PERCENTILE_CONT: rank h = (n - 1) * q/100 lies between
-- rows k + 1 and k + 2 (k = floor(h)), weighted by the fraction of h; all rank arithmetic is in
-- integers (row rn is k + 1 when 100 (rn - 1) <= (n - 1) q < 100 rn), so every engine picks
-- the same rows. p50 is the median of /metrics/orders. No values: n 0, the rest NULL.
SELECT 'visits_before_order' AS metric,
       COUNT(*) AS n,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 25 AND (n - 1) * 25 < 100 * rn
                   THEN x * (1 - ((n - 1) * 25 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 25 AND (n - 1) * 25 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 25 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p25,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 50 AND (n - 1) * 50 < 100 * rn
                   THEN x * (1 - ((n - 1) * 50 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 50 AND (n - 1) * 50 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 50 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p50,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 75 AND (n - 1) * 75 < 100 * rn
                   THEN x * (1 - ((n - 1) * 75 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 75 AND (n - 1) * 75 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 75 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p75,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 90 AND (n - 1) * 90 < 100 * rn
                   THEN x * (1 - ((n - 1) * 90 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 90 AND (n - 1) * 90 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 90 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p90,
       AVG(x) AS mean,
       MIN(x) AS min,
       MAX(x) AS max
FROM (SELECT visits_before_order AS x,
             ROW_NUMBER() OVER (ORDER BY visits_before_order) AS rn,
             COUNT(*) OVER () AS n
      FROM v_order_visits) AS ranked
UNION ALL
SELECT 'minutes_before_first_order' AS metric,
       COUNT(*) AS n,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 25 AND (n - 1) * 25 < 100 * rn
                   THEN x * (1 - ((n - 1) * 25 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 25 AND (n - 1) * 25 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 25 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p25,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 50 AND (n - 1) * 50 < 100 * rn
                   THEN x * (1 - ((n - 1) * 50 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 50 AND (n - 1) * 50 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 50 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p50,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 75 AND (n - 1) * 75 < 100 * rn
                   THEN x * (1 - ((n - 1) * 75 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 75 AND (n - 1) * 75 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 75 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p75,
       SUM(CASE
               WHEN 100 * (rn - 1) <= (n - 1) * 90 AND (n - 1) * 90 < 100 * rn
                   THEN x * (1 - ((n - 1) * 90 - 100 * (rn - 1)) / 100.0)
               WHEN 100 * (rn - 2) <= (n - 1) * 90 AND (n - 1) * 90 < 100 * (rn - 1)
                   THEN x * (((n - 1) * 90 - 100 * (rn - 2)) / 100.0)
               ELSE 0
           END) AS p90,
       AVG(x) AS mean,
       MIN(x) AS min,
       MAX(x) AS max
FROM (SELECT minutes_before_first_order AS x,
             ROW_NUMBER() OVER (ORDER BY minutes_before_first_order) AS rn,
             COUNT(*) OVER () AS n
      FROM v_first_order) AS ranked
