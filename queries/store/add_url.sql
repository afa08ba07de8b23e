-- A new URL; its id is the new rowid.
INSERT INTO urls (url) VALUES (?1)
