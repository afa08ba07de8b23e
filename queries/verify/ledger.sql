-- The ledger's counts against the rows: events stored by every ingest, lines rejected, and
-- the events and rejects the file holds (a shared file holds fewer: it says so in meta).
SELECT (SELECT COALESCE(SUM(stored), 0) FROM ingests),
       (SELECT COALESCE(SUM(rejected), 0) FROM ingests),
       (SELECT COUNT(*) FROM events),
       (SELECT COUNT(*) FROM rejects),
       (SELECT COUNT(*) FROM meta WHERE key = 'shared_at')
