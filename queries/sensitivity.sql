-- GET /metrics/sensitivity: the sessions and both medians of GET /metrics/orders at other
-- session timeouts, one row per timeout in order (the view v_sensitivity).
SELECT timeout_minutes,
       sessions,
       ordering_sessions,
       median_visits_before_order,
       median_session_duration_minutes_before_order
FROM v_sensitivity
