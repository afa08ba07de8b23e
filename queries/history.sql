-- GET /metrics/history: every ingest and sessionize, oldest first, with the figures before
-- and after it and what changed.
SELECT * FROM v_history
