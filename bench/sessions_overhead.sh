#!/usr/bin/env bash
# What sessionizing costs a first load: `xcc ingest` of N generated lines, against the same
# commit built without sessions (no customer index, no session rebuild). Runs the two
# binaries interleaved, so that a busy machine slows both alike, and prints the medians.
#
#   bench/sessions_overhead.sh            # N=1000000, 6 runs each
#   N=200000 RUNS=3 bench/sessions_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-6}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)

echo "building xcc and xcc without sessions (target dir $work/target-*)" >&2
cargo build --profile profiling --quiet --target-dir "$work/target-with"
variant="$work/variant-src"
rm -rf "$variant" && mkdir -p "$variant"
git archive HEAD | tar -x -C "$variant"
python3 - "$variant/src" <<'PY'
import sys
src = sys.argv[1]

def cut(path, old, new):
    s = open(path).read()
    assert old in s, f"{path} changed: update bench/sessions_overhead.sh"
    open(path, "w").write(s.replace(old, new))

# The customer index, which only sessionizing reads, is not built after a first load ...
cut(f"{src}/store/events.rs", """        if self.bulk_load {
            schema::create_index(self.conn, "events_by_customer_time")?;
        }
""", "")
# ... and no session is rebuilt.
cut(f"{src}/ingest/mod.rs", "let sessions_written = sessionize(tx, &loaded)?;",
    "let sessions_written = 0;")
PY
(cd "$variant" && cargo build --profile profiling --quiet --target-dir "$work/target-without" 2>/dev/null)
with="$work/target-with/profiling/xcc"
without="$work/target-without/profiling/xcc"

input="$work/events-$N.jsonl"
[ -s "$input" ] || "$with" generate --events "$N" --seed 1 > "$input"
db="$work/overhead.db"

# Seconds since the epoch with a fraction, on Linux and macOS alike (BSD date has no %N).
now() { perl -MTime::HiRes=time -e 'printf "%.6f\n", time'; }
declare -a t_with t_without
for ((i = 0; i < RUNS; i++)); do
    for which in without with; do
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
        bin=$with; [ "$which" = without ] && bin=$without
        start=$(now)
        "$bin" ingest "$input" --db "$db" --quiet
        end=$(now)
        t=$(echo "$end - $start" | bc -l)
        if [ "$which" = with ]; then t_with+=("$t"); else t_without+=("$t"); fi
    done
done
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mw=$(median "${t_with[@]}"); mo=$(median "${t_without[@]}")
printf 'ingest of %s lines, %s interleaved runs each\n' "$N" "$RUNS"
printf '  without sessions: median %.3f s (%s)\n' "$mo" "${t_without[*]}"
printf '  with sessions:    median %.3f s (%s)\n' "$mw" "${t_with[*]}"
printf '  sessions cost:    %.1f%%\n' "$(echo "($mw / $mo - 1) * 100" | bc -l)"
