-- The order rows behind v_first_order, as the working file keeps them; with ?1
-- (--pseudonymize) under the customers' pseudonyms.
INSERT INTO main.first_orders
SELECT CASE WHEN ?1 THEN p.pseudonym ELSE f.customer_id END AS customer,
       f.session_id, f.sessions_until_first_order, f.minutes_before_first_order
FROM source.first_orders AS f
LEFT JOIN temp.pseudonyms AS p ON p.customer_id = f.customer_id
ORDER BY customer
