-- Every event, for `xcc dump --events all`, in the file's order, in the columns of
-- queries/postgres/tables.sql: `timestamp` is the text as the input wrote it (generated from
-- ts_us where that is its rendering, see schema.sql), and timestamp_given is not a column
-- there.
SELECT id, type, customer_id, timestamp, ts_us, user_agent, ip, page, referrer, query, product,
       position, extra, ingest_id
FROM events
