-- Spark SQL: every line of the input checked as xcc checks it, as far as SQL over Spark's JSON
-- reader can tell (README: Running on Spark). Reads the view `events`: the public file's
-- shape as spark.read.json infers it (id, type, event.customer-id, event.timestamp, …), with
-- `_corrupt_record` for lines that are not JSON, and `file` and `line` to put the lines in
-- input order: files by name, lines in order within a file (scripts/spark_metrics.py adds
-- them). One row per line: the event's columns as xcc stores
-- them (type lower-cased, the timestamp in microseconds since 1970 UTC, truncated to the
-- microsecond), and `reason`, NULL when xcc would store the event (or count it a duplicate).
WITH parts AS (
    SELECT file,
           line,
           _corrupt_record,
           id,
           type,
           event,
           event.timestamp AS ts,
           -- YYYY-MM-DDTHH:MM:SS, 0 to 9 fraction digits, an optional Z or ±HH:MM
           regexp_extract(event.timestamp,
               '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.([0-9]{1,9}))?(Z|([+-])([0-9]{2}):([0-9]{2}))?$',
               0) AS iso
    FROM events
),
fields AS (
    SELECT *,
           CAST(substr(ts, 1, 4) AS INT) AS y,
           CAST(substr(ts, 6, 2) AS INT) AS mo,
           CAST(substr(ts, 9, 2) AS INT) AS d,
           CAST(substr(ts, 12, 2) AS INT) AS h,
           CAST(substr(ts, 15, 2) AS INT) AS mi,
           CAST(substr(ts, 18, 2) AS INT) AS s,
           regexp_extract(ts, '^.{19}\\.([0-9]{1,9})', 1) AS fraction,
           regexp_extract(ts, '([+-])([0-9]{2}):([0-9]{2})$', 0) AS offset
    FROM parts
),
checked AS (
    SELECT *,
           CASE
               WHEN _corrupt_record IS NOT NULL THEN 'invalid JSON'
               WHEN id IS NULL THEN 'missing field id'
               WHEN type IS NULL THEN 'missing field type'
               WHEN trim(type) = '' THEN 'type must not be empty'
               WHEN event IS NULL THEN 'missing field event'
               WHEN ts IS NULL THEN 'missing field event.timestamp'
               WHEN iso = '' THEN 'timestamp is not ISO-8601'
               WHEN mo NOT BETWEEN 1 AND 12 OR d < 1 OR d > day(last_day(make_date(y, mo, 1)))
                    OR h > 23 OR mi > 59 OR s > 59
                   THEN 'timestamp is not a real date and time'
               WHEN offset <> '' AND (CAST(substr(offset, 2, 2) AS INT) > 23
                                      OR CAST(substr(offset, 5, 2) AS INT) > 59)
                   THEN 'timestamp is not ISO-8601'
           END AS reason
    FROM fields
)
SELECT file,
       line,
       id,
       lower(type) AS type,
       event.`customer-id` AS customer_id,
       -- local seconds, less the offset, in microseconds, plus the first six fraction digits
       CASE WHEN reason IS NULL THEN
           (unix_seconds(make_timestamp(y, mo, d, h, mi, s, 'UTC'))
            - CASE WHEN offset = '' THEN 0
                   ELSE (CASE WHEN substr(offset, 1, 1) = '-' THEN -1 ELSE 1 END)
                        * (CAST(substr(offset, 2, 2) AS BIGINT) * 3600
                           + CAST(substr(offset, 5, 2) AS BIGINT) * 60)
              END) * 1000000
           + CAST(rpad(substr(fraction, 1, 6), 6, '0') AS BIGINT)
       END AS ts_us,
       event.page AS page,
       event.referrer AS referrer,
       -- what makes two lines with one id the same event for xcc: the type in lower case, the
       -- instant (whatever offset wrote it) and every other field
       concat(lower(type), ' ', regexp_replace(to_json(event), '"timestamp":"[^"]*",?', ''))
           AS content,
       reason
FROM checked
