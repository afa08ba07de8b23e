-- The sessions, and the ordering sessions among them: what the sensitivity row at the file's
-- own timeout must say.
SELECT count(*) AS sessions, count(*) FILTER (WHERE order_count > 0) AS ordering_sessions
FROM sessions;
