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
cargo build --release --quiet --target-dir "$work/target-with"
variant="$work/variant-src"
rm -rf "$variant" && mkdir -p "$variant"
git archive HEAD | tar -x -C "$variant"
python3 - "$variant/src/ingest.rs" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()
index = '''    if deferred_index {
        store::create_index(tx, "events_by_customer_time")?;
    }'''
assert index in s, "ingest.rs changed: update bench/sessions_overhead.sh"
s = s.replace(index, "")
start = s.index("    report.sessions_written = if deferred_index {")
end = s.index("    };", start) + len("    };")
s = s[:start] + "    report.sessions_written = 0;\n    let _ = timeout_us;" + s[end:]
open(path, "w").write(s)
PY
(cd "$variant" && cargo build --release --quiet --target-dir "$work/target-without" 2>/dev/null)
with="$work/target-with/release/xcc"
without="$work/target-without/release/xcc"

input="$work/events-$N.jsonl"
[ -s "$input" ] || "$with" generate --events "$N" --seed 1 > "$input"
db="$work/overhead.db"

declare -a t_with t_without
for ((i = 0; i < RUNS; i++)); do
    for which in without with; do
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
        bin=$with; [ "$which" = without ] && bin=$without
        start=$(date +%s.%N)
        "$bin" ingest "$input" --db "$db" --quiet
        end=$(date +%s.%N)
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
