INSERT INTO rejects (ingest_id, source, line_number, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5)
