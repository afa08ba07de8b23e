-- The ingests ledger. Unless ?1 (--keep-personal-data), `source` is redacted
-- (xcc_redact_source, src/share/urls.rs): a file by its name, a URL without credentials and
-- tokens. The validators of downloads (etag, last_modified) are left out: they serve the
-- next refresh of the working file, and a shared file takes no ingest.
INSERT INTO main.ingests
SELECT id, CASE WHEN ?1 THEN source ELSE xcc_redact_source(source) END, started_at,
       finished_at, tool_version, lines_read, stored, duplicates, rejected, bytes,
       first_event_at, last_event_at, max_line_bytes, NULL, NULL, unchanged_since
FROM source.ingests ORDER BY id
