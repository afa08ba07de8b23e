-- The name of an event type, by its id.
SELECT name FROM event_types WHERE id = ?1
