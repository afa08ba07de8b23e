-- The indexes of schema.sql for PostgreSQL, built after the rows are loaded (as pg_restore
-- does). The same names; the same columns, except where PostgreSQL's b-tree entries must
-- stay under about 2.7 kB: text that can be long (page, referrer, a referrer's host) is not
-- indexed here, so any event xcc accepted can be loaded.
CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_customer_time ON events (customer_id, ts_us, id)
    WHERE customer_id IS NOT NULL;
CREATE INDEX rejects_by_ingest_line ON rejects (ingest_id, line_number);
CREATE UNIQUE INDEX sessions_by_customer ON sessions (customer_id, session_number);
CREATE INDEX sessions_ordering ON sessions (customer_id, session_number) WHERE order_count > 0;
CREATE INDEX order_visits_by_visits ON order_visits (visits_before_order);
CREATE INDEX first_orders_by_minutes ON first_orders (minutes_before_first_order);
