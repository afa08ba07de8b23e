-- The first day of the table calendar whose date is not SQLite's own date() of it, else the
-- first day that a stored event or session time falls on and the calendar lacks (the views
-- would show that time as NULL): none in a file xcc wrote.
WITH days AS (
    SELECT (ts_us - (ts_us % 86400000000 + 86400000000) % 86400000000) / 86400000000 AS day
    FROM events
    UNION
    SELECT (t - (t % 86400000000 + 86400000000) % 86400000000) / 86400000000
    FROM (SELECT started_us AS t FROM sessions
          UNION ALL SELECT ended_us FROM sessions
          UNION ALL SELECT first_order_us FROM sessions WHERE first_order_us IS NOT NULL) AS times
)
SELECT day, date FROM calendar WHERE date IS NOT date(day * 86400, 'unixepoch')
UNION ALL
SELECT day, NULL FROM days WHERE day NOT IN (SELECT day FROM calendar)
LIMIT 1
