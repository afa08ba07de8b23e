-- The working file's facts (timeout, versions, data generation) replace the new file's.
INSERT INTO main.meta (key, value) SELECT key, value FROM source.meta WHERE true
ON CONFLICT (key) DO UPDATE SET value = excluded.value
