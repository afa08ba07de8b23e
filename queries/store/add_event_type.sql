-- A new event type; its id is the new rowid.
INSERT INTO event_types (name) VALUES (?1)
