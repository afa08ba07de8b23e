-- Version 4 → 5: the per-customer sweeps of GET /metrics/sensitivity are no longer kept (the
-- answer is swept from the events when asked); a file written without events carries the
-- answer's rows instead.
DROP TABLE sensitivity_customers;
DROP TABLE sensitivity_orders;
CREATE TABLE sensitivity (
    timeout_seconds                              INTEGER PRIMARY KEY,
    sessions                                     INTEGER NOT NULL,
    ordering_sessions                            INTEGER NOT NULL,
    median_visits_before_order                   REAL,
    median_session_duration_minutes_before_order REAL
);
