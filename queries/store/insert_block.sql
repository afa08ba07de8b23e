INSERT INTO ingest_blocks (ingest_id, block, end_offset, end_line, records, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
