-- Every object of the file's own schema: its kind, name, table and SQL, in the order made.
SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid
