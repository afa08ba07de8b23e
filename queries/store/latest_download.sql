-- The latest committed ingest of a source (?1) that read a body, not one whose server said
-- the body was unchanged: when it finished, how it read the body (xcc version,
-- --max-line-bytes) and the validators the server sent with it.
SELECT id, finished_at, tool_version, max_line_bytes, etag, last_modified
FROM ingests
WHERE source = ?1 AND unchanged_since IS NULL
ORDER BY id DESC
LIMIT 1
