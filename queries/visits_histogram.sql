-- GET /metrics/distributions, part 1: how many ordering sessions needed 1, 2, 3, … visits.
SELECT visits_before_order AS visits,
       COUNT(*) AS ordering_sessions
FROM v_order_visits
GROUP BY visits_before_order
ORDER BY visits_before_order;
