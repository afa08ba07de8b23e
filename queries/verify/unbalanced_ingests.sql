-- Ingests of the ledger whose lines read are not their stored, duplicate and rejected lines.
SELECT count(*) FROM ingests WHERE lines_read <> stored + duplicates + rejected;
