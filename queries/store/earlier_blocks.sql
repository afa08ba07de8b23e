-- The blocks of every earlier ingest whose records this xcc would read the same way today:
-- the same version (so the same parsing and validation rules) and the same --max-line-bytes.
-- Newest ingest first, each one's blocks in input order.
SELECT b.ingest_id, b.end_offset, b.end_line, b.records, b.hash
FROM ingest_blocks AS b
JOIN ingests AS i ON i.id = b.ingest_id
WHERE i.tool_version = ?1 AND i.max_line_bytes = ?2
ORDER BY b.ingest_id DESC, b.block
