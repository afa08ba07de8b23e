CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE ingests (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT    NOT NULL,
    tool_version TEXT    NOT NULL,
    lines_read   INTEGER NOT NULL,
    stored       INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    -- the earliest and latest timestamp among the events this ingest stored
    first_event_at TEXT,
    last_event_at  TEXT,
    CHECK (lines_read = stored + duplicates + rejected)
);
CREATE TABLE events (
    id          INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    customer_id INTEGER,
    timestamp   TEXT    NOT NULL,
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
CREATE TABLE rejects (
    id          INTEGER PRIMARY KEY,
    ingest_id   INTEGER NOT NULL REFERENCES ingests(id),
    source      TEXT    NOT NULL,
    line_number INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    raw         BLOB    NOT NULL
);
CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
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
    landing_page     TEXT,
    UNIQUE (customer_id, session_number)
);
CREATE TABLE dictionary (
    name        TEXT NOT NULL,
    column_name TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('table', 'view', 'column')),
    description TEXT NOT NULL,
    UNIQUE (name, column_name)
);
CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_customer_time ON events (customer_id, ts_us, id, type, page, referrer)
    WHERE customer_id IS NOT NULL;
CREATE INDEX sessions_ordering ON sessions (customer_id, session_number) WHERE order_count > 0;
CREATE INDEX sessions_timeline ON sessions
    (customer_id, session_number, order_count, started_us, ended_us, first_order_us);
CREATE INDEX sessions_by_referrer_host ON sessions (referrer_host, duration_seconds, order_count);
CREATE VIEW v_sessions AS
SELECT id AS session_id,
       customer_id,
       session_number,
       started_at,
       ended_at,
       duration_seconds / 60.0 AS duration_minutes,
       event_count,
       page_view_count,
       order_count,
       order_count > 0 AS is_ordering,
       first_order_at,
       referrer,
       COALESCE(referrer_host, '(direct)') AS referrer_host,
       landing_page
FROM sessions;
CREATE VIEW v_order_visits AS
SELECT customer_id,
       id AS session_id,
       session_number,
       ROW_NUMBER() OVER by_customer AS order_number,
       session_number - COALESCE(LAG(session_number) OVER by_customer, 0) AS visits_before_order
FROM sessions
WHERE order_count > 0
WINDOW by_customer AS (PARTITION BY customer_id ORDER BY session_number);
CREATE VIEW v_first_order AS
SELECT customer_id,
       id AS session_id,
       session_number AS sessions_until_first_order,
       (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0
           AS minutes_before_first_order
FROM (
    SELECT id,
           customer_id,
           session_number,
           started_us,
           first_order_us,
           SUM(ended_us - started_us) OVER (
               PARTITION BY customer_id ORDER BY session_number
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS earlier_us,
           MIN(CASE WHEN order_count > 0 THEN session_number END)
               OVER (PARTITION BY customer_id) AS first_ordering_session
    FROM sessions
)
WHERE session_number = first_ordering_session;
CREATE VIEW v_referrers AS
WITH ranked AS (
    SELECT COALESCE(referrer_host, '(direct)') AS referrer_host,
           duration_seconds / 60.0 AS minutes,
           order_count > 0 AS ordering,
           ROW_NUMBER() OVER (PARTITION BY referrer_host ORDER BY duration_seconds) AS rn,
           COUNT(*) OVER (PARTITION BY referrer_host) AS n
    FROM sessions
)
SELECT referrer_host,
       COUNT(*) AS sessions,
       SUM(ordering) AS ordering_sessions,
       1.0 * SUM(ordering) / COUNT(*) AS ordering_share,
       AVG(minutes) FILTER (WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS median_minutes,
       AVG(minutes) AS mean_minutes,
       -- rank (n-1)*0.9, computed in integers so that no rounding picks the wrong row
       SUM(CASE
               WHEN rn = (n - 1) * 9 / 10 + 1 THEN minutes * (1 - ((n - 1) * 9 % 10) / 10.0)
               WHEN rn = (n - 1) * 9 / 10 + 2 THEN minutes * (((n - 1) * 9 % 10) / 10.0)
               ELSE 0
           END) AS p90_minutes
FROM ranked
GROUP BY referrer_host
ORDER BY sessions DESC, referrer_host;
CREATE VIEW about AS
SELECT 'read me first' AS item,
       'Sessions of a webshop''s clickstream, made by xcc. Table dictionary explains every table, view and column; v_order_visits and v_first_order hold the two order metrics per session and per customer.' AS value
UNION ALL SELECT key, value FROM meta
UNION ALL SELECT 'events stored', (SELECT COALESCE(SUM(stored), 0) FROM ingests)
UNION ALL SELECT 'lines rejected (see table rejects)', (SELECT COALESCE(SUM(rejected), 0) FROM ingests)
UNION ALL SELECT 'customers with sessions', (SELECT COUNT(*) FROM sessions WHERE session_number = 1)
UNION ALL SELECT 'sessions', (SELECT COUNT(*) FROM sessions)
UNION ALL SELECT 'ordering sessions', (SELECT COUNT(*) FROM sessions WHERE order_count > 0)
UNION ALL SELECT 'first event', (SELECT MIN(first_event_at) FROM ingests)
UNION ALL SELECT 'last event', (SELECT MAX(last_event_at) FROM ingests)
UNION ALL
SELECT 'ingest ' || id,
       source || ', finished ' || finished_at || ' by xcc ' || tool_version || ': '
           || lines_read || ' lines read, ' || stored || ' stored, ' || duplicates
           || ' duplicates, ' || rejected || ' rejected'
FROM ingests;
