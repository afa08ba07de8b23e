-- Every order row of the sweeps, before all of them are made again.
DELETE FROM sensitivity_orders
