-- The visits before one order of a customer at one timeout.
INSERT INTO sensitivity_orders (customer_id, timeout_minutes, order_number, visits_before_order)
VALUES (?1, ?2, ?3, ?4)
