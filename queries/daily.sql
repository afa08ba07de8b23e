-- GET /metrics/daily: sessions started per UTC day, and how many of them had an order.
SELECT substr(started_at, 1, 10) AS day,
       COUNT(*) AS sessions,
       SUM(order_count > 0) AS ordering_sessions
FROM sessions
GROUP BY day
ORDER BY day;
