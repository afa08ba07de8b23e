-- Whether the file has the table of carried sensitivity rows (schema version 5 and later).
SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sensitivity'
