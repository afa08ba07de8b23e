-- The rejects for the dump. `raw` is stored as text when the line was UTF-8 and as a BLOB when
-- it was not; PostgreSQL's column is bytea, so it is read as bytes either way.
SELECT id, ingest_id, source, line_number, reason, CAST(raw AS BLOB) AS raw FROM rejects
