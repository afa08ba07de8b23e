-- Spark SQL: what xcc stores of the checked lines (the view `checked_events`, from
-- events.sql), and how it counts the rest. An id's first accepted line in input order is
-- (files by name, lines in order) is stored; a later line with that id is a duplicate when its
-- content is the same, else it is
-- rejected. One row per line: `outcome` is 'stored', 'duplicate' or the reason it was
-- rejected.
WITH firsts AS (
    SELECT *,
           FIRST_VALUE(content) OVER by_id AS first_content,
           ROW_NUMBER() OVER by_id AS nth
    FROM checked_events
    WHERE reason IS NULL
    WINDOW by_id AS (PARTITION BY id ORDER BY file, line)
)
SELECT line, id, type, customer_id, ts_us, page, referrer,
       CASE WHEN nth = 1 THEN 'stored'
            WHEN content = first_content THEN 'duplicate'
            ELSE 'id already stored with different content'
       END AS outcome
FROM firsts
UNION ALL
SELECT line, id, type, customer_id, ts_us, page, referrer, reason
FROM checked_events
WHERE reason IS NOT NULL
