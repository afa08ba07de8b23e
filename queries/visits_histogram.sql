-- GET /metrics/distributions, part 1: how many ordering sessions needed 1, 2, 3, … visits.
-- Parameters (NULL: no bound): ordering sessions that started in [:from_us, :to_us), of
-- referrer host :referrer ('(direct)' for none).
SELECT o.visits_before_order AS visits,
       COUNT(*) AS ordering_sessions
FROM v_order_visits AS o
JOIN sessions AS s ON s.customer_id = o.customer_id AND s.session_number = o.session_number
WHERE (:from_us IS NULL OR s.started_us >= :from_us)
  AND (:to_us IS NULL OR s.started_us < :to_us)
  AND (:referrer IS NULL OR COALESCE(s.referrer_host, '(direct)') = :referrer)
GROUP BY o.visits_before_order
ORDER BY o.visits_before_order
