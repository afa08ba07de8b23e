#!/usr/bin/env bash
# What a change costs an ingest: the current commit against an earlier one (BASE), in
# interleaved pairs (base, head, base, head, …) so that a machine that slows down slows both
# alike, on real-shaped generated lines. Two measurements:
#   fresh  `xcc ingest` of N lines into a new file;
#   late   `xcc ingest` of N/20 more lines, spread over the same month (so nearly all of them
#          are late events for customers who have events), into a copy of that file; the copy
#          is made before the clock starts.
# Prints, for each, the median time of each commit and the median and spread of the ratios
# head/base of the pairs.
#
#   bench/against.sh fd03f9a                 # N=1000000, 8 pairs
#   N=200000 PAIRS=5 bench/against.sh HEAD~3
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/against.sh BASE_COMMIT}
N=${N:-1000000}
PAIRS=${PAIRS:-8}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)

echo "building HEAD and $BASE (target dirs $work/target-head, $work/target-base)" >&2
cargo build --profile profiling --quiet --target-dir "$work/target-head"
base_bin=$(bench/build_base.sh "$BASE" "$work")
head_bin="$work/target-head/profiling/xcc"

events="$work/against-$N.jsonl"
late="$work/against-late-$N.jsonl"
[[ -s $events ]] || "$head_bin" generate --events "$N" --seed 1 --realistic >"$events"
# Another seed over the same month, ids moved past the first file's.
[[ -s $late ]] || "$head_bin" generate --events $((N / 20)) --seed 2 --realistic |
    python3 bench/helpers.py shift-ids "$N" >"$late"

python3 - "$base_bin" "$head_bin" "$events" "$late" "$PAIRS" "$work" <<'PY'
import os, shutil, statistics, sys

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from helpers import remove_database as remove, timed

base, head, events, late, pairs, work = sys.argv[1:7]
pairs = int(pairs)
binaries = {"base": base, "head": head}

def db(name):
    return os.path.join(work, f"against-{name}.db")

def fresh(name):
    remove(db(name))
    return timed([binaries[name], "ingest", events, "--db", db(name), "--quiet"])

def late_ingest(name):
    copy = db(name + "-late")
    remove(copy)
    shutil.copyfile(db(name), copy)
    return timed([binaries[name], "ingest", late, "--db", copy, "--quiet"])

for label, run in (("fresh", fresh), ("late", late_ingest)):
    times = {"base": [], "head": []}
    ratios = []
    for _ in range(pairs):
        pair = {name: run(name) for name in ("base", "head")}
        for name, seconds in pair.items():
            times[name].append(seconds)
        ratios.append(pair["head"] / pair["base"])
    print(f"{label}: base {statistics.median(times['base']):.3f} s, "
          f"head {statistics.median(times['head']):.3f} s, "
          f"head/base {statistics.median(ratios):.3f} "
          f"(pairs {min(ratios):.2f}–{max(ratios):.2f}, {pairs} pairs)")
for name in ("base", "head"):
    print(f"{name} file: {os.path.getsize(db(name)):,} bytes")
PY
