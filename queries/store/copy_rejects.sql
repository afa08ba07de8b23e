-- The rejects of a known block: the lines an earlier ingest (?3) rejected between lines ?4 and
-- ?5 of the same bytes, recorded again for this ingest (?1) and source (?2), in their order.
-- Parsing them again would reject them for the same reasons: the rules are the same, and an
-- id stored with other content stays stored.
INSERT INTO rejects (ingest_id, source, line_number, reason, raw)
SELECT ?1, ?2, line_number, reason, raw
FROM rejects
WHERE ingest_id = ?3 AND line_number BETWEEN ?4 AND ?5
ORDER BY id
