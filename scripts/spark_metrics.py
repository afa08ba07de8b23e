#!/usr/bin/env python3
"""xcc's sessions and metrics on Spark: the same definitions, in the distributed engine a shop
already has (README: Running on Spark).

Reads JSON lines from any path Spark can read (a local file, HDFS, object storage, a glob),
checks every line as xcc does (as far as SQL over Spark's JSON reader can tell), makes the
30-minute sessions with queries/spark/sessionize.sql and prints, for each timeout asked for,
one JSON line: the lines read, stored, duplicates and rejected (by reason), and under
"orders" and "referrers" the same JSON as `xcc metrics orders` and `xcc metrics referrers`.

    scripts/spark_metrics.py events.json
    scripts/spark_metrics.py 's3a://shop/events/2022-*.json' --timeout 30m --sessions-out s3a://shop/sessions
    spark-submit --master yarn scripts/spark_metrics.py hdfs:///events/ --timeout 45m

--timeout takes xcc's durations (30m, 45m, 1h, 900s, 1h30m; every number with its unit) and a
comma-separated list runs each on the one Spark session. --sessions-out writes the sessions
as Parquet (one folder per timeout when there are several); --sessions-csv writes them as one
CSV file sorted by customer and session, as `xcc export sessions --format csv` does.
"""

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

# queries/spark of the checkout the script is in; on a cluster in deploy mode `cluster`, the
# driver's working directory, where `spark-submit --files queries/spark/…` puts them.
QUERIES = next(
    (d for d in (Path(__file__).resolve().parent.parent / "queries" / "spark", Path.cwd())
     if (d / "sessionize.sql").exists()),
    Path(__file__).resolve().parent.parent / "queries" / "spark",
)
SESSION_COLUMNS = [
    "id", "customer_id", "session_number", "started_us", "ended_us", "duration_seconds",
    "event_count", "page_view_count", "order_count", "first_order_us", "referrer",
    "referrer_host", "landing_page",
]


def duration_us(text):
    """xcc's durations: 30m, 45m, 1h, 900s, 1h30m, 2d; a bare number is refused, as xcc does."""
    text = text.strip()
    if re.fullmatch(r"[0-9]+", text) and int(text) > 0:
        raise argparse.ArgumentTypeError(f"give a unit: {int(text)}s or {int(text)}m")
    parts = re.findall(r"([0-9]+)([dhms])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration like 30m, 1h or 90s")
    seconds = sum(int(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[u] for n, u in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"a timeout must be more than zero, not '{text}'")
    return seconds * 1_000_000


def statements(name):
    """The named statements of a .sql file of queries/spark (`-- name: x` before each)."""
    text = (QUERIES / name).read_text()
    named = re.split(r"^-- name: (\w+)\n", text, flags=re.M)
    if len(named) == 1:
        return {"": text.strip().rstrip(";")}
    return {named[i]: named[i + 1].strip().rstrip(";") for i in range(1, len(named), 2)}


def spark_session():
    # Spark stays on the loopback interface unless the cluster's spark-submit says otherwise.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("xcc-spark-metrics")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    # Under spark-submit the JVM starts first and hands Python its gateway: the cluster's
    # master and addresses rule. Run directly, it is local mode on this machine's cores.
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = (
            builder.master(os.environ.get("XCC_SPARK_MASTER", "local[*]"))
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            # Spark's 200 shuffle partitions are for clusters; one machine's cores want few.
            .config("spark.sql.shuffle.partitions", os.environ.get("XCC_SPARK_PARTITIONS", "8"))
            # The driver is the whole of Spark here: its 1 GB default spills large inputs.
            .config("spark.driver.memory", os.environ.get("XCC_SPARK_DRIVER_MEMORY", "4g"))
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_events(spark, path):
    """The view `events`: the lines as Spark's JSON reader infers them, `_corrupt_record` for
    those that are not JSON, and `file` and `line` for their order."""
    from pyspark.sql import functions as F

    frame = spark.read.option("mode", "PERMISSIVE").json(path)
    if "_corrupt_record" not in frame.columns:
        frame = frame.withColumn("_corrupt_record", F.lit(None).cast("string"))
    for column in ("id", "type", "event"):
        if column not in frame.columns:
            frame = frame.withColumn(column, F.lit(None))
    # Input order: files by name, lines in order within each (the splits of one file come in
    # order, and these numbers grow along them).
    frame = frame.withColumn("file", F.input_file_name())
    frame = frame.withColumn("line", F.monotonically_increasing_id())
    # The reader keeps corrupt records only while the frame is cached.
    frame.cache().createOrReplaceTempView("events")


def rows_as_json(rows):
    return [row.asDict() for row in rows]


def run(spark, args):
    load_events(spark, args.events)
    spark.sql(statements("events.sql")[""]).createOrReplaceTempView("checked_events")
    stored = spark.sql(statements("stored.sql")[""])
    stored.cache().createOrReplaceTempView("stored_events")
    counts = {r["outcome"]: r["n"] for r in spark.sql(
        "SELECT outcome, COUNT(*) AS n FROM stored_events GROUP BY outcome").collect()}
    metrics = statements("metrics.sql")
    sessionize = statements("sessionize.sql")[""]
    several = len(args.timeout) > 1
    for text, timeout in zip(args.timeout_text, args.timeout):
        sessions = spark.sql(sessionize, args={"timeout_us": timeout})
        sessions.cache().createOrReplaceTempView("sessions")
        orders = spark.sql(metrics["orders"]).collect()[0].asDict()
        referrers = rows_as_json(spark.sql(metrics["referrers"]).collect())
        if args.sessions_out:
            out = f"{args.sessions_out.rstrip('/')}/timeout={text}" if several else args.sessions_out
            sessions.write.mode("overwrite").parquet(out)
        if args.sessions_csv:
            out = args.sessions_csv.replace("{timeout}", text)
            write_csv(sessions, out)
        print(json.dumps({
            "source": args.events,
            "timeout": text,
            "lines_read": sum(counts.values()),
            "stored": counts.get("stored", 0),
            "duplicates": counts.get("duplicate", 0),
            "rejected": {k: v for k, v in sorted(counts.items()) if k not in ("stored", "duplicate")},
            "orders": orders,
            "referrers": {"referrers": referrers},
        }), flush=True)
        sessions.unpersist()


def write_csv(sessions, path):
    """One CSV file, sorted like `xcc export sessions --format csv`, NULL as empty."""
    rows = sessions.orderBy("customer_id", "session_number").toLocalIterator()
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(SESSION_COLUMNS)
        for row in rows:
            out.writerow(["" if row[c] is None else row[c] for c in SESSION_COLUMNS])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: scripts/spark_metrics.py events.json --timeout 30m,10m",
    )
    parser.add_argument("events", help="JSON lines: a path, a folder or a glob Spark can read")
    parser.add_argument("--timeout", default="30m",
                        help="the inactivity gap that starts a session (default 30m); a comma-separated list for several")
    parser.add_argument("--sessions-out", help="write the sessions as Parquet here")
    parser.add_argument("--sessions-csv",
                        help="write the sessions as one CSV file here ({timeout} in the name is replaced)")
    args = parser.parse_args()
    args.timeout_text = [t.strip() for t in args.timeout.split(",")]
    try:
        args.timeout = [duration_us(t) for t in args.timeout_text]
    except argparse.ArgumentTypeError as e:
        parser.error(str(e))
    spark = spark_session()
    try:
        run(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
