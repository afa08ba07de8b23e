-- SQLite's own check of the file's pages and indexes (cheaper than integrity_check: no
-- comparison of index contents against the tables): 'ok', or the first problems found.
PRAGMA quick_check(5)
