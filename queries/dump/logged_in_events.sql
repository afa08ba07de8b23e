-- The events of logged-in customers, for `xcc dump --events logged-in`, in the file's order.
SELECT * FROM events WHERE customer_id IS NOT NULL
