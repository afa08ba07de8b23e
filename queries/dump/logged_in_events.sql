-- The events of logged-in customers, for `xcc dump --events logged-in`, in the file's order,
-- in the columns of queries/postgres/tables.sql: v_events gives `timestamp` as the input wrote
-- it.
SELECT * FROM v_events WHERE customer_id IS NOT NULL
