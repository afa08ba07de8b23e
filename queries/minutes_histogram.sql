-- GET /metrics/distributions, part 2: ordering customers by minutes spent before their first
-- order, in bins of equal width (10 minutes) up to 2 hours, and the rest from 120 on
-- (to_minutes NULL = open-ended). Equal widths, so that bar heights compare like for like.
-- Parameters (NULL: no bound): customers whose first ordering session started in
-- [:from_us, :to_us), of referrer host :referrer ('(direct)' for none).
WITH buckets (from_minutes, to_minutes) AS (
    VALUES (0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80),
           (80, 90), (90, 100), (100, 110), (110, 120), (120, NULL)
)
SELECT b.from_minutes,
       b.to_minutes,
       COUNT(f.customer_id) AS customers
FROM buckets AS b
LEFT JOIN (SELECT f.customer_id, f.minutes_before_first_order
           FROM v_first_order AS f
           JOIN sessions AS s
             ON s.customer_id = f.customer_id AND s.session_number = f.sessions_until_first_order
           WHERE (:from_us IS NULL OR s.started_us >= :from_us)
             AND (:to_us IS NULL OR s.started_us < :to_us)
             AND (:referrer IS NULL OR COALESCE(s.referrer_host, '(direct)') = :referrer)
          ) AS f
       ON f.minutes_before_first_order >= b.from_minutes
      AND (b.to_minutes IS NULL OR f.minutes_before_first_order < b.to_minutes)
GROUP BY b.from_minutes, b.to_minutes
ORDER BY b.from_minutes;
