-- GET /metrics/daily: sessions started per UTC day, and how many of them had an order.
-- partial is 1 on the day the data ends, when it ends before that day is over (the latest
-- event stored is before 23:59:59.999999 UTC): that day's bar is not a whole day.
SELECT substr(s.started_at, 1, 10) AS day,
       COUNT(*) AS sessions,
       SUM(CASE WHEN s.order_count > 0 THEN 1 ELSE 0 END) AS ordering_sessions,
       CASE WHEN substr(s.started_at, 1, 10) = substr(latest.at, 1, 10)
                 AND substr(latest.at, 12, 15) < '23:59:59.999999' THEN 1 ELSE 0 END AS partial
FROM sessions AS s, (SELECT MAX(last_event_at) AS at FROM ingests) AS latest
GROUP BY day
ORDER BY day;
