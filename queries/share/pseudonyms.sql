-- The pseudonym of every customer of the working file (xcc share --pseudonymize), in the
-- temporary schema: used while copying, never written into the shared file. Empty without
-- --pseudonymize.
CREATE TEMP TABLE IF NOT EXISTS pseudonyms (
    customer_id INTEGER PRIMARY KEY,
    pseudonym   INTEGER NOT NULL UNIQUE
)
