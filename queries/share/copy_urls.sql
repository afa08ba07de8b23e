-- The shared file's URLs: each text of temp.url_texts once, in the working file's order.
INSERT INTO main.urls (url)
SELECT text FROM temp.url_texts GROUP BY text ORDER BY min(source_id)
