-- The visits before each order at other session timeouts, behind v_sensitivity.
INSERT INTO main.sensitivity_orders
SELECT * FROM source.sensitivity_orders ORDER BY customer_id, timeout_minutes, order_number
