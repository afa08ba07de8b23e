-- The sessions, for the dump, in the columns of queries/postgres/tables.sql: the readable
-- times, which the file does not store, rendered from their microseconds as v_sessions
-- renders them (timestamptz in PostgreSQL).
SELECT id, customer_id, session_number,
       strftime('%Y-%m-%dT%H:%M:%S', started_us / 1000000 - (started_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (started_us % 1000000 + 1000000) % 1000000) AS started_at,
       strftime('%Y-%m-%dT%H:%M:%S', ended_us / 1000000 - (ended_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (ended_us % 1000000 + 1000000) % 1000000) AS ended_at,
       started_us, ended_us, duration_seconds, event_count, page_view_count, order_count,
       strftime('%Y-%m-%dT%H:%M:%S', first_order_us / 1000000 - (first_order_us % 1000000 < 0), 'unixepoch') || printf('.%06dZ', (first_order_us % 1000000 + 1000000) % 1000000) AS first_order_at,
       first_order_us, referrer, referrer_host, landing_page
FROM sessions
