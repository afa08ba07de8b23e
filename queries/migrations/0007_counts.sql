-- What version 7's step reports: the event types and URLs it stored once.
SELECT (SELECT count(*) FROM event_types), (SELECT count(*) FROM urls)
