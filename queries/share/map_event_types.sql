-- The types of the logged-in customers' events, redacted as free text unless ?1
-- (--keep-personal-data), as queries/share/copy_logged_in_events.sql did with the texts.
INSERT INTO temp.type_texts (source_id, text)
SELECT t.id, CASE WHEN ?1 THEN t.name ELSE xcc_redact_text(t.name) END
FROM source.event_types AS t
WHERE t.id IN (SELECT type_id FROM source.events WHERE customer_id IS NOT NULL)
