-- The ledger row of an ingest whose server answered 304 Not Modified: it read no line and no
-- byte, and its body is the one ingest ?6 read.
INSERT INTO ingests (source, started_at, finished_at, tool_version, lines_read, stored,
    duplicates, rejected, bytes, max_line_bytes, unchanged_since)
VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0, ?5, ?6)
