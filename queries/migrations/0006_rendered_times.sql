-- Schema version 5 -> 6: the timestamp texts that only render an integer are generated
-- columns, computed when read instead of stored: sessions.started_at, ended_at and
-- first_order_at, and events.timestamp when it is the six-digit rendering of ts_us
-- (its text is kept in the new column timestamp_given otherwise).
-- The events table is made anew under its own name (so that its definition reads exactly as
-- in schema.sql): the old one is renamed aside with legacy_alter_table on (src/migrations.rs),
-- so that no other definition is rewritten to follow it, copied in its row order, and dropped.
-- Frozen: a later schema change is a new step, never an edit of this one.

DROP INDEX events_by_id;
DROP INDEX IF EXISTS events_by_customer_time;
ALTER TABLE events RENAME TO events_v5;

CREATE TABLE events (
    id          INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    customer_id INTEGER,
    timestamp   TEXT    GENERATED ALWAYS AS (coalesce(timestamp_given,
        strftime('%Y-%m-%dT%H:%M:%S', ts_us / 1000000 - (ts_us % 1000000 < 0), 'unixepoch')
        || printf('.%06dZ', (ts_us % 1000000 + 1000000) % 1000000))) VIRTUAL,
    ts_us       INTEGER NOT NULL,
    user_agent  TEXT,
    ip          TEXT,
    page        TEXT,
    referrer    TEXT,
    query       TEXT,
    product     INTEGER,
    position    INTEGER,
    extra       TEXT,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id),
    timestamp_given TEXT
);

INSERT INTO events (id, type, customer_id, ts_us, user_agent, ip, page, referrer, query,
    product, position, extra, ingest_id, timestamp_given)
SELECT id, type, customer_id, ts_us, user_agent, ip, page, referrer, query, product, position,
       extra, ingest_id,
       CASE WHEN timestamp IS strftime('%Y-%m-%dT%H:%M:%S', ts_us / 1000000 - (ts_us % 1000000 < 0), 'unixepoch')
        || printf('.%06dZ', (ts_us % 1000000 + 1000000) % 1000000)
            THEN NULL ELSE timestamp END
FROM events_v5 ORDER BY rowid;

DROP TABLE events_v5;

CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_customer_time ON events (customer_id, ts_us, id, type, page, referrer)
    WHERE customer_id IS NOT NULL;

-- Sessions are derived data: the table is made anew, and the step then sessionizes the
-- stored events again (src/migrations.rs).
DROP TABLE sessions;

CREATE TABLE sessions (
    id               INTEGER NOT NULL,
    customer_id      INTEGER NOT NULL,
    session_number   INTEGER NOT NULL,
    started_at       TEXT    GENERATED ALWAYS AS (
        strftime('%Y-%m-%dT%H:%M:%S', started_us / 1000000 - (started_us % 1000000 < 0), 'unixepoch')
        || printf('.%06dZ', (started_us % 1000000 + 1000000) % 1000000)) VIRTUAL,
    ended_at         TEXT    GENERATED ALWAYS AS (
        strftime('%Y-%m-%dT%H:%M:%S', ended_us / 1000000 - (ended_us % 1000000 < 0), 'unixepoch')
        || printf('.%06dZ', (ended_us % 1000000 + 1000000) % 1000000)) VIRTUAL,
    started_us       INTEGER NOT NULL,
    ended_us         INTEGER NOT NULL,
    duration_seconds REAL    NOT NULL,
    event_count      INTEGER NOT NULL,
    page_view_count  INTEGER NOT NULL,
    order_count      INTEGER NOT NULL,
    first_order_at   TEXT    GENERATED ALWAYS AS (
        strftime('%Y-%m-%dT%H:%M:%S', first_order_us / 1000000 - (first_order_us % 1000000 < 0), 'unixepoch')
        || printf('.%06dZ', (first_order_us % 1000000 + 1000000) % 1000000)) VIRTUAL,
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
