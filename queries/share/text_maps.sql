-- The event types and URLs of the shared events, from their ids in the working file to the
-- text the shared file stores (redacted unless --keep-personal-data), in the temporary
-- schema: used while copying, never written into the shared file. Redacting can make two
-- texts one, so the shared file numbers its own event_types and urls, and the events' ids
-- are mapped through the text.
CREATE TEMP TABLE IF NOT EXISTS type_texts (
    source_id INTEGER PRIMARY KEY,
    text      TEXT NOT NULL
);
CREATE TEMP TABLE IF NOT EXISTS url_texts (
    source_id INTEGER PRIMARY KEY,
    text      TEXT NOT NULL
);
