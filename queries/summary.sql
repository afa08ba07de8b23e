-- GET /metrics/summary: what the file holds, and whether it is a shared file. Counts of events come from the ingest ledger
-- (each stored or rejected line is counted by exactly one committed ingest), which avoids
-- scanning the events table on every request.
SELECT
    (SELECT COALESCE(SUM(stored), 0) FROM ingests) AS events_stored,
    (SELECT COALESCE(SUM(rejected), 0) FROM ingests) AS events_rejected,
    (SELECT COUNT(*) FROM sessions WHERE session_number = 1) AS customers,
    (SELECT COUNT(*) FROM sessions) AS sessions,
    (SELECT COUNT(*) FROM sessions WHERE order_count > 0) AS ordering_sessions,
    (SELECT MIN(first_event_at) FROM ingests) AS first_event_at,
    (SELECT MAX(last_event_at) FROM ingests) AS last_event_at,
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'session_timeout_seconds')
        AS session_timeout_seconds,
    (SELECT COUNT(*) FROM ingests) AS ingests,
    last.source AS last_ingest_source,
    last.finished_at AS last_ingest_finished_at,
    last.lines_read AS last_ingest_lines_read,
    last.stored AS last_ingest_stored,
    last.duplicates AS last_ingest_duplicates,
    last.rejected AS last_ingest_rejected,
    -- A file made by xcc share: when, and which events it kept (null in a working file). Its
    -- counts of events are the working file's: its rejects table is empty by design.
    (SELECT value FROM meta WHERE key = 'shared_at') AS shared_at,
    (SELECT value FROM meta WHERE key = 'shared_events') AS shared_events
FROM (SELECT 1) LEFT JOIN (SELECT * FROM ingests ORDER BY id DESC LIMIT 1) AS last;
