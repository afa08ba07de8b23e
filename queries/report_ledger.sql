-- xcc report's header: every line the file's ingests read, and what became of them, added up
-- over the ingest ledger (each line is counted by exactly one committed ingest).
SELECT
    COUNT(*) AS ingests,
    COALESCE(SUM(lines_read), 0) AS lines_read,
    COALESCE(SUM(stored), 0) AS stored,
    COALESCE(SUM(duplicates), 0) AS duplicates,
    COALESCE(SUM(rejected), 0) AS rejected
FROM ingests;
