-- In (customer_id, session_number) order, as a working file appends them. Unless ?1
-- (--keep-personal-data), referrer and landing_page lose what identifies a visitor
-- (xcc_redact_url, src/share/urls.rs), and referrer_host stays what the redacted referrer
-- reads back as (xcc_redact_host: the working file's host, unless it shows an e-mail
-- address, a number or a token: then redacted.invalid); with
-- ?2 (--pseudonymize) the customer ids are their pseudonyms.
INSERT INTO main.sessions (id, customer_id, session_number, started_us, ended_us,
    duration_seconds, event_count, page_view_count, order_count, first_order_us, referrer,
    referrer_host, landing_page)
SELECT s.id, CASE WHEN ?2 THEN p.pseudonym ELSE s.customer_id END AS customer,
       s.session_number, s.started_us, s.ended_us,
       s.duration_seconds, s.event_count, s.page_view_count, s.order_count,
       s.first_order_us,
       CASE WHEN ?1 THEN s.referrer ELSE xcc_redact_url(s.referrer) END,
       CASE WHEN ?1 THEN s.referrer_host ELSE xcc_redact_host(s.referrer_host) END,
       CASE WHEN ?1 THEN s.landing_page ELSE xcc_redact_url(s.landing_page) END
FROM source.sessions AS s
LEFT JOIN temp.pseudonyms AS p ON p.customer_id = s.customer_id
ORDER BY customer, s.session_number
