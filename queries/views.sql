-- Views for analysts, created with the schema. The HTTP API's queries read these same views,
-- so the numbers in the file and the numbers the API serves come from one definition.
-- Portable: `xcc dump --dialect postgres` creates the same views from this file, with the
-- differences named in src/dump/dialect.rs (the readable times that SQLite renders here are
-- columns of PostgreSQL's tables), and DuckDB's SQLite reader runs each view's SQL itself.
-- So: no bare `/` between integers (engines disagree on it: DuckDB's gives a float), booleans
-- as CASE … 1 ELSE 0, numbers made text with CAST, subqueries with an alias, no COLLATE
-- (SQLite's default is byte order already; DuckDB cannot parse COLLATE BINARY), no date
-- function (none is common to the three: a time is the date of the table calendar and its
-- time of day in arithmetic). A view that computes a column ends with an arm of
-- column_types that adds no row and gives its columns their types, inside a
-- `SELECT * FROM (…) AS typed`, whose column types SQLite 3.38 reads off that last arm (see
-- schema.sql).

-- Sessions with readable times and durations in minutes. A time is rendered from its
-- microseconds as YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC): the date from the table calendar, by its
-- day number, and the time of day from the remainder; `(x % m + m) % m` is the remainder that
-- is never negative, so that a time before 1970 is floored to its day as well.
CREATE VIEW v_sessions AS
SELECT * FROM (
SELECT s.id AS session_id,
       s.customer_id,
       s.session_number,
       sd.date || printf('T%02d:%02d:%02d.%06dZ',
           CAST(((s.started_us % 86400000000 + 86400000000) % 86400000000 - (s.started_us % 3600000000 + 3600000000) % 3600000000) / 3600000000 AS BIGINT),
           CAST(((s.started_us % 3600000000 + 3600000000) % 3600000000 - (s.started_us % 60000000 + 60000000) % 60000000) / 60000000 AS BIGINT),
           CAST(((s.started_us % 60000000 + 60000000) % 60000000 - (s.started_us % 1000000 + 1000000) % 1000000) / 1000000 AS BIGINT),
           CAST((s.started_us % 1000000 + 1000000) % 1000000 AS BIGINT)) AS started_at,
       ed.date || printf('T%02d:%02d:%02d.%06dZ',
           CAST(((s.ended_us % 86400000000 + 86400000000) % 86400000000 - (s.ended_us % 3600000000 + 3600000000) % 3600000000) / 3600000000 AS BIGINT),
           CAST(((s.ended_us % 3600000000 + 3600000000) % 3600000000 - (s.ended_us % 60000000 + 60000000) % 60000000) / 60000000 AS BIGINT),
           CAST(((s.ended_us % 60000000 + 60000000) % 60000000 - (s.ended_us % 1000000 + 1000000) % 1000000) / 1000000 AS BIGINT),
           CAST((s.ended_us % 1000000 + 1000000) % 1000000 AS BIGINT)) AS ended_at,
       s.duration_seconds / 60.0 AS duration_minutes,
       s.event_count,
       s.page_view_count,
       s.order_count,
       CASE WHEN s.order_count > 0 THEN 1 ELSE 0 END AS is_ordering,
       fd.date || printf('T%02d:%02d:%02d.%06dZ',
           CAST(((s.first_order_us % 86400000000 + 86400000000) % 86400000000 - (s.first_order_us % 3600000000 + 3600000000) % 3600000000) / 3600000000 AS BIGINT),
           CAST(((s.first_order_us % 3600000000 + 3600000000) % 3600000000 - (s.first_order_us % 60000000 + 60000000) % 60000000) / 60000000 AS BIGINT),
           CAST(((s.first_order_us % 60000000 + 60000000) % 60000000 - (s.first_order_us % 1000000 + 1000000) % 1000000) / 1000000 AS BIGINT),
           CAST((s.first_order_us % 1000000 + 1000000) % 1000000 AS BIGINT)) AS first_order_at,
       s.referrer,
       COALESCE(s.referrer_host, '(direct)') AS referrer_host,
       s.landing_page
FROM sessions AS s
LEFT JOIN calendar AS sd ON sd.day = (s.started_us - (s.started_us % 86400000000 + 86400000000) % 86400000000) / 86400000000
LEFT JOIN calendar AS ed ON ed.day = (s.ended_us - (s.ended_us % 86400000000 + 86400000000) % 86400000000) / 86400000000
LEFT JOIN calendar AS fd ON fd.day = (s.first_order_us - (s.first_order_us % 86400000000 + 86400000000) % 86400000000) / 86400000000
UNION ALL
SELECT integer_value, integer_value, integer_value, text_value, text_value, real_value,
       integer_value, integer_value, integer_value, integer_value, text_value, text_value,
       text_value, text_value
FROM column_types WHERE 1 = 0
) AS typed;

-- Every stored event with its time as the input gave it: the text kept when it is not the
-- six-digit rendering of ts_us, else that rendering (as v_sessions renders its times); its
-- address as text (ip_v4 rendered, as src/store/ip.rs does); its type, page and referrer as
-- text from event_types and urls. LEFT JOINs keep the events'
-- own row order, which the dumps follow. Its numbers are the table's own columns, typed for
-- every reader; it has no arm of column_types, because a compound view cannot be flattened
-- into a count, and counting a million events through one (as datasette does for every page
-- of a view) took 1.6 s instead of 0.4: so `timestamp` and `ip` have no declared type
-- (DuckDB's sqlite_scan reads them as BLOB; its ATTACH as VARCHAR).
CREATE VIEW v_events AS
SELECT e.id, t.name AS type, e.customer_id,
       coalesce(e.timestamp_given, c.date || printf('T%02d:%02d:%02d.%06dZ',
           CAST(((e.ts_us % 86400000000 + 86400000000) % 86400000000 - (e.ts_us % 3600000000 + 3600000000) % 3600000000) / 3600000000 AS BIGINT),
           CAST(((e.ts_us % 3600000000 + 3600000000) % 3600000000 - (e.ts_us % 60000000 + 60000000) % 60000000) / 60000000 AS BIGINT),
           CAST(((e.ts_us % 60000000 + 60000000) % 60000000 - (e.ts_us % 1000000 + 1000000) % 1000000) / 1000000 AS BIGINT),
           CAST((e.ts_us % 1000000 + 1000000) % 1000000 AS BIGINT))) AS "timestamp",
       e.ts_us, e.user_agent,
       coalesce(e.ip, (e.ip_v4 >> 24) || '.' || ((e.ip_v4 >> 16) & 255) || '.' || ((e.ip_v4 >> 8) & 255) || '.' || (e.ip_v4 & 255)) AS ip,
       p.url AS page, r.url AS referrer, e.query, e.product,
       e.position, e.extra, e.ingest_id
FROM events AS e
LEFT JOIN event_types AS t ON t.id = e.type_id
LEFT JOIN urls AS p ON p.id = e.page_id
LEFT JOIN urls AS r ON r.id = e.referrer_id
LEFT JOIN calendar AS c ON c.day = (e.ts_us - (e.ts_us % 86400000000 + 86400000000) % 86400000000) / 86400000000;

-- One row per ordering session: how many of the customer's sessions it took since their
-- previous ordering session (or since their first session), this one included. Kept in the
-- table order_visits (queries/sessions/order_visits.sql computes it).
CREATE VIEW v_order_visits AS
SELECT customer_id, session_id, session_number, order_number, visits_before_order
FROM order_visits;

-- One row per ordering customer: the minutes spent in the shop before their first order,
-- i.e. the durations of all sessions before the first ordering session plus the time from
-- the start of that session to its first placed_order. Kept in the table first_orders
-- (queries/sessions/first_orders.sql computes it).
CREATE VIEW v_first_order AS
SELECT customer_id, session_id, sessions_until_first_order, minutes_before_first_order
FROM first_orders;

-- Session duration by referrer host ('(direct)' when no event of the session had a referrer).
-- Median and 90th percentile interpolate between neighbours, like PERCENTILE_CONT and
-- pandas' quantile(); SQLite has no percentile function, so ranks come from window functions.
CREATE VIEW v_referrers AS
WITH ranked AS (
    SELECT COALESCE(referrer_host, '(direct)') AS referrer_host,
           duration_seconds / 60.0 AS minutes,
           CASE WHEN order_count > 0 THEN 1 ELSE 0 END AS ordering,
           ROW_NUMBER() OVER (PARTITION BY referrer_host ORDER BY duration_seconds) AS rn,
           COUNT(*) OVER (PARTITION BY referrer_host) AS n
    FROM sessions
)
SELECT * FROM (
SELECT referrer_host,
       COUNT(*) AS sessions,
       SUM(ordering) AS ordering_sessions,
       1.0 * SUM(ordering) / COUNT(*) AS ordering_share,
       -- the middle row (n odd) or the two middle rows (n even): 2·rn in [n, n + 2]
       AVG(minutes) FILTER (WHERE 2 * rn BETWEEN n AND n + 2) AS median_minutes,
       AVG(minutes) AS mean_minutes,
       -- rank h = (n - 1) · 0.9 interpolated between rows k + 1 and k + 2, k = floor(h):
       -- row rn is k + 1 when 10 (rn - 1) <= 9 (n - 1) < 10 rn, all in integers
       SUM(CASE
               WHEN 10 * (rn - 1) <= 9 * (n - 1) AND 9 * (n - 1) < 10 * rn
                   THEN minutes * (1 - (9 * (n - 1) - 10 * (rn - 1)) / 10.0)
               WHEN 10 * (rn - 2) <= 9 * (n - 1) AND 9 * (n - 1) < 10 * (rn - 1)
                   THEN minutes * ((9 * (n - 1) - 10 * (rn - 2)) / 10.0)
               ELSE 0
           END) AS p90_minutes
FROM ranked
GROUP BY referrer_host
UNION ALL
SELECT text_value, integer_value, integer_value, real_value, real_value, real_value, real_value
FROM column_types WHERE 1 = 0
) AS typed
ORDER BY sessions DESC, referrer_host;

-- What the sessions and the two order metrics would be at other session timeouts: one row
-- per timeout of 10, 15, 20, 30, 45, 60, 90 and 120 minutes, and one for the file's own
-- timeout when it is not among them (GET /metrics/sensitivity). Each row is what
-- `xcc sessionize --timeout T` and then `xcc metrics orders` would give. A file written by
-- xcc share or xcc dump carries the rows in the table sensitivity; otherwise
-- they are computed here from the logged-in events, sessionized at every timeout as xcc does
-- it (a gap of the timeout or more starts a session; (timestamp, id) order) — a second,
-- independent definition of what xcc's sweep (src/sessions/sweep.rs) serves. It reads every
-- logged-in event once per timeout: seconds on a large file, which GET /metrics/sensitivity
-- answers from a faster sweep. Of n values in order, the median is the mean of the rows
-- whose row number rn has 2·rn in [n, n + 2]: the middle one, or the two middle ones.
CREATE VIEW v_sensitivity AS
WITH timeouts (seconds) AS (
    VALUES (600), (900), (1200), (1800), (2700), (3600), (5400), (7200)
    UNION
    SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'session_timeout_seconds'
),
gaps AS (
    SELECT t.seconds, e.customer_id, e.ts_us, e.id,
           CASE WHEN e.type_id = (SELECT id FROM event_types WHERE name = 'placed_order')
                THEN 1 ELSE 0 END AS is_order,
           -- the first event (no previous one) and a gap of the timeout or more start one
           CASE WHEN e.ts_us - LAG(e.ts_us) OVER w < CAST(t.seconds AS BIGINT) * 1000000
                THEN 0 ELSE 1 END AS starts
    FROM timeouts AS t
    CROSS JOIN events AS e
    WHERE e.customer_id IS NOT NULL
    WINDOW w AS (PARTITION BY t.seconds, e.customer_id ORDER BY e.ts_us, e.id)
),
numbered AS (
    SELECT seconds, customer_id, ts_us, is_order,
           SUM(starts) OVER (PARTITION BY seconds, customer_id ORDER BY ts_us, id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_number
    FROM gaps
),
sessions_at AS (
    SELECT seconds, customer_id, session_number,
           MIN(ts_us) AS started_us,
           MAX(ts_us) AS ended_us,
           MIN(CASE WHEN is_order = 1 THEN ts_us END) AS first_order_us
    FROM numbered
    GROUP BY seconds, customer_id, session_number
),
ordering_at AS (
    SELECT seconds, customer_id, session_number,
           session_number - COALESCE(LAG(session_number) OVER c, 0) AS visits,
           ROW_NUMBER() OVER c AS order_number,
           (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0 AS minutes
    FROM (SELECT s.*,
                 SUM(ended_us - started_us) OVER (
                     PARTITION BY seconds, customer_id ORDER BY session_number
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_us
          FROM sessions_at AS s) AS s
    WHERE first_order_us IS NOT NULL
    WINDOW c AS (PARTITION BY seconds, customer_id ORDER BY session_number)
),
counts AS (
    SELECT seconds, COUNT(*) AS sessions,
           SUM(CASE WHEN first_order_us IS NOT NULL THEN 1 ELSE 0 END) AS ordering_sessions
    FROM sessions_at
    GROUP BY seconds
),
visits_ranked AS (
    SELECT seconds, visits AS x,
           ROW_NUMBER() OVER (PARTITION BY seconds ORDER BY visits) AS rn,
           COUNT(*) OVER (PARTITION BY seconds) AS n
    FROM ordering_at
),
minutes_ranked AS (
    SELECT seconds, minutes AS x,
           ROW_NUMBER() OVER (PARTITION BY seconds ORDER BY minutes) AS rn,
           COUNT(*) OVER (PARTITION BY seconds) AS n
    FROM ordering_at
    WHERE order_number = 1
),
medians AS (
    SELECT t.seconds,
           (SELECT AVG(x) FROM visits_ranked AS v
            WHERE v.seconds = t.seconds AND 2 * v.rn BETWEEN v.n AND v.n + 2) AS visits,
           (SELECT AVG(x) FROM minutes_ranked AS m
            WHERE m.seconds = t.seconds AND 2 * m.rn BETWEEN m.n AND m.n + 2) AS minutes
    FROM timeouts AS t
),
answer AS (
    SELECT timeout_seconds AS seconds, sessions, ordering_sessions, median_visits_before_order,
           median_session_duration_minutes_before_order
    FROM sensitivity
    UNION ALL
    SELECT t.seconds, COALESCE(c.sessions, 0), COALESCE(c.ordering_sessions, 0), m.visits,
           m.minutes
    FROM timeouts AS t
    LEFT JOIN counts AS c ON c.seconds = t.seconds
    JOIN medians AS m ON m.seconds = t.seconds
    WHERE NOT EXISTS (SELECT 1 FROM sensitivity)
)
SELECT * FROM (
SELECT CASE WHEN seconds % 60 = 0 THEN CAST((seconds - seconds % 60) / 60 AS INTEGER)
            ELSE seconds / 60.0 END AS timeout_minutes,
       sessions,
       ordering_sessions,
       median_visits_before_order,
       median_session_duration_minutes_before_order
FROM answer
UNION ALL
SELECT real_value, integer_value, integer_value, real_value, real_value
FROM column_types WHERE 1 = 0
) AS typed
ORDER BY timeout_minutes;

-- Every ingest and sessionize, oldest first: the figures before and after it and what
-- changed (GET /metrics/history).
CREATE VIEW v_history AS
SELECT id, command, ingest_id, finished_at, timeout_seconds,
       median_visits_before, median_visits_after,
       median_minutes_before, median_minutes_after,
       sessions_before, sessions_after, ordering_sessions_before, ordering_sessions_after,
       customers_before, customers_after, events_before, events_after,
       new_events, late_events, customers_touched, sessions_rebuilt
FROM history
ORDER BY id;

-- The dictionary in reading order (SELECT * FROM v_dictionary LIMIT 20 shows what matters):
-- about, then the views of the two metrics, the referrers and the timeouts, the other views;
-- then sessions and events; then the tables the metrics are kept in; then the bookkeeping.
-- Within a name, its own row first, then its columns alphabetically.
CREATE VIEW v_dictionary AS
SELECT d.name, d.column_name, d.kind, d.description
FROM dictionary AS d
JOIN (SELECT name,
             CASE name
                 WHEN 'about' THEN 0
                 WHEN 'v_metrics_orders' THEN 1
                 WHEN 'v_order_visits' THEN 2
                 WHEN 'v_first_order' THEN 3
                 WHEN 'v_referrers' THEN 4
                 WHEN 'v_sensitivity' THEN 5
                 WHEN 'v_sessions' THEN 6
                 WHEN 'v_history' THEN 7
                 WHEN 'sessions' THEN 10
                 WHEN 'events' THEN 11
                 WHEN 'event_types' THEN 12
                 WHEN 'urls' THEN 13
                 WHEN 'meta' THEN 31
                 WHEN 'ingests' THEN 32
                 WHEN 'rejects' THEN 33
                 WHEN 'ingest_blocks' THEN 34
                 WHEN 'dictionary' THEN 35
                 ELSE CASE WHEN kind = 'view' THEN 8 ELSE 20 END
             END AS position
      FROM dictionary
      WHERE column_name IS NULL) AS named ON named.name = d.name
ORDER BY named.position,
         d.name,
         CASE WHEN d.column_name IS NULL THEN 0 ELSE 1 END,
         d.column_name;

-- The file at a glance: what wrote it, its settings, what it holds, every ingest.
CREATE VIEW about AS
SELECT * FROM (
SELECT 'read me first' AS item,
       'Sessions of a webshop''s clickstream, made by xcc. Start with v_metrics_orders: the two order metrics of the brief in one row. v_order_visits and v_first_order hold them per ordering session and per customer, v_referrers and v_sensitivity the session durations by referrer and the metrics at other session timeouts. v_dictionary explains every table, view and column.' AS value
UNION ALL SELECT key, value FROM meta
UNION ALL SELECT 'events in this file', CAST((SELECT COUNT(*) FROM events) AS TEXT)
UNION ALL SELECT 'events stored by the ingests below', CAST((SELECT COALESCE(SUM(stored), 0) FROM ingests) AS TEXT)
UNION ALL SELECT 'lines rejected by the ingests below (why: table rejects, or reject_reasons in a shared file)', CAST((SELECT COALESCE(SUM(rejected), 0) FROM ingests) AS TEXT)
UNION ALL SELECT 'customers with sessions', CAST((SELECT COUNT(*) FROM sessions WHERE session_number = 1) AS TEXT)
UNION ALL SELECT 'sessions', CAST((SELECT COUNT(*) FROM sessions) AS TEXT)
UNION ALL SELECT 'ordering sessions', CAST((SELECT COUNT(*) FROM sessions WHERE order_count > 0) AS TEXT)
UNION ALL SELECT 'first event', CAST((SELECT MIN(first_event_at) FROM ingests) AS TEXT)
UNION ALL SELECT 'last event', CAST((SELECT MAX(last_event_at) FROM ingests) AS TEXT)
UNION ALL
SELECT 'ingest ' || CAST(id AS TEXT),
       source || ', finished ' || CAST(finished_at AS TEXT) || ' by xcc ' || tool_version
           || CASE WHEN unchanged_since IS NULL
                   THEN ': ' || CAST(lines_read AS TEXT) || ' lines read, ' || CAST(stored AS TEXT)
                        || ' stored, ' || CAST(duplicates AS TEXT) || ' duplicates, '
                        || CAST(rejected AS TEXT) || ' rejected'
                   ELSE ': unchanged since ingest ' || CAST(unchanged_since AS TEXT)
                        || ' (the server answered 304 Not Modified), nothing read'
              END
FROM ingests
UNION ALL
SELECT text_value, text_value FROM column_types WHERE 1 = 0
) AS typed;
