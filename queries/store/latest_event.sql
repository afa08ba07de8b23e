-- The latest event stored so far, as UTC text (each ingest keeps the latest of its own).
SELECT MAX(last_event_at) FROM ingests
