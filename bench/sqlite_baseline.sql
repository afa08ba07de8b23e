-- Baseline 3: the same job with the sqlite3 shell alone (3.38+ for ->> and unixepoch()).
-- Run as: sqlite3 OUT.db < sqlite_baseline.sql, with the input file linked as events.jsonl
-- in the current directory (run.sh does that).
--
-- 1. Import every line into a one-column table: ascii mode reads fields without any CSV
--    quote handling; the column separator 0x1F (unit separator) never occurs in JSON text
--    (control characters must be escaped there), the row separator is the newline.
-- 2. Extract the fields with JSON operators, timestamps to microseconds (SQLite's date
--    functions stop at milliseconds, so the 6 fraction digits are added by hand; the input
--    has no offset: UTC).
-- 3. Sessionize with window functions and rank the values for the two medians.
.bail on
.mode ascii
.separator "\037" "\n"
CREATE TABLE raw(line TEXT);
.import events.jsonl raw

CREATE TABLE events AS
SELECT line ->> '$.id' AS id,
       lower(line ->> '$.type') AS type,
       line ->> '$.event."customer-id"' AS customer_id,
       line ->> '$.event.timestamp' AS timestamp
FROM raw
WHERE line <> '';

CREATE TABLE logged AS
SELECT id,
       type = 'placed_order' AS is_order,
       customer_id,
       unixepoch(substr(timestamp, 1, 19)) * 1000000
           + CAST(substr(substr(timestamp, 21) || '000000', 1, 6) AS INTEGER) AS ts
FROM events
WHERE customer_id IS NOT NULL;

CREATE TABLE sessions AS
WITH flagged AS (
    SELECT *,
           CASE WHEN LAG(ts) OVER w IS NULL OR ts - LAG(ts) OVER w >= 30 * 60 * 1000000
                THEN 1 ELSE 0 END AS new_session
    FROM logged
    WINDOW w AS (PARTITION BY customer_id ORDER BY ts, id)
),
numbered AS (
    SELECT *,
           SUM(new_session) OVER (PARTITION BY customer_id ORDER BY ts, id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sn
    FROM flagged
)
SELECT customer_id, sn,
       MIN(ts) AS started,
       MAX(ts) AS ended,
       MIN(CASE WHEN is_order THEN ts END) AS first_order
FROM numbered
GROUP BY customer_id, sn;
-- Without it the join of ordering customers to their sessions below is a nested loop over
-- both tables (quadratic: minutes at 5M lines).
CREATE INDEX sessions_by_customer ON sessions(customer_id, sn);

.mode list
.separator "\t" "\n"
WITH visits AS (
    SELECT sn - COALESCE(LAG(sn) OVER (PARTITION BY customer_id ORDER BY sn), 0) AS v
    FROM sessions
    WHERE first_order IS NOT NULL
),
first_ordering AS (
    SELECT customer_id, MIN(sn) AS fsn FROM sessions WHERE first_order IS NOT NULL
    GROUP BY customer_id
),
minutes AS (
    SELECT (SUM(CASE WHEN s.sn < f.fsn THEN s.ended - s.started ELSE 0 END)
            + MAX(CASE WHEN s.sn = f.fsn THEN s.first_order - s.started END)) / 60000000.0 AS m
    FROM first_ordering f JOIN sessions s ON s.customer_id = f.customer_id AND s.sn <= f.fsn
    GROUP BY f.customer_id
),
rv AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n FROM visits),
rm AS (SELECT m, ROW_NUMBER() OVER (ORDER BY m) AS rn, COUNT(*) OVER () AS n FROM minutes),
-- printed as JSON with 17 significant digits, enough to round-trip a double (SQLite's own
-- JSON and text output keep 15, printf's plain %g 16; the ! flag lifts that)
medians AS (
    SELECT (SELECT AVG(v) FROM rv WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS visits,
           (SELECT AVG(m) FROM rm WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS minutes
)
SELECT '{"median_visits_before_order": '
       || CASE WHEN visits IS NULL THEN 'null' ELSE printf('%!.17g', visits) END
       || ', "median_session_duration_minutes_before_order": '
       || CASE WHEN minutes IS NULL THEN 'null' ELSE printf('%!.17g', minutes) END || '}'
FROM medians;
