-- Views for analysts, created with the schema. The HTTP API's queries read these same views,
-- so the numbers in the file and the numbers the API serves come from one definition.
-- Portable: `xcc dump --dialect postgres` creates the same views from this file, with the
-- differences named in src/dump/dialect.rs (today one: COLLATE BINARY is COLLATE "C" there).
-- So: no bare `/` between integers (engines disagree on it), booleans as CASE … 1 ELSE 0,
-- numbers made text with CAST, subqueries with an alias.

-- Sessions with readable times and durations in minutes.
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
       CASE WHEN order_count > 0 THEN 1 ELSE 0 END AS is_ordering,
       first_order_at,
       referrer,
       COALESCE(referrer_host, '(direct)') AS referrer_host,
       landing_page
FROM sessions;

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
ORDER BY sessions DESC, referrer_host COLLATE BINARY;

-- What the sessions and the two order metrics would be at other session timeouts: one row
-- per timeout of 10, 15, 20, 30, 45, 60, 90 and 120 minutes, from the sweeps kept in
-- sensitivity_customers and sensitivity_orders, and one for the file's own timeout when it is
-- not among them, from the sessions themselves (GET /metrics/sensitivity). Each row is what
-- `xcc sessionize --timeout T` and then `xcc metrics orders` would give. Of n values in
-- order, the median is the mean of the values at the lowest positions p with 2p >= n and with
-- 2p >= n + 1: the middle one twice for odd n, the two middle ones for even n. Visits are few
-- distinct integers, so positions come from running counts of each value; minutes are
-- mostly distinct, so from row numbers (the middle rows have 2·rn in [n, n + 2]).
CREATE VIEW v_sensitivity AS
WITH own AS (
    SELECT CASE WHEN s % 60 = 0 THEN CAST((s - s % 60) / 60 AS INTEGER) ELSE s / 60.0 END
               AS timeout_minutes
    FROM (SELECT CAST(value AS INTEGER) AS s FROM meta WHERE key = 'session_timeout_seconds')
         AS file
    WHERE s NOT IN (600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
),
timeouts (timeout_minutes) AS (
    VALUES (10), (15), (20), (30), (45), (60), (90), (120)
    UNION ALL SELECT timeout_minutes FROM own
),
counts AS (
    SELECT timeout_minutes, SUM(sessions) AS sessions, SUM(ordering_sessions) AS ordering_sessions
    FROM sensitivity_customers
    GROUP BY timeout_minutes
    UNION ALL
    SELECT timeout_minutes,
           (SELECT COUNT(*) FROM sessions),
           (SELECT COUNT(*) FROM sessions WHERE order_count > 0)
    FROM own
),
visit_counts AS (
    SELECT timeout_minutes, visits_before_order AS x, COUNT(*) AS k
    FROM sensitivity_orders
    GROUP BY timeout_minutes, visits_before_order
    UNION ALL
    SELECT own.timeout_minutes, o.visits_before_order, COUNT(*)
    FROM own, order_visits AS o
    GROUP BY own.timeout_minutes, o.visits_before_order
),
visits AS (
    SELECT timeout_minutes, x,
           SUM(k) OVER (PARTITION BY timeout_minutes ORDER BY x
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
           SUM(k) OVER (PARTITION BY timeout_minutes) AS n
    FROM visit_counts
),
median_visits AS (
    SELECT timeout_minutes,
           (MIN(x) FILTER (WHERE 2 * upto >= n) + MIN(x) FILTER (WHERE 2 * upto >= n + 1)) / 2.0
               AS median
    FROM visits
    GROUP BY timeout_minutes
),
minutes AS (
    SELECT timeout_minutes, x,
           ROW_NUMBER() OVER (PARTITION BY timeout_minutes ORDER BY x) AS rn,
           COUNT(*) OVER (PARTITION BY timeout_minutes) AS n
    FROM (SELECT timeout_minutes, minutes_before_first_order AS x FROM sensitivity_customers
          WHERE minutes_before_first_order IS NOT NULL
          UNION ALL
          SELECT own.timeout_minutes, f.minutes_before_first_order FROM own, first_orders AS f)
         AS m
),
median_minutes AS (
    SELECT timeout_minutes, AVG(x) AS median FROM minutes
    WHERE 2 * rn BETWEEN n AND n + 2
    GROUP BY timeout_minutes
)
SELECT t.timeout_minutes,
       COALESCE(c.sessions, 0) AS sessions,
       COALESCE(c.ordering_sessions, 0) AS ordering_sessions,
       v.median AS median_visits_before_order,
       m.median AS median_session_duration_minutes_before_order
FROM timeouts AS t
LEFT JOIN counts AS c ON c.timeout_minutes = t.timeout_minutes
LEFT JOIN median_visits AS v ON v.timeout_minutes = t.timeout_minutes
LEFT JOIN median_minutes AS m ON m.timeout_minutes = t.timeout_minutes
ORDER BY t.timeout_minutes;

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
         d.name COLLATE BINARY,
         CASE WHEN d.column_name IS NULL THEN 0 ELSE 1 END,
         d.column_name COLLATE BINARY;

-- The file at a glance: what wrote it, its settings, what it holds, every ingest.
CREATE VIEW about AS
SELECT 'read me first' AS item,
       'Sessions of a webshop''s clickstream, made by xcc. Table dictionary explains every table, view and column; v_order_visits and v_first_order hold the two order metrics per session and per customer.' AS value
UNION ALL SELECT key, value FROM meta
UNION ALL SELECT 'events stored', CAST((SELECT COALESCE(SUM(stored), 0) FROM ingests) AS TEXT)
UNION ALL SELECT 'lines rejected (see table rejects)', CAST((SELECT COALESCE(SUM(rejected), 0) FROM ingests) AS TEXT)
UNION ALL SELECT 'customers with sessions', CAST((SELECT COUNT(*) FROM sessions WHERE session_number = 1) AS TEXT)
UNION ALL SELECT 'sessions', CAST((SELECT COUNT(*) FROM sessions) AS TEXT)
UNION ALL SELECT 'ordering sessions', CAST((SELECT COUNT(*) FROM sessions WHERE order_count > 0) AS TEXT)
UNION ALL SELECT 'first event', CAST((SELECT MIN(first_event_at) FROM ingests) AS TEXT)
UNION ALL SELECT 'last event', CAST((SELECT MAX(last_event_at) FROM ingests) AS TEXT)
UNION ALL
SELECT 'ingest ' || CAST(id AS TEXT),
       source || ', finished ' || CAST(finished_at AS TEXT) || ' by xcc ' || tool_version
           || ': ' || CAST(lines_read AS TEXT) || ' lines read, ' || CAST(stored AS TEXT)
           || ' stored, ' || CAST(duplicates AS TEXT) || ' duplicates, '
           || CAST(rejected AS TEXT) || ' rejected'
FROM ingests;
