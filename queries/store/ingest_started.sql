-- The ledger row of an ingest, written first so that its events and rejects can refer to it;
-- ingest_finished.sql fills in the counts in the same transaction.
INSERT INTO ingests (source, started_at, finished_at, tool_version, lines_read, stored,
    duplicates, rejected, bytes, max_line_bytes)
VALUES (?1, ?2, ?2, ?3, 0, 0, 0, 0, 0, ?4)
