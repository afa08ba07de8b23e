-- Every event, for `xcc dump --events all`, in the file's order, in the columns of
-- queries/postgres/tables.sql: v_events gives `timestamp` as the input wrote it.
SELECT * FROM v_events
