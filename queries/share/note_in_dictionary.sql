-- Says in a table's own dictionary row what the shared file left out of it.
UPDATE dictionary SET description = description || ' ' || ?2
WHERE name = ?1 AND column_name IS NULL
