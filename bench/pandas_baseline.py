#!/usr/bin/env python3
"""Baseline 2: the same job "the way the usual scripts do it" with pandas.

json.loads per line, pd.json_normalize, sort by customer and (timestamp, id), a gap
flag + cumsum per customer for session numbers, DataFrame.to_sql into a SQLite file
(events and sessions tables), then both medians of /metrics/orders in pandas.
Prints them as JSON on stdout, like `xcc metrics orders`.

Usage: pandas_baseline.py EVENTS.jsonl OUT.db
"""
import json
import os
import sqlite3
import sys

import pandas as pd

TIMEOUT = pd.Timedelta(minutes=30)


def main() -> None:
    path, db = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    df = pd.json_normalize(records)
    del records
    if "event.customer-id" not in df:  # no line had a customer-id at all
        df["event.customer-id"] = None
    # No offset in the input: naive timestamps are UTC.
    df["ts"] = pd.to_datetime(df["event.timestamp"], format="ISO8601")
    df["type"] = df["type"].str.lower()

    logged = df[df["event.customer-id"].notna()].copy()
    logged["customer_id"] = logged["event.customer-id"].astype("int64")
    logged = logged.sort_values(["customer_id", "ts", "id"])
    gap = logged.groupby("customer_id")["ts"].diff()
    logged["new_session"] = gap.isna() | (gap >= TIMEOUT)
    logged["session_number"] = logged.groupby("customer_id")["new_session"].cumsum()
    df["session_number"] = logged["session_number"]  # aligned on the index; NaN = anonymous

    logged["order_ts"] = logged["ts"].where(logged["type"] == "placed_order")
    sessions = (
        logged.groupby(["customer_id", "session_number"])
        .agg(started=("ts", "min"), ended=("ts", "max"), first_order=("order_ts", "min"),
             events=("id", "size"))
        .reset_index()
    )

    if os.path.exists(db):
        os.remove(db)
    con = sqlite3.connect(db)
    df.to_sql("events", con, index=False)
    sessions.to_sql("sessions", con, index=False)
    con.commit()
    con.close()

    # visits before an order: per ordering session, sessions since the previous
    # ordering session of the customer (or since the first), this one included
    ordering = sessions[sessions["first_order"].notna()].sort_values(["customer_id", "session_number"])
    prev = ordering.groupby("customer_id")["session_number"].shift(1).fillna(0)
    visits = ordering["session_number"] - prev

    # minutes before the first order, per ordering customer
    first = ordering.groupby("customer_id")["session_number"].min().rename("first_sn")
    s = sessions.join(first, on="customer_id", how="inner")
    before = s[s["session_number"] < s["first_sn"]]
    before_ns = (before["ended"] - before["started"]).groupby(before["customer_id"]).sum()
    at = s[s["session_number"] == s["first_sn"]].set_index("customer_id")
    to_order = at["first_order"] - at["started"]
    total = to_order.add(before_ns, fill_value=pd.Timedelta(0))
    minutes = (total / pd.Timedelta(microseconds=1)).astype("int64") / 60_000_000.0

    def median(series):
        return None if series.empty else float(series.median())

    print(json.dumps({
        "median_visits_before_order": median(visits.astype("float64")),
        "median_session_duration_minutes_before_order": median(minutes),
    }))


if __name__ == "__main__":
    main()
