-- The pages and referrers of the logged-in customers' events, redacted as URLs unless ?1
-- (--keep-personal-data): xcc_redact_url (src/share/urls.rs), the same as the sessions'
-- referrer and landing page, so that sessionizing them still gives the shared sessions.
INSERT INTO temp.url_texts (source_id, text)
SELECT u.id, CASE WHEN ?1 THEN u.url ELSE xcc_redact_url(u.url) END
FROM source.urls AS u
WHERE u.id IN (SELECT page_id FROM source.events WHERE customer_id IS NOT NULL)
   OR u.id IN (SELECT referrer_id FROM source.events WHERE customer_id IS NOT NULL)
