#!/usr/bin/env python3
"""Baseline 1: the same job in DuckDB (what an analyst would reach for).

Reads the JSON lines, keeps logged-in events, sessionizes with window functions
(new session at a customer's first event or when the gap to the previous event in
(timestamp, id) order is >= 30 minutes) and computes both medians of /metrics/orders.
Prints them as JSON on stdout, like `xcc metrics orders`.

In memory (one argument) it stores nothing and reads only the fields the medians need. Into
a file (a second argument, OUT.duckdb) it does xcc's job: every field of every line stored
in a table `events` (read_json's own schema), a table `sessions`, then both medians from it.

Usage: duckdb_baseline.py EVENTS.jsonl [OUT.duckdb]
"""
import json
import os
import sys

import duckdb

SQL = """
WITH raw AS (
    SELECT id, type, event
    FROM read_json(?, format = 'newline_delimited',
                   columns = {id: 'BIGINT', type: 'VARCHAR',
                              event: 'STRUCT("customer-id" BIGINT, "timestamp" VARCHAR)'})
),
e AS (
    SELECT id,
           lower(type) = 'placed_order' AS is_order,
           event."customer-id" AS cid,
           -- no offset in the input: the timestamp is UTC; 6 fraction digits = microseconds
           epoch_us(CAST(event."timestamp" AS TIMESTAMP)) AS ts
    FROM raw
    WHERE event."customer-id" IS NOT NULL
),
flagged AS (
    SELECT *,
           CASE WHEN LAG(ts) OVER w IS NULL OR ts - LAG(ts) OVER w >= 30 * 60 * 1000000
                THEN 1 ELSE 0 END AS new_session
    FROM e
    WINDOW w AS (PARTITION BY cid ORDER BY ts, id)
),
numbered AS (
    SELECT *,
           SUM(new_session) OVER (PARTITION BY cid ORDER BY ts, id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sn
    FROM flagged
),
sessions AS (
    SELECT cid, sn,
           MIN(ts) AS started,
           MAX(ts) AS ended,
           MIN(ts) FILTER (WHERE is_order) AS first_order
    FROM numbered
    GROUP BY cid, sn
),
visits AS (
    SELECT sn - COALESCE(LAG(sn) OVER (PARTITION BY cid ORDER BY sn), 0) AS v
    FROM sessions
    WHERE first_order IS NOT NULL
),
first_ordering AS (
    SELECT cid, MIN(sn) AS fsn FROM sessions WHERE first_order IS NOT NULL GROUP BY cid
),
minutes AS (
    SELECT (SUM(CASE WHEN s.sn < f.fsn THEN s.ended - s.started ELSE 0 END)
            + MAX(CASE WHEN s.sn = f.fsn THEN s.first_order - s.started END)) / 60000000.0 AS m
    FROM first_ordering f JOIN sessions s ON s.cid = f.cid AND s.sn <= f.fsn
    GROUP BY f.cid
)
SELECT (SELECT quantile_cont(CAST(v AS DOUBLE), 0.5) FROM visits),
       (SELECT quantile_cont(CAST(m AS DOUBLE), 0.5) FROM minutes)
"""


# Into a file: the events with every field, then the sessions, then the medians from them.
STORE_EVENTS = "CREATE TABLE events AS SELECT * FROM read_json(?, format = 'newline_delimited')"
STORE_SESSIONS = """
CREATE TABLE sessions AS
WITH e AS (
    SELECT id,
           lower(type) = 'placed_order' AS is_order,
           event."customer-id" AS cid,
           epoch_us(CAST(event."timestamp" AS TIMESTAMP)) AS ts
    FROM events
    WHERE event."customer-id" IS NOT NULL
),
flagged AS (
    SELECT *,
           CASE WHEN LAG(ts) OVER w IS NULL OR ts - LAG(ts) OVER w >= 30 * 60 * 1000000
                THEN 1 ELSE 0 END AS new_session
    FROM e
    WINDOW w AS (PARTITION BY cid ORDER BY ts, id)
),
numbered AS (
    SELECT *,
           SUM(new_session) OVER (PARTITION BY cid ORDER BY ts, id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sn
    FROM flagged
)
SELECT cid, sn, MIN(ts) AS started, MAX(ts) AS ended,
       MIN(ts) FILTER (WHERE is_order) AS first_order
FROM numbered
GROUP BY cid, sn
"""
MEDIANS = SQL[SQL.index("visits AS ("):]


def main() -> None:
    path = sys.argv[1]
    if len(sys.argv) > 2:
        out = sys.argv[2]
        if os.path.exists(out):
            os.remove(out)
        con = duckdb.connect(out)  # a file, all cores
        con.execute(STORE_EVENTS, [path])
        con.execute(STORE_SESSIONS)
        visits, minutes = con.execute("WITH " + MEDIANS).fetchone()
        con.close()
    else:
        con = duckdb.connect()  # in memory, all cores
        visits, minutes = con.execute(SQL, [path]).fetchone()
    print(json.dumps({
        "median_visits_before_order": visits,
        "median_session_duration_minutes_before_order": minutes,
    }))


if __name__ == "__main__":
    main()
