-- The events of logged-in customers without what identifies a visitor, unless ?1
-- (--keep-personal-data): user_agent, ip_v4, ip and extra (the unknown fields) left NULL; the type,
-- page and referrer are the shared file's own ids of the texts that map_event_types.sql and
-- map_urls.sql redacted (as free text and as URLs); query redacted as free text
-- (xcc_redact_text, src/share/text.rs). With ?2 (--pseudonymize) the customer ids are their
-- pseudonyms. In the working file's row order: ordered by id it would read the rows through
-- the id index, at random (measured on 680,000 lines: 2.2 s against 0.7 s).
INSERT INTO main.events (id, type_id, customer_id, ts_us, user_agent, ip_v4, ip, page_id,
    referrer_id, query, product, position, extra, ingest_id, timestamp_given)
SELECT e.id,
       st.id,
       CASE WHEN ?2 THEN p.pseudonym ELSE e.customer_id END,
       e.ts_us,
       CASE WHEN ?1 THEN e.user_agent END,
       CASE WHEN ?1 THEN e.ip_v4 END,
       CASE WHEN ?1 THEN e.ip END,
       su.id,
       sr.id,
       CASE WHEN ?1 THEN e.query ELSE xcc_redact_text(e.query) END,
       e.product, e.position,
       CASE WHEN ?1 THEN e.extra END,
       e.ingest_id, e.timestamp_given
FROM source.events AS e
LEFT JOIN temp.pseudonyms AS p ON p.customer_id = e.customer_id
LEFT JOIN temp.type_texts AS tt ON tt.source_id = e.type_id
LEFT JOIN main.event_types AS st ON st.name = tt.text
LEFT JOIN temp.url_texts AS ut ON ut.source_id = e.page_id
LEFT JOIN main.urls AS su ON su.url = ut.text
LEFT JOIN temp.url_texts AS rt ON rt.source_id = e.referrer_id
LEFT JOIN main.urls AS sr ON sr.url = rt.text
WHERE e.customer_id IS NOT NULL
