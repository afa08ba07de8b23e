-- The figures at other session timeouts behind v_sensitivity, per customer, as the working
-- file keeps them.
INSERT INTO main.sensitivity_customers
SELECT * FROM source.sensitivity_customers ORDER BY customer_id, timeout_minutes
