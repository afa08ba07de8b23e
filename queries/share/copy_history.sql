-- The figures before and after every ingest and sessionize: numbers only, nothing personal.
INSERT INTO main.history SELECT * FROM source.history ORDER BY id
