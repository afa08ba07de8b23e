-- Schema version 7 -> 8: the file reads in DuckDB's SQLite reader as in SQLite.
-- meta, ingest_blocks and order_visits get a rowid (that reader scans a table by its rowid
-- and cannot read one WITHOUT ROWID): each is made anew under its own name (so that its
-- definition reads exactly as in schema.sql), the old one renamed aside with
-- legacy_alter_table on (src/upgrade/steps.rs), copied in key order, and dropped. The new
-- table calendar gets the day of every stored event (SQLite's date() of the day's first
-- second), and column_types is made, empty; the views are made anew after every upgrade.
-- The step then carries the rows of GET /metrics/sensitivity, as every writer now does.
-- Frozen: a later schema change is a new step, never an edit of this one.

ALTER TABLE meta RENAME TO meta_v7;
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) SELECT key, value FROM meta_v7 ORDER BY key;
DROP TABLE meta_v7;

ALTER TABLE ingest_blocks RENAME TO ingest_blocks_v7;
CREATE TABLE ingest_blocks (
    ingest_id  INTEGER NOT NULL REFERENCES ingests(id),
    block      INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    end_line   INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (ingest_id, block)
);
INSERT INTO ingest_blocks (ingest_id, block, end_offset, end_line, records, hash)
SELECT ingest_id, block, end_offset, end_line, records, hash
FROM ingest_blocks_v7 ORDER BY ingest_id, block;
DROP TABLE ingest_blocks_v7;

DROP INDEX order_visits_by_visits;
ALTER TABLE order_visits RENAME TO order_visits_v7;
CREATE TABLE order_visits (
    customer_id         INTEGER NOT NULL,
    order_number        INTEGER NOT NULL,
    session_id          INTEGER NOT NULL,
    session_number      INTEGER NOT NULL,
    visits_before_order INTEGER NOT NULL,
    PRIMARY KEY (customer_id, order_number)
);
INSERT INTO order_visits (customer_id, order_number, session_id, session_number,
    visits_before_order)
SELECT customer_id, order_number, session_id, session_number, visits_before_order
FROM order_visits_v7 ORDER BY customer_id, order_number;
DROP TABLE order_visits_v7;
CREATE INDEX order_visits_by_visits ON order_visits (visits_before_order);

CREATE TABLE calendar (
    day  INTEGER PRIMARY KEY,
    date TEXT    NOT NULL
);
INSERT INTO calendar (day, date)
SELECT day, date(day * 86400, 'unixepoch')
FROM (SELECT DISTINCT (ts_us - (ts_us % 86400000000 + 86400000000) % 86400000000) / 86400000000 AS day
      FROM events) AS days
ORDER BY day;

CREATE TABLE column_types (
    integer_value BIGINT,
    real_value    DOUBLE,
    text_value    TEXT
);
