-- One customer's figures at one timeout, and where their sweep stands: new, or replacing the
-- row an earlier sweep left.
INSERT OR REPLACE INTO sensitivity_customers (customer_id, timeout_minutes, sessions,
    ordering_sessions, minutes_before_first_order, last_event_us, session_started_us,
    session_ordering, last_ordering_session, closed_us, before_first_order_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
