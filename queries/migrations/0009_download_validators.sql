-- Schema version 8 -> 9: the ledger keeps the validators of each download (the ETag and
-- Last-Modified its server sent with the body), which the next ingest of the same URL sends
-- back in a conditional GET, and for an ingest the server answered 304 Not Modified, the
-- ingest whose body is unchanged. Added columns, NULL in every row an older xcc wrote (its
-- downloads kept no validators, so the next refresh of each URL downloads it whole once).
-- Frozen: a later schema change is a new step, never an edit of this one.

ALTER TABLE ingests ADD COLUMN etag TEXT;
ALTER TABLE ingests ADD COLUMN last_modified TEXT;
ALTER TABLE ingests ADD COLUMN unchanged_since INTEGER REFERENCES ingests(id);
