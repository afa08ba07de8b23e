-- Whether an ingest of this source committed (xcc demo reuses a file that holds its events).
SELECT EXISTS (SELECT 1 FROM ingests WHERE source = ?1)
