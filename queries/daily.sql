-- GET /metrics/daily: sessions started per UTC day, and how many of them had an order.
-- partial is 1 on the day the data ends, when it ends before that day is over (the latest
-- event stored is before 23:59:59.999999 UTC): that day's bar is not a whole day.
-- Parameters (NULL: no bound): sessions that started in [:from_us, :to_us), of referrer host
-- :referrer ('(direct)' for none).
SELECT substr(s.started_at, 1, 10) AS day,
       COUNT(*) AS sessions,
       SUM(CASE WHEN s.order_count > 0 THEN 1 ELSE 0 END) AS ordering_sessions,
       CASE WHEN substr(s.started_at, 1, 10) = substr(latest.at, 1, 10)
                 AND substr(latest.at, 12, 15) < '23:59:59.999999' THEN 1 ELSE 0 END AS partial
FROM sessions AS s, (SELECT MAX(last_event_at) AS at FROM ingests) AS latest
WHERE (:from_us IS NULL OR s.started_us >= :from_us)
  AND (:to_us IS NULL OR s.started_us < :to_us)
  AND (:referrer IS NULL OR COALESCE(s.referrer_host, '(direct)') = :referrer)
GROUP BY day
ORDER BY day;
