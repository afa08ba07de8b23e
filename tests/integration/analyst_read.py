"""Every table and view of an xcc file as the analysts' own tools read it
(tests/integration/analyst_tools.rs): DuckDB through ATTACH … (TYPE sqlite) and through
sqlite_scan, each compared row for row with what Python's sqlite3 reads (numbers must arrive as
numbers, texts as texts); the medians of v_metrics_orders in DuckDB; and the views' times as
pandas, polars, DuckDB and SQLite parse them, against the stored microseconds. Prints one JSON
object.

    python analyst_read.py FILE.db
"""
import json
import math
import sqlite3
import sys

import duckdb
import pandas as pd
import polars as pl
from duckdb_extensions import import_extension

path = sys.argv[1]
lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
import_extension("sqlite")
duck = duckdb.connect()
duck.execute("LOAD sqlite")
duck.execute(f"ATTACH '{path}' AS f (TYPE sqlite, READ_ONLY)")
names = [r[0] for r in lite.execute(
    "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%' "
    "ORDER BY type, name")]


def kind(v):
    """A value's kind and a comparable form: numbers equal as numbers, whatever their width."""
    if v is None:
        return ("null", None)
    if isinstance(v, bool):
        return ("number", float(v))
    if isinstance(v, (int, float)):
        return ("number", float(v))
    if isinstance(v, str):
        return ("text", v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(v))
    return (type(v).__name__, repr(v))


def rows_of(rows):
    return sorted((tuple(kind(v) for v in row) for row in rows), key=repr)


# The one exception, said in queries/views.sql and docs/analysts.md: v_events has no arm of
# column_types (it would make datasette's count of a million events too slow), so through
# sqlite_scan its two computed texts arrive as the bytes of that text.
TEXT_AS_BYTES = {("v_events", "scan"): {3, 6}}  # timestamp, ip


def same(a, b, bytes_ok=frozenset()):
    if len(a) != len(b):
        return f"{len(b)} rows, SQLite reads {len(a)}"
    for ra, rb in zip(a, b):
        for i, ((ka, va), (kb, vb)) in enumerate(zip(ra, rb)):
            if (ka, kb) == ("text", "bytes") and i in bytes_ok and vb == va.encode():
                continue
            if ka != kb:
                return f"a {ka} arrives as {kb}: {va!r} as {vb!r}"
            if ka == "number" and not math.isclose(va, vb, rel_tol=1e-12, abs_tol=0.0):
                return f"{va!r} arrives as {vb!r}"
            if ka != "number" and va != vb:
                return f"{va!r} arrives as {vb!r}"
    return "ok"


objects = {}
for name in names:
    want = rows_of(lite.execute(f'SELECT * FROM "{name}"').fetchall())
    result = {}
    for how, source in [("attach", f'f."{name}"'),
                        ("scan", f"sqlite_scan('{path}', '{name}')")]:
        try:
            got = duck.execute(f"SELECT * FROM {source}").fetchall()
            result[how] = same(want, rows_of(got), TEXT_AS_BYTES.get((name, how), frozenset()))
            # A count takes another path in DuckDB's reader (by rowid, for a table).
            counted = duck.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            if result[how] == "ok" and counted != len(want):
                result[how] = f"count(*) says {counted}, SQLite reads {len(want)} rows"
        except Exception as e:  # the tool's own words, for the test's message
            result[how] = f"error: {str(e).splitlines()[0]}"
    objects[name] = result

try:
    medians = duck.execute("SELECT * FROM f.v_metrics_orders").fetchall()[0]
except Exception as e:  # reported as no medians; the objects above say why
    medians = (None, None)

# The views' times, parsed by each tool, against the stored microseconds.
frame = pd.read_sql("SELECT v.*, s.started_us FROM v_sessions AS v JOIN sessions AS s "
                    "ON s.id = v.session_id", lite, parse_dates=["started_at", "ended_at"])
pandas_us = (frame["started_at"] - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(microseconds=1)
polars_frame = pl.read_database("SELECT v.started_at, s.started_us FROM v_sessions AS v "
                                "JOIN sessions AS s ON s.id = v.session_id", lite)
eager = polars_frame["started_at"].str.to_datetime()
lazy = polars_frame.select(pl.col("started_at").str.to_datetime(time_zone="UTC"))["started_at"]
duck_wrong = duck.execute(
    "SELECT count(*) FROM f.v_sessions AS v JOIN f.sessions AS s ON s.id = v.session_id "
    "WHERE epoch_us(CAST(v.started_at AS TIMESTAMPTZ)) <> s.started_us").fetchone()[0]
sqlite_wrong = lite.execute(
    "SELECT count(*) FROM v_sessions AS v JOIN sessions AS s ON s.id = v.session_id "
    "WHERE CAST(strftime('%s', v.started_at) AS INTEGER) "
    "<> (s.started_us - (s.started_us % 1000000 + 1000000) % 1000000) / 1000000").fetchone()[0]
times = {
    "sessions": len(frame),
    "pandas_dtype": str(frame["started_at"].dtype),
    "pandas_wrong": int((pandas_us != frame["started_us"]).sum()),
    "polars_dtype": str(eager.dtype),
    "polars_expr_dtype": str(lazy.dtype),
    "polars_wrong": int((eager.dt.epoch("us") != polars_frame["started_us"]).sum()),
    "duckdb_wrong": int(duck_wrong),
    "sqlite_wrong_seconds": int(sqlite_wrong),
}
print(json.dumps({
    "objects": objects,
    "medians": {"median_visits_before_order": medians[0],
                "median_session_duration_minutes_before_order": medians[1]},
    "times": times,
}))
