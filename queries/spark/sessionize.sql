-- Spark SQL: the sessions of the stored events (the view `stored_events`, from stored.sql),
-- with the columns of xcc's sessions table, by the rules of the project's spec: a customer's
-- events in (timestamp, id) order; a session starts at the first and after every gap of the
-- timeout (:timeout_us microseconds) or more, so a gap of exactly 30:00 starts one at 30m;
-- placed_order and page_view compared in lower case; referrer hosts in lower case.
WITH logged_in AS (
    SELECT id, customer_id, ts_us, type, page, referrer,
           ts_us - LAG(ts_us) OVER by_time AS gap
    FROM stored_events
    WHERE outcome = 'stored' AND customer_id IS NOT NULL
    WINDOW by_time AS (PARTITION BY customer_id ORDER BY ts_us, id)
),
numbered AS (
    SELECT *,
           SUM(CASE WHEN gap IS NULL OR gap >= :timeout_us THEN 1 ELSE 0 END)
               OVER (PARTITION BY customer_id ORDER BY ts_us, id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_number
    FROM logged_in
),
sessions AS (
    SELECT customer_id,
           session_number,
           -- the first event's id; events ordered by (timestamp, id)
           min_by(id, named_struct('t', ts_us, 'i', id)) AS id,
           MIN(ts_us) AS started_us,
           MAX(ts_us) AS ended_us,
           COUNT(*) AS event_count,
           COUNT_IF(type = 'page_view') AS page_view_count,
           COUNT_IF(type = 'placed_order') AS order_count,
           MIN(CASE WHEN type = 'placed_order' THEN ts_us END) AS first_order_us,
           -- the first referrer that is not blank
           min_by(referrer, named_struct('t', ts_us, 'i', id))
               FILTER (WHERE trim(referrer) <> '') AS referrer,
           -- the page of the first page_view that has one
           min_by(page, named_struct('t', ts_us, 'i', id))
               FILTER (WHERE type = 'page_view' AND page IS NOT NULL) AS landing_page
    FROM numbered
    GROUP BY customer_id, session_number
),
hosts AS (
    -- The host of the referrer as xcc takes it: after the scheme (or a leading //), before
    -- the path, query or fragment, after any credentials, without the port (inside the
    -- brackets of an IPv6 address), without trailing dots, in lower case; NULL when empty.
    SELECT *,
           regexp_extract(
               regexp_extract(
                   CASE WHEN instr(trim(referrer), '://') > 0
                        THEN substr(trim(referrer), instr(trim(referrer), '://') + 3)
                        ELSE regexp_replace(trim(referrer), '^//', '')
                   END,
                   '^([^/?#]*)', 1),
               '([^@]*)$', 1) AS host_port
    FROM sessions
)
SELECT id,
       customer_id,
       session_number,
       started_us,
       ended_us,
       (ended_us - started_us) / 1000000.0D AS duration_seconds,
       event_count,
       page_view_count,
       order_count,
       first_order_us,
       referrer,
       nullif(lower(regexp_replace(
           CASE WHEN startswith(host_port, '[')
                THEN regexp_extract(host_port, '^\\[([^\\]]*)', 1)
                ELSE regexp_extract(host_port, '^([^:]*)', 1)
           END,
           '\\.+$', '')), '') AS referrer_host,
       landing_page
FROM hosts
