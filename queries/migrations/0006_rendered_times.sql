-- Schema version 5 -> 6: no text that only renders a time's integer is stored. The sessions
-- lose started_at, ended_at and first_order_at (v_sessions renders them from the *_us
-- columns); the events' timestamp becomes timestamp_given, NULL when it is the six-digit
-- rendering of ts_us, the usual case (v_events gives the text as written either way).
-- The events table is made anew under its own name (so that its definition reads exactly as
-- in schema.sql): the old one is renamed aside with legacy_alter_table on (src/migrations.rs),
-- so that no other definition is rewritten to follow it, copied in its row order, and dropped.
-- Sessions are derived data: the table is made anew, and the step then sessionizes the stored
-- events again (src/migrations.rs).
-- Frozen: a later schema change is a new step, never an edit of this one.

DROP INDEX events_by_id;
DROP INDEX IF EXISTS events_by_customer_time;
ALTER TABLE events RENAME TO events_v5;

CREATE TABLE events (
    id          INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    customer_id INTEGER,
    timestamp_given TEXT,
    ts_us       INTEGER NOT NULL,
    user_agent  TEXT,
    ip          TEXT,
    page        TEXT,
    referrer    TEXT,
    query       TEXT,
    product     INTEGER,
    position    INTEGER,
    extra       TEXT,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id)
);

INSERT INTO events (id, type, customer_id, timestamp_given, ts_us, user_agent, ip, page,
    referrer, query, product, position, extra, ingest_id)
SELECT id, type, customer_id,
       CASE WHEN timestamp IS strftime('%Y-%m-%dT%H:%M:%S', ts_us / 1000000 - (ts_us % 1000000 < 0), 'unixepoch')
                          || printf('.%06dZ', (ts_us % 1000000 + 1000000) % 1000000)
            THEN NULL ELSE timestamp END,
       ts_us, user_agent, ip, page, referrer, query, product, position, extra, ingest_id
FROM events_v5 ORDER BY rowid;

DROP TABLE events_v5;

CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_customer_time ON events (customer_id, ts_us, id, type, page, referrer)
    WHERE customer_id IS NOT NULL;

DROP TABLE sessions;

CREATE TABLE sessions (
    id               INTEGER NOT NULL,
    customer_id      INTEGER NOT NULL,
    session_number   INTEGER NOT NULL,
    started_us       INTEGER NOT NULL,
    ended_us         INTEGER NOT NULL,
    duration_seconds REAL    NOT NULL,
    event_count      INTEGER NOT NULL,
    page_view_count  INTEGER NOT NULL,
    order_count      INTEGER NOT NULL,
    first_order_us   INTEGER,
    referrer         TEXT,
    referrer_host    TEXT,
    landing_page     TEXT
);

CREATE UNIQUE INDEX sessions_by_customer ON sessions (customer_id, session_number);
CREATE INDEX sessions_ordering ON sessions (customer_id, session_number) WHERE order_count > 0;
CREATE INDEX sessions_timeline ON sessions
    (customer_id, session_number, order_count, started_us, ended_us, first_order_us);
CREATE INDEX sessions_by_referrer_host ON sessions (referrer_host, duration_seconds, order_count);
