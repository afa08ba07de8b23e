-- Counts committed changes of the data, so that servers know when cached answers are stale.
UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_generation'
