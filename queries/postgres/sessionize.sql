-- Sessions made inside PostgreSQL, for events that already live there: the rules of xcc
-- (see README: Sessions), written with window functions over a table `events` with xcc's
-- columns (id, type, customer_id, ts_us, page, referrer; ts_us is microseconds since 1970,
-- e.g. (extract(epoch FROM ts) * 1000000)::bigint from a timestamptz). It fills the tables
-- sessions, order_visits and first_orders of a schema made by `xcc dump --dialect postgres`
-- (`--events none` makes one without events), so that every view answers from them; the
-- result equals what xcc builds (a test compares them row by row).
--
--   psql -v timeout_seconds=1800 -c 'SET search_path TO xcc' -f sessionize.sql "$DATABASE_URL"
--
-- The rules: only events with a customer_id; a customer's events in (ts_us, id) order; a gap
-- of timeout_seconds or more (1800 by default) starts a new session. A session's id is its
-- first event's id; page views and orders are counted by type (compared in lower case);
-- referrer is its first non-blank referrer, landing_page its first page view's page.
-- Blank means ASCII white space here; xcc's own trim also takes other Unicode spaces (say,
-- a referrer of only no-break spaces), which is the one case where the two can differ.

\if :{?timeout_seconds}
\else
\set timeout_seconds 1800
\endif
\set ON_ERROR_STOP on

BEGIN;

TRUNCATE sessions, order_visits, first_orders;

INSERT INTO sessions (id, customer_id, session_number, started_at, ended_at, started_us,
    ended_us, duration_seconds, event_count, page_view_count, order_count, first_order_at,
    first_order_us, referrer, referrer_host, landing_page)
WITH ordered AS (
    SELECT id, customer_id, ts_us, lower(type) AS type, page, referrer,
           ts_us - LAG(ts_us) OVER by_time AS gap_us
    FROM events
    WHERE customer_id IS NOT NULL
    WINDOW by_time AS (PARTITION BY customer_id ORDER BY ts_us, id)
),
numbered AS (
    SELECT *,
           SUM(CASE WHEN gap_us IS NULL OR gap_us >= :timeout_seconds * 1000000::bigint
                    THEN 1 ELSE 0 END)
               OVER (PARTITION BY customer_id ORDER BY ts_us, id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_number
    FROM ordered
),
sessions_found AS (
    SELECT customer_id,
           session_number,
           (array_agg(id ORDER BY ts_us, id))[1] AS id,
           MIN(ts_us) AS started_us,
           MAX(ts_us) AS ended_us,
           COUNT(*) AS event_count,
           COUNT(*) FILTER (WHERE type = 'page_view') AS page_view_count,
           COUNT(*) FILTER (WHERE type = 'placed_order') AS order_count,
           MIN(ts_us) FILTER (WHERE type = 'placed_order') AS first_order_us,
           (array_agg(referrer ORDER BY ts_us, id)
               FILTER (WHERE btrim(referrer, E' \t\n\r\f\v') <> ''))[1] AS referrer,
           (array_agg(page ORDER BY ts_us, id)
               FILTER (WHERE type = 'page_view' AND page IS NOT NULL))[1] AS landing_page
    FROM numbered
    GROUP BY customer_id, session_number
),
-- The referrer's host, as xcc takes it: after the scheme (or a leading //), up to the first
-- / ? or #, after the last @, without the port (or inside [ ] for IPv6), without trailing
-- dots, lower case; none when that leaves nothing.
hosts AS (
    SELECT *,
           regexp_replace(
               regexp_replace(
                   CASE WHEN position('://' IN btrim(referrer, E' \t\n\r\f\v')) > 0
                        THEN substr(btrim(referrer, E' \t\n\r\f\v'),
                                    position('://' IN btrim(referrer, E' \t\n\r\f\v')) + 3)
                        WHEN btrim(referrer, E' \t\n\r\f\v') LIKE '//%'
                        THEN substr(btrim(referrer, E' \t\n\r\f\v'), 3)
                        ELSE btrim(referrer, E' \t\n\r\f\v')
                   END,
                   '[/?#].*$', ''),
               '^.*@', '') AS host_port
    FROM sessions_found
)
SELECT id, customer_id, session_number,
       timestamptz 'epoch' + started_us * interval '1 microsecond',
       timestamptz 'epoch' + ended_us * interval '1 microsecond',
       started_us, ended_us,
       (ended_us - started_us) / 1000000.0::double precision,
       event_count, page_view_count, order_count,
       timestamptz 'epoch' + first_order_us * interval '1 microsecond',
       first_order_us,
       referrer,
       NULLIF(lower(rtrim(CASE WHEN host_port LIKE '[%'
                               THEN split_part(substr(host_port, 2), ']', 1)
                               ELSE split_part(host_port, ':', 1)
                          END, '.')), ''),
       landing_page
FROM hosts
ORDER BY customer_id, session_number;

-- The order rows, as queries/sessions/order_visits.sql and first_orders.sql make them.
INSERT INTO order_visits (customer_id, order_number, session_id, session_number,
    visits_before_order)
SELECT customer_id,
       ROW_NUMBER() OVER by_customer,
       id,
       session_number,
       session_number - COALESCE(LAG(session_number) OVER by_customer, 0)
FROM sessions
WHERE order_count > 0
WINDOW by_customer AS (PARTITION BY customer_id ORDER BY session_number);

INSERT INTO first_orders (customer_id, session_id, sessions_until_first_order,
    minutes_before_first_order)
SELECT customer_id,
       id,
       session_number,
       (COALESCE(earlier_us, 0) + (first_order_us - started_us)) / 60000000.0::double precision
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
) AS ranked
WHERE session_number = first_ordering_session;

UPDATE meta SET value = (:timeout_seconds)::text WHERE key = 'session_timeout_seconds';

COMMIT;
