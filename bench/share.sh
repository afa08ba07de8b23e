#!/usr/bin/env bash
# The file analysts receive, at the public file's size: N real-shaped lines (user agents and
# IPs nearly unique per event, `xcc generate --realistic`) with many sessions (customers'
# visits of VISIT_EVENTS events on average, `--visit-events`: 3.25 gives the 58,000 sessions
# of 680,000 lines that issue 25 measured), ingested into a working file, then `xcc share`
# in both modes. Prints markdown on stdout: sizes, the ratio to the input and the time of each
# command (median of RUNS, wall clock), then where the bytes of each file go (SQLite's dbstat,
# through the sqlite3 shell). Progress on stderr.
#
#   bench/share.sh                 # N=680000, 5 runs each
#   N=5000000 RUNS=3 bench/share.sh
#   VISIT_EVENTS=6.35 bench/share.sh   # the generator's default visits instead
#   XCC=path/to/xcc bench/share.sh # a given binary instead of cargo build --profile profiling
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-680000}
RUNS=${RUNS:-5}
VISIT_EVENTS=${VISIT_EVENTS:-3.25}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)
if [[ -z ${XCC:-} ]]; then
    echo "share: building xcc (cargo build --profile profiling)" >&2
    cargo build --profile profiling --quiet
    XCC=target/profiling/xcc
fi

input="$work/realistic-$N-visits-$VISIT_EVENTS.jsonl"
[[ -s $input ]] || "$XCC" generate --events "$N" --seed 1 --realistic --visit-events "$VISIT_EVENTS" > "$input"
db="$work/share-working.db"

# median_seconds CMD...: runs CMD RUNS times (the shell code in $BEFORE first, untimed).
median_seconds() {
    local times=()
    for ((i = 0; i < RUNS; i++)); do
        eval "${BEFORE:-true}"
        local start end
        start=$(now)
        "$@" >/dev/null 2>&1
        end=$(now)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
# Seconds since the epoch with a fraction, on Linux and macOS alike (BSD date has no %N).
now() { perl -MTime::HiRes=time -e 'printf "%.6f\n", time'; }
size() { wc -c < "$1" | tr -d ' '; }
mb() { printf '%.1f' "$(echo "$1 / 1000000" | bc -l)"; }

echo "share: ingesting $N lines" >&2
BEFORE="rm -f $db $db-wal $db-shm $db-journal" t_ingest=$(median_seconds "$XCC" ingest "$input" --db "$db" --quiet)
rm -f "$db"*; "$XCC" ingest "$input" --db "$db" --quiet

echo "| file | size | of the input | time to make it |"
echo "|---|---:|---:|---:|"
in_size=$(size "$input")
echo "| input, $N real-shaped lines | $(mb "$in_size") MB | 1.00 | |"
w_size=$(size "$db")
echo "| working file (\`xcc ingest\`, every field) | $(mb "$w_size") MB | $(printf "%.2f" "$(echo "$w_size / $in_size" | bc -l)") | $t_ingest s |"
for events in none logged-in; do
    out="$work/share-$events.db"
    echo "share: xcc share --events $events" >&2
    t=$(BEFORE="rm -f $out" median_seconds "$XCC" share --db "$db" --out "$out" --events "$events")
    s=$(size "$out")
    echo "| \`xcc share --events $events\` | $(mb "$s") MB | $(printf "%.3f" "$(echo "$s / $in_size" | bc -l)") | $t s |"
done

sessions=$(sqlite3 "$db" 'SELECT count(*) FROM sessions')
echo
echo "$N lines, $sessions sessions. Where the bytes go (MB, SQLite's dbstat; objects under 0.05 MB left out):"
for f in "$db" "$work/share-none.db" "$work/share-logged-in.db"; do
    echo
    echo "$(basename "$f"):"
    echo
    echo "| object | MB |"
    echo "|---|---:|"
    sqlite3 -separator ' | ' "$f" "SELECT '| ' || name, printf('%.2f |', sum(pgsize) / 1e6) FROM dbstat GROUP BY name HAVING sum(pgsize) >= 50000 ORDER BY sum(pgsize) DESC"
done
