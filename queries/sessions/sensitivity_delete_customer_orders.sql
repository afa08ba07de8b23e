-- One customer's order rows at every timeout, before they are swept again.
DELETE FROM sensitivity_orders WHERE customer_id = ?1
