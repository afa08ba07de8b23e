-- The order rows behind v_order_visits, as the working file keeps them.
INSERT INTO main.order_visits SELECT * FROM source.order_visits ORDER BY customer_id, order_number
