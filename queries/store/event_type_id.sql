-- The id of an event type in event_types, if it is there.
SELECT id FROM event_types WHERE name = ?1
