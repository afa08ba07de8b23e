-- The events of logged-in customers, for `xcc dump --events logged-in`, in the file's order,
-- in the columns of queries/postgres/tables.sql: `timestamp` is the text as the input wrote
-- it (generated from ts_us where that is its plain rendering, see schema.sql).
SELECT id, type, customer_id, timestamp, ts_us, user_agent, ip, page, referrer, query, product,
       position, extra, ingest_id
FROM events WHERE customer_id IS NOT NULL
