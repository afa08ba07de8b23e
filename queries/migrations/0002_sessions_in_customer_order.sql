-- Schema version 1 -> 2: sessions in (customer_id, session_number) order.
-- Version 1 keyed `sessions` by its first event's id (the rowid), which scattered every insert
-- of a rebuild across the table; version 2 appends rows in (customer_id, session_number) order
-- under a named unique index. Sessions are derived data: the table is made anew here and the
-- step then sessionizes the stored events again (src/migrations.rs).
-- Frozen: a later schema change is a new step, never an edit of this one.

DROP TABLE sessions;

CREATE TABLE sessions (
    id               INTEGER NOT NULL,
    customer_id      INTEGER NOT NULL,
    session_number   INTEGER NOT NULL,
    started_at       TEXT    NOT NULL,
    ended_at         TEXT    NOT NULL,
    started_us       INTEGER NOT NULL,
    ended_us         INTEGER NOT NULL,
    duration_seconds REAL    NOT NULL,
    event_count      INTEGER NOT NULL,
    page_view_count  INTEGER NOT NULL,
    order_count      INTEGER NOT NULL,
    first_order_at   TEXT,
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
