-- The first_orders rows of the customers ?1 to ?2, before first_orders.sql writes them again.
DELETE FROM first_orders WHERE customer_id BETWEEN ?1 AND ?2
