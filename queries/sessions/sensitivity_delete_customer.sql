-- One customer's sweeps, before they are swept again from the customer's first event.
DELETE FROM sensitivity_customers WHERE customer_id = ?1
