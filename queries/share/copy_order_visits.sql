-- The order rows behind v_order_visits, as the working file keeps them; with ?1
-- (--pseudonymize) under the customers' pseudonyms.
INSERT INTO main.order_visits
SELECT CASE WHEN ?1 THEN p.pseudonym ELSE o.customer_id END AS customer,
       o.order_number, o.session_id, o.session_number, o.visits_before_order
FROM source.order_visits AS o
LEFT JOIN temp.pseudonyms AS p ON p.customer_id = o.customer_id
ORDER BY customer, o.order_number
