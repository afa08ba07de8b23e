-- The rows of GET /metrics/sensitivity that a shared file or a dump carries, in order of
-- timeout (none in a working file).
SELECT timeout_seconds, sessions, ordering_sessions, median_visits_before_order,
       median_session_duration_minutes_before_order
FROM sensitivity
ORDER BY timeout_seconds
