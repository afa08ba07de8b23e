-- What version 7's step reports: the event types and URLs it stored once, and the sessions
-- there are (none when version 6's step made the table anew on the way up).
SELECT (SELECT count(*) FROM event_types), (SELECT count(*) FROM urls),
       (SELECT count(*) FROM sessions)
