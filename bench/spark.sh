#!/usr/bin/env bash
# The same sessions and metrics on Spark (local mode, this machine's cores) and with xcc, on
# real-shaped generated lines: wall time of each, and whether both medians agree.
#
#   bench/spark.sh                 # SIZES="1000000 5000000"
#   SIZES=200000 bench/spark.sh
#
# xcc: `xcc ingest` into a new file (parse, store, sessionize), then `xcc metrics orders` and
# `xcc metrics referrers`. Spark: scripts/spark_metrics.py (read and check the lines,
# sessionize, both metrics) with the Python of .venv-spark (scripts/test makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 5000000"}
WORK=${WORK:-bench/work}
PYTHON=${XCC_SPARK_PYTHON:-.venv-spark/bin/python}
mkdir -p "$WORK"
[[ -x $PYTHON ]] || { echo "spark.sh: no $PYTHON: run scripts/test once (it makes .venv-spark), or set XCC_SPARK_PYTHON" >&2; exit 1; }
cargo build --profile profiling --quiet
XCC=target/profiling/xcc

seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }

echo "| lines | xcc: ingest + both metrics | Spark local[*]: read, check, sessionize, both metrics | ratio | medians equal |"
echo "|---:|---:|---:|---:|---|"
for n in $SIZES; do
    events="$WORK/events-$n.jsonl"
    [[ -s $events ]] || "$XCC" generate --events "$n" --seed 1 --realistic >"$events"
    db="$WORK/spark-bench-$n.db"
    rm -f "$db"
    start=$(python3 -c "import time; print(time.time())")
    "$XCC" ingest "$events" --db "$db" --quiet
    "$XCC" metrics orders --db "$db" >"$WORK/spark-bench-$n.xcc-orders.json"
    "$XCC" metrics referrers --db "$db" >/dev/null
    xcc_s=$(seconds "$start")
    start=$(python3 -c "import time; print(time.time())")
    "$PYTHON" scripts/spark_metrics.py "$events" >"$WORK/spark-bench-$n.spark.json" 2>"$WORK/spark-bench-$n.spark.log"
    spark_s=$(seconds "$start")
    equal=$(python3 - "$WORK/spark-bench-$n.xcc-orders.json" "$WORK/spark-bench-$n.spark.json" <<'PY'
import json, sys
xcc = json.load(open(sys.argv[1]))
spark = json.loads(open(sys.argv[2]).readline())["orders"]
same = all((xcc[k] is None and spark[k] is None) or abs(xcc[k] - spark[k]) <= 1e-9 for k in xcc)
print(f"{'yes' if same else 'NO'} ({xcc['median_visits_before_order']}, {xcc['median_session_duration_minutes_before_order']})")
PY
)
    ratio=$(python3 -c "print(f'{$spark_s / $xcc_s:.1f}×')")
    echo "| $n | $xcc_s s | $spark_s s | $ratio | $equal |"
done
