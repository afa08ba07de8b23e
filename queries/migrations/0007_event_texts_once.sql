-- Schema version 6 -> 7: each event type and each page or referrer URL is stored once, in the
-- new tables event_types and urls, and events hold their ids (type_id, page_id,
-- referrer_id); an IPv4 address written the usual way is the number ip_v4
-- (xcc_packed_ipv4, src/store/ip.rs, which the step defines); v_events gives the texts as
-- before. The ids follow the events' row order, as
-- an ingest gives them: a type, then the page, then the referrer of each event in turn.
-- The events table is made anew under its own name (so that its definition reads exactly as
-- in schema.sql): the old one is renamed aside with legacy_alter_table on (src/migrations.rs),
-- copied in its row order, and dropped. Sessions keep their texts and are not touched; the
-- index sessions_timeline, which only an incremental ingest's look-up used, is dropped.
-- Frozen: a later schema change is a new step, never an edit of this one.

DROP INDEX IF EXISTS sessions_timeline;
DROP INDEX events_by_id;
DROP INDEX IF EXISTS events_by_customer_time;
ALTER TABLE events RENAME TO events_v6;

CREATE TABLE event_types (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

CREATE TABLE urls (
    id  INTEGER PRIMARY KEY,
    url TEXT    NOT NULL UNIQUE
);

INSERT INTO event_types (name)
SELECT type FROM events_v6 GROUP BY type ORDER BY min(rowid);

INSERT INTO urls (url)
SELECT url FROM (
    SELECT page AS url, 2 * rowid AS seen FROM events_v6 WHERE page IS NOT NULL
    UNION ALL
    SELECT referrer, 2 * rowid + 1 FROM events_v6 WHERE referrer IS NOT NULL
)
GROUP BY url ORDER BY min(seen);

CREATE TABLE events (
    id          INTEGER NOT NULL,
    type_id     INTEGER NOT NULL REFERENCES event_types(id),
    customer_id INTEGER,
    timestamp_given TEXT,
    ts_us       INTEGER NOT NULL,
    user_agent  TEXT,
    ip_v4       INTEGER,
    ip          TEXT,
    page_id     INTEGER REFERENCES urls(id),
    referrer_id INTEGER REFERENCES urls(id),
    query       TEXT,
    product     INTEGER,
    position    INTEGER,
    extra       TEXT,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id)
);

INSERT INTO events (id, type_id, customer_id, timestamp_given, ts_us, user_agent, ip_v4, ip,
    page_id, referrer_id, query, product, position, extra, ingest_id)
SELECT e.id, t.id, e.customer_id, e.timestamp_given, e.ts_us, e.user_agent,
       xcc_packed_ipv4(e.ip), CASE WHEN xcc_packed_ipv4(e.ip) IS NULL THEN e.ip END,
       p.id, r.id, e.query, e.product, e.position, e.extra, e.ingest_id
FROM events_v6 AS e
LEFT JOIN event_types AS t ON t.name = e.type
LEFT JOIN urls AS p ON p.url = e.page
LEFT JOIN urls AS r ON r.url = e.referrer
ORDER BY e.rowid;

DROP TABLE events_v6;

CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_customer_time ON events
    (customer_id, ts_us, id, type_id, page_id, referrer_id)
    WHERE customer_id IS NOT NULL;
