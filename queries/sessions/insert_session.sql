-- started_at, ended_at and first_order_at are generated from the *_us columns (schema.sql).
INSERT INTO sessions (id, customer_id, session_number, started_us, ended_us, duration_seconds,
    event_count, page_view_count, order_count, first_order_us, referrer, referrer_host,
    landing_page)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
