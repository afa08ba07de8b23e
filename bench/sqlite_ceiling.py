#!/usr/bin/env python3
"""Baseline 5: SQLite's own ceiling for the rows xcc stores, with xcc's schema as it is.

Copies the events of a file xcc wrote into memory (untimed), then, into a new file made from
schema.sql with xcc's writer settings (16 KiB pages, synchronous=NORMAL, a 32 MiB cache, the
events' two indexes dropped as xcc's first load drops them), times one INSERT … SELECT of every
row and the build of both indexes, in one transaction as xcc's ingest is. What xcc's load phase
does beyond that (reading, parsing, checking, binding one row at a time) is its own cost.
Prints JSON: {"rows": N, "insert_s": …, "index_s": …}. Python's sqlite3 module (its SQLite may
be older than the one xcc bundles).

Usage: sqlite_ceiling.py XCC.db schema.sql OUT.db
"""
import json
import os
import sqlite3
import sys
import time

INDEXES = ("events_by_id", "events_by_customer_time")


def main() -> None:
    source, schema_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    with open(schema_path, encoding="utf-8") as f:
        schema = f.read()
    con = sqlite3.connect(out, isolation_level=None)
    con.execute("PRAGMA page_size = 16384")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA cache_size = -32768")
    con.execute("PRAGMA temp_store = MEMORY")
    con.executescript(schema)
    index_sql = {
        name: con.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0]
        for name in INDEXES
    }
    for name in INDEXES:
        con.execute(f"DROP INDEX {name}")
    con.execute("ATTACH DATABASE ? AS x", (f"file:{source}?mode=ro",))
    con.execute("CREATE TEMP TABLE src AS SELECT * FROM x.events ORDER BY rowid")
    con.execute("DETACH DATABASE x")
    rows = con.execute("SELECT count(*) FROM temp.src").fetchone()[0]

    con.execute("BEGIN")
    start = time.perf_counter()
    con.execute("INSERT INTO main.events SELECT * FROM temp.src")
    inserted = time.perf_counter()
    for name in INDEXES:
        con.execute(index_sql[name])
    con.execute("COMMIT")
    done = time.perf_counter()
    print(json.dumps({"rows": rows, "insert_s": inserted - start, "index_s": done - inserted}))


if __name__ == "__main__":
    main()
