-- The order_visits rows of the customers ?1 to ?2, before order_visits.sql writes them again.
DELETE FROM order_visits WHERE customer_id BETWEEN ?1 AND ?2
