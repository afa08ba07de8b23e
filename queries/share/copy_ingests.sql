INSERT INTO main.ingests SELECT * FROM source.ingests ORDER BY id
