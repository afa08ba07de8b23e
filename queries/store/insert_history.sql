INSERT INTO history (command, ingest_id, finished_at, timeout_seconds,
    median_visits_before, median_visits_after, median_minutes_before, median_minutes_after,
    sessions_before, sessions_after, ordering_sessions_before, ordering_sessions_after,
    customers_before, customers_after, events_before, events_after,
    new_events, late_events, customers_touched, sessions_rebuilt)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ?20)
