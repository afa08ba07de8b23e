-- GET /metrics/daily: sessions started per UTC day, and how many of them had an order.
-- partial is 1 on the day the data ends, when it ends before that day is over (the latest
-- event stored is before 23:59:59.999999 UTC): that day's bar is not a whole day.
-- Parameters (NULL: no bound): sessions that started in [:from_us, :to_us), of referrer host
-- :referrer ('(direct)' for none). A session's UTC day from its microseconds, floored before 1970.
SELECT s.started_on AS day,
       COUNT(*) AS sessions,
       SUM(CASE WHEN s.order_count > 0 THEN 1 ELSE 0 END) AS ordering_sessions,
       CASE WHEN s.started_on = substr(latest.at, 1, 10)
                 AND substr(latest.at, 12, 15) < '23:59:59.999999' THEN 1 ELSE 0 END AS partial
FROM (SELECT date(started_us / 1000000 - (started_us % 1000000 < 0), 'unixepoch') AS started_on,
             order_count
      FROM sessions
      WHERE (:from_us IS NULL OR started_us >= :from_us)
        AND (:to_us IS NULL OR started_us < :to_us)
        AND (:referrer IS NULL OR COALESCE(referrer_host, '(direct)') = :referrer)) AS s,
     (SELECT MAX(last_event_at) AS at FROM ingests) AS latest
GROUP BY day
ORDER BY day;
