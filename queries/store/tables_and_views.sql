-- What `xcc export` may write: every table and view of the file, tables first.
SELECT name FROM sqlite_schema
WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
ORDER BY type DESC, name
