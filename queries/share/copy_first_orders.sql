-- The order rows behind v_first_order, as the working file keeps them.
INSERT INTO main.first_orders SELECT * FROM source.first_orders ORDER BY customer_id
