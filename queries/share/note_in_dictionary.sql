-- Says in a dictionary row what the shared file left out of or changed in a table or column:
-- the row of table or view ?1 (of every one when NULL) and column ?2 (the row about the whole
-- table when NULL).
UPDATE dictionary SET description = description || ' ' || ?3
WHERE (?1 IS NULL OR name = ?1) AND column_name IS ?2
