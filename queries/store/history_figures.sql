-- The figures a history row keeps before and after a change: both medians of
-- GET /metrics/orders, sessions, ordering sessions, customers with sessions, events stored.
SELECT m.median_visits_before_order,
       m.median_session_duration_minutes_before_order,
       (SELECT COUNT(*) FROM sessions),
       (SELECT COUNT(*) FROM sessions WHERE order_count > 0),
       (SELECT COUNT(*) FROM sessions WHERE session_number = 1),
       (SELECT COALESCE(SUM(stored), 0) FROM ingests)
FROM v_metrics_orders AS m
