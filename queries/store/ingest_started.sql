-- The ledger row of an ingest, written first so that its events and rejects can refer to it;
-- ingest_finished.sql fills in the counts in the same transaction. ?5 and ?6 are the
-- validators the server of a download sent with its body (NULL for a file or stdin).
INSERT INTO ingests (source, started_at, finished_at, tool_version, lines_read, stored,
    duplicates, rejected, bytes, max_line_bytes, etag, last_modified)
VALUES (?1, ?2, ?2, ?3, 0, 0, 0, 0, 0, ?4, ?5, ?6)
