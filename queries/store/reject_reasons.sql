-- The reasons of one ingest's rejects, with how many lines each (for the ingest's summary).
SELECT reason, COUNT(*) FROM rejects WHERE ingest_id = ?1 GROUP BY reason
