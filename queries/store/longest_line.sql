-- The longest --max-line-bytes any ingest of the file read with: its rejects keep lines up to
-- that long, so readers must take values that long (NULL before schema version 3).
SELECT max(max_line_bytes) FROM ingests
