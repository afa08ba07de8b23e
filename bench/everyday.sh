#!/usr/bin/env bash
# The runs after the first: this checkout against an earlier commit (BASE) in interleaved
# pairs (base, head, then head, base, …) on files each of them wrote from the same input.
#   re-ingest    the same file again (known blocks recognised);
#   1% new lines N/100 lines (seed 2, ids after N, the same customers) into a copy of the
#                file, made and synced before the clock starts;
#   metrics      cold `xcc metrics orders`, best of 5 new processes.
# Prints each commit's median and the median and spread of the ratios head/base.
#
#   bench/everyday.sh 2fc5600                  # N=1000000, 8 pairs
#   N=200000 PAIRS=4 bench/everyday.sh HEAD~3
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/everyday.sh BASE_COMMIT}
N=${N:-1000000}
PAIRS=${PAIRS:-8}
VISIT_EVENTS=${VISIT_EVENTS:-3.25}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)

echo "everyday: building this checkout and $BASE" >&2
cargo build --profile profiling --quiet
head_bin=${CARGO_TARGET_DIR:-$PWD/target}/profiling/xcc
base_bin=$(bench/build_base.sh "$BASE" "$work")

# bench/run.sh's input; the new lines as its 1% step makes them.
input=$work/events-$N-visits-$VISIT_EVENTS.jsonl
if [[ ! -s $input ]]; then
    "$head_bin" generate --events "$N" --seed 1 --realistic --visit-events "$VISIT_EVENTS" >"$input.tmp"
    mv "$input.tmp" "$input"
fi
inc=$work/everyday-inc-$N.jsonl
"$head_bin" generate --events $((N / 100)) --seed 2 --realistic | python3 bench/helpers.py shift-ids "$N" >"$inc"
sync

python3 - "$base_bin" "$head_bin" "$input" "$inc" "$PAIRS" "$work" <<'PY'
import os, shutil, statistics, sys

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from helpers import remove_database as remove, timed

base, head, events, inc, pairs, work = sys.argv[1:7]
pairs = int(pairs)
binaries = {"base": base, "head": head}

def db(name, suffix=""):
    return os.path.join(work, f"everyday-{name}{suffix}.db")

def reingest(name):
    return timed([binaries[name], "ingest", events, "--db", db(name), "--quiet"])

def new_lines(name):
    copy = db(name, "-inc")
    remove(copy)
    shutil.copyfile(db(name), copy)
    os.sync()
    return timed([binaries[name], "ingest", inc, "--db", copy, "--quiet"])

def metrics(name):
    return min(timed([binaries[name], "metrics", "orders", "--db", db(name)]) for _ in range(5))

for name in binaries:
    remove(db(name))
    timed([binaries[name], "ingest", events, "--db", db(name), "--quiet"])
os.sync()

for label, run in (("re-ingest", reingest), ("1% new lines", new_lines), ("metrics orders", metrics)):
    times = {"base": [], "head": []}
    ratios = []
    for i in range(pairs):
        order = ("base", "head") if i % 2 == 0 else ("head", "base")
        pair = {name: run(name) for name in order}
        for name, seconds in pair.items():
            times[name].append(seconds)
        ratios.append(pair["head"] / pair["base"])
    print(f"{label}: base {statistics.median(times['base']) * 1000:.1f} ms, "
          f"head {statistics.median(times['head']) * 1000:.1f} ms, "
          f"head/base {statistics.median(ratios):.2f} "
          f"(pairs {min(ratios):.2f}–{max(ratios):.2f}, {pairs} pairs)")
PY
