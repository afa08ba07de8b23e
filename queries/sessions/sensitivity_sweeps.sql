-- Where one customer's sweeps stand, one row per timeout (src/sessions/sensitivity.rs).
SELECT timeout_minutes, sessions, ordering_sessions, last_event_us, session_started_us,
       session_ordering, last_ordering_session, closed_us, before_first_order_us
FROM sensitivity_customers
WHERE customer_id = ?1
ORDER BY timeout_minutes
