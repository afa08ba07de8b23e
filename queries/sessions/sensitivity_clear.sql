-- The carried rows of GET /metrics/sensitivity, before a writer carries them anew.
DELETE FROM sensitivity
