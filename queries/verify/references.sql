-- The first row whose foreign key names no row (events.type_id, page_id, referrer_id,
-- ingest_id, and the others of schema.sql): none in a file xcc wrote.
SELECT "table", rowid, parent FROM pragma_foreign_key_check LIMIT 1
