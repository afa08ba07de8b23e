"""The shared file as analysts open it from Python (tests/integration/analyst_tools.rs): pandas'
read_sql over Python's sqlite3, then DuckDB over the pandas frames. Prints one JSON object.

    python analyst_tools.py analysts.db
"""
import json
import sqlite3
import sys

import duckdb
import pandas as pd

path = sys.argv[1]
conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
metrics = pd.read_sql("SELECT * FROM v_metrics_orders", conn)
visits = pd.read_sql("SELECT visits_before_order FROM v_order_visits", conn)
minutes = pd.read_sql("SELECT minutes_before_first_order FROM v_first_order", conn)
sessions = pd.read_sql(
    "SELECT v.*, s.started_us FROM v_sessions AS v JOIN sessions AS s ON s.id = v.session_id"
    " ORDER BY v.customer_id, v.session_number", conn)
referrers = pd.read_sql("SELECT * FROM v_referrers", conn)
conn.close()

# DuckDB reads the frames pandas made (its sqlite extension would be a download).
duck = duckdb.connect()
duck.register("visits", visits)
duck.register("minutes", minutes)
duck.register("sessions", sessions)
duck_visits = duck.execute("SELECT median(visits_before_order) FROM visits").fetchone()[0]
duck_minutes = duck.execute("SELECT median(minutes_before_first_order) FROM minutes").fetchone()[0]
duck_sessions = duck.execute("SELECT count(*) FROM sessions").fetchone()[0]

print(json.dumps({
    "view": {
        "median_visits_before_order": metrics["median_visits_before_order"].iloc[0],
        "median_session_duration_minutes_before_order":
            metrics["median_session_duration_minutes_before_order"].iloc[0],
    },
    "pandas": {
        "median_visits_before_order": float(visits["visits_before_order"].median()),
        "median_session_duration_minutes_before_order":
            float(minutes["minutes_before_first_order"].median()),
        "sessions": len(sessions),
        "referrer_rows": len(referrers),
        "columns": list(sessions.columns),
        "first_started_at": sessions["started_at"].iloc[0],
        "first_started_us": int(sessions["started_us"].iloc[0]),
    },
    "duckdb": {
        "median_visits_before_order": float(duck_visits),
        "median_session_duration_minutes_before_order": float(duck_minutes),
        "sessions": int(duck_sessions),
    },
}, default=float))
