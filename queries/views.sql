-- Views for analysts, created with the schema. The HTTP API's queries read these same views,
-- so the numbers in the file and the numbers the API serves come from one definition.

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
       order_count > 0 AS is_ordering,
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

-- The file at a glance: what wrote it, its settings, what it holds, every ingest.
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
