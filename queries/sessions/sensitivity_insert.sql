-- One row of GET /metrics/sensitivity, written into a shared file.
INSERT INTO sensitivity (timeout_seconds, sessions, ordering_sessions, median_visits_before_order,
    median_session_duration_minutes_before_order)
VALUES (?1, ?2, ?3, ?4, ?5)
