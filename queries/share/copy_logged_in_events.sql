-- The events of logged-in customers without what identifies a visitor: user_agent and ip
-- are left NULL unless ?1 (--keep-personal-data) is true. In the working file's row order:
-- ordered by id it would read the rows through the id index, at random (measured on 680,000
-- lines: 2.2 s against 0.7 s).
INSERT INTO main.events
SELECT id, type, customer_id, timestamp, ts_us,
       CASE WHEN ?1 THEN user_agent END,
       CASE WHEN ?1 THEN ip END,
       page, referrer, query, product, position, extra, ingest_id
FROM source.events
WHERE customer_id IS NOT NULL
