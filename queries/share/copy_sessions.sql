-- In (customer_id, session_number) order, as a working file appends them.
INSERT INTO main.sessions SELECT * FROM source.sessions ORDER BY customer_id, session_number
