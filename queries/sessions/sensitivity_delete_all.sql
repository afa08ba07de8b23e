-- Every sweep, before all of them are made again.
DELETE FROM sensitivity_customers
