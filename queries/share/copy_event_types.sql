-- The shared file's event types: each text of temp.type_texts once, in the working file's order.
INSERT INTO main.event_types (name)
SELECT text FROM temp.type_texts GROUP BY text ORDER BY min(source_id)
