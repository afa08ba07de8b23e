-- GET /metrics/distributions, part 2: ordering customers by minutes spent before their first
-- order, in buckets that widen with the time spent (to_minutes NULL = open-ended).
WITH buckets (from_minutes, to_minutes) AS (
    VALUES (0, 5), (5, 10), (10, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, NULL)
)
SELECT b.from_minutes,
       b.to_minutes,
       COUNT(f.customer_id) AS customers
FROM buckets AS b
LEFT JOIN v_first_order AS f
       ON f.minutes_before_first_order >= b.from_minutes
      AND (b.to_minutes IS NULL OR f.minutes_before_first_order < b.to_minutes)
GROUP BY b.from_minutes, b.to_minutes
ORDER BY b.from_minutes;
