#!/usr/bin/env bash
# Benchmark of xcc against the tools a user would otherwise pick (DuckDB in memory and into a
# file, pandas, the sqlite3 shell, sqlite-utils) and against SQLite's own bulk copy of the rows
# xcc stores, on the same generated input in the same run. Run from anywhere: bench/run.sh
#
# Prints the machine and ONE markdown table on stdout; progress goes to stderr.
#
# Environment knobs:
#   SIZES="1000000 5000000"  input sizes in lines (SIZES=200000 for a quick run)
#   VISIT_EVENTS=3.25        mean events of a customer's visit (xcc generate --visit-events):
#                            3.25 gives many sessions, about 86,000 per million lines
#   SQLITE_UTILS_LINES=200000  lines of the sqlite-utils baseline (35k lines/s: 1M takes long)
#   XCC=path/to/xcc          binary to measure (default: cargo build --profile profiling, target/profiling/xcc)
#   PANDAS_MAX=1000000       sizes above this skip the pandas baseline (it needs GBs of memory)
#   WORK=bench/work          generated inputs, databases and logs (gitignored)
#   VENV=bench/.venv         virtualenv with duckdb, pandas and sqlite-utils from PyPI (made
#                            if missing)
#   RUNS=1                   repetitions of each timed command (median time, max RSS)
#   WRK_DURATION=10s         duration of each wrk run
#
# Needs (Debian packages): hyperfine wrk sqlite3 time curl python3-venv; installed with apt-get
# when missing and run as root.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
BENCH=$REPO/bench
SIZES=${SIZES:-"1000000 5000000"}
VISIT_EVENTS=${VISIT_EVENTS:-3.25}
SQLITE_UTILS_LINES=${SQLITE_UTILS_LINES:-200000}
PANDAS_MAX=${PANDAS_MAX:-1000000}
WORK=${WORK:-$BENCH/work}
VENV=${VENV:-$BENCH/.venv}
RUNS=${RUNS:-1}
WRK_DURATION=${WRK_DURATION:-10s}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
LOGS=$WORK/logs
RESULTS=$WORK/results.tsv
mkdir -p "$LOGS"
: >"$RESULTS"
# What disagreed with xcc's metrics, said at the end (the run goes on to measure the rest).
failures=()

log() { echo "bench: $*" >&2; }
die() {
    echo "bench: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------
# Tools

need_apt=()
for tool in hyperfine wrk sqlite3 curl; do
    command -v "$tool" >/dev/null || need_apt+=("$tool")
done
[[ -x /usr/bin/time ]] || need_apt+=(time)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing ${need_apt[*]} with apt-get"
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >&2
    else
        die "missing ${need_apt[*]}: sudo apt-get install -y ${need_apt[*]}"
    fi
fi

if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import duckdb, pandas, sqlite_utils' 2>/dev/null; then
    log "making the virtualenv $VENV with duckdb, pandas and sqlite-utils from PyPI"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb pandas sqlite-utils >&2
fi
PY=$VENV/bin/python
HELPERS=$BENCH/helpers.py

if [[ -z ${XCC:-} ]]; then
    log "building xcc (cargo build --profile profiling: the release build with line tables)"
    cargo build --profile profiling --quiet >&2
    XCC=${CARGO_TARGET_DIR:-$REPO/target}/profiling/xcc
fi
[[ -x $XCC ]] || die "XCC=$XCC is not an executable"
# SQLite's own bulk copy, with the SQLite xcc bundles and its settings (an example program,
# never part of the installed binary).
log "building examples/sqlite_ceiling.rs"
cargo build --profile profiling --quiet --example sqlite_ceiling >&2
CEILING=${CARGO_TARGET_DIR:-$REPO/target}/profiling/examples/sqlite_ceiling
XCC=$(cd "$(dirname "$XCC")" && pwd)/$(basename "$XCC")

# ---------------------------------------------------------------------------------------
# Measuring

# Nanoseconds since the epoch, on Linux and macOS alike (BSD date has no %N).
now_ns() { perl -MTime::HiRes=time -e 'printf "%.0f\n", time * 1e9'; }
# A file's size in bytes, 0 when it does not exist (wc -c: stat's flags differ by system).
bytes_of() { if [[ -e $1 ]]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# measure ID CMD...: runs CMD under /usr/bin/time -v RUNS times (running the shell code in
# $PREPARE before each run, untimed), stdout to $LOGS/ID.out, stderr to $LOGS/ID.err.
# Sets WALL (median wall seconds, measured around the command with a nanosecond clock) and
# RSS_KB (the largest "Maximum resident set size" of the runs).
measure() {
    local id=$1
    shift
    local walls=() i t0 t1 r
    RSS_KB=0
    for ((i = 1; i <= RUNS; i++)); do
        if [[ -n ${PREPARE:-} ]]; then eval "$PREPARE"; fi
        t0=$(now_ns)
        if ! /usr/bin/time -v -o "$LOGS/$id.time" "$@" >"$LOGS/$id.out" 2>"$LOGS/$id.err"; then
            echo "bench: error: '$*' failed; the end of its stderr ($LOGS/$id.err):" >&2
            tail -n 20 "$LOGS/$id.err" >&2
            exit 1
        fi
        t1=$(now_ns)
        walls+=($((t1 - t0)))
        r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$LOGS/$id.time")
        if ((r > RSS_KB)); then RSS_KB=$r; fi
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -n |
        awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m / 1e9}')
}

# row LINES STEP SECONDS LINES_PER_S RSS_KB P50_MS P99_MS REQ_PER_S NOTES (empty = n/a)
row() {
    local IFS=$'\t'
    echo "$*" >>"$RESULTS"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
percent() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", 100 * a / b}'; }
fmt() { awk -v n="$1" 'BEGIN {s = sprintf("%.0f", n); t = ""; while (length(s) > 3) {t = "," substr(s, length(s) - 2) t; s = substr(s, 1, length(s) - 3)}; print s t}'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; }
met() { if at_least "$1" "$2"; then echo "met"; else echo "missed"; fi; }

SERVER_PID=
stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# serve_and_load N DB: serves DB on a free port (port 0: the kernel picks one, xcc prints it),
# warms each endpoint with one request, then wrk on /metrics/orders and /metrics/referrers.
serve_and_load() {
    local n=$1 db=$2 url= i endpoint p50 p99 rps errors note
    "$XCC" serve --db "$db" --addr 127.0.0.1:0 --quiet 2>"$LOGS/serve-$n.err" &
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do
        url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$LOGS/serve-$n.err" | head -n 1 || true)
        [[ -n $url ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "xcc serve stopped: $(cat "$LOGS/serve-$n.err")"
        sleep 0.1
    done
    [[ -n $url ]] || die "xcc serve printed no address in 10 s"
    for endpoint in orders referrers; do
        curl -fsS -o /dev/null "$url/metrics/$endpoint" || die "GET $url/metrics/$endpoint failed"
        log "$n lines: wrk -t2 -c8 -d$WRK_DURATION on /metrics/$endpoint"
        wrk -t2 -c8 -d"$WRK_DURATION" --latency "$url/metrics/$endpoint" >"$LOGS/wrk-$endpoint-$n.log"
        read -r p50 p99 rps errors < <("$PY" "$HELPERS" wrk "$LOGS/wrk-$endpoint-$n.log")
        note="wrk -t2 -c8 -d$WRK_DURATION, xcc serve with its default 4 threads"
        [[ $errors == - ]] || note+="; socket errors: ${errors//_/ }"
        if [[ $endpoint == orders ]]; then
            note+="; target p50 ≤ 5 ms: $(met 5 "$p50"), ≥ 5,000 req/s: $(met "$rps" 5000)"
        fi
        row "$n" "GET /metrics/$endpoint" "" "" "" "$p50" "$p99" "$rps" "$note"
    done
    stop_server
}

# ---------------------------------------------------------------------------------------
# The machine

xcc_version=$("$XCC" --version)
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?")
if [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]]; then git_rev+="+uncommitted changes"; fi
py_versions=$("$PY" -c 'import duckdb, pandas, platform; print(f"DuckDB {duckdb.__version__} and pandas {pandas.__version__} (Python {platform.python_version()})")')
cat <<EOF
## Machine

- CPU: $(getconf _NPROCESSORS_ONLN) × $( (awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || sysctl -n machdep.cpu.brand_string 2>/dev/null) | head -n 1)
- memory: $( (awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || sysctl -n hw.memsize 2>/dev/null | awk '{printf "%.1f GiB", $1 / 1073741824}') | head -n 1); $(uname -sr)
- load average at start: $(uptime | sed 's/.*load average[s]*: //') (other work may be running: compare ratios within one run)
- $xcc_version (git $git_rev), $py_versions, sqlite3 shell $(sqlite3 --version | cut -d' ' -f1), $(hyperfine --version), wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}')
- $(date -u '+%Y-%m-%d %H:%M UTC'); SIZES="$SIZES" VISIT_EVENTS=$VISIT_EVENTS RUNS=$RUNS PANDAS_MAX=$PANDAS_MAX SQLITE_UTILS_LINES=$SQLITE_UTILS_LINES

EOF

# ---------------------------------------------------------------------------------------
# sqlite-utils, the ecosystem's JSON → SQLite loader, on SQLITE_UTILS_LINES lines (it loads
# about 35,000 lines a second): `insert --nl` stores every line (the nested event as JSON
# text), then the sqlite3 shell sessionizes and takes the medians with bench/sqlite_baseline.
# sql's statements. xcc does the same lines in the same run.

su_lines=$SQLITE_UTILS_LINES
su_input=$WORK/events-$su_lines-visits-$VISIT_EVENTS.jsonl
if [[ ! -s $su_input ]]; then
    "$XCC" generate --events "$su_lines" --seed 1 --realistic --visit-events "$VISIT_EVENTS" >"$su_input"
fi
su_xcc_db=$WORK/xcc-su-$su_lines.db
log "$su_lines lines: xcc ingest + metrics orders, for the sqlite-utils baseline"
PREPARE="rm -f '$su_xcc_db' '$su_xcc_db-wal' '$su_xcc_db-shm'"
measure "su-xcc-$su_lines" sh -c '"$1" ingest "$2" --db "$3" --quiet && "$1" metrics orders --db "$3"' sh "$XCC" "$su_input" "$su_xcc_db"
PREPARE=
su_xcc_s=$WALL
cp "$LOGS/su-xcc-$su_lines.out" "$LOGS/xcc-metrics-su.json"
su_db=$WORK/sqlite-utils-$su_lines.db
{
    echo ".bail on"
    echo "ALTER TABLE events RENAME TO loaded;"
    echo "CREATE TABLE events AS SELECT id, lower(type) AS type, event ->> '\$.\"customer-id\"' AS customer_id, event ->> '\$.timestamp' AS timestamp FROM loaded;"
    sed -n '/^CREATE TABLE logged AS/,$p' "$BENCH/sqlite_baseline.sql"
} >"$WORK/sqlite-utils-metrics.sql"
log "$su_lines lines: sqlite-utils insert --nl, then the medians in the sqlite3 shell"
PREPARE="rm -f '$su_db'"
measure "sqlite-utils-$su_lines" sh -c '"$1" insert "$2" events "$3" --nl && sqlite3 "$2" <"$4"' sh "$VENV/bin/sqlite-utils" "$su_db" "$su_input" "$WORK/sqlite-utils-metrics.sql"
PREPARE=
su_same=$("$PY" "$HELPERS" compare "$LOGS/xcc-metrics-su.json" "$LOGS/sqlite-utils-$su_lines.out")
[[ $su_same == yes ]] || failures+=("$su_lines lines, sqlite-utils: $su_same")
row "$su_lines" "sqlite-utils $("$VENV/bin/sqlite-utils" --version | awk '{print $NF}'): insert --nl (every line, the event as JSON text), then the sqlite3 shell's window functions and medians" "$WALL" "$(rate "$su_lines" "$WALL")" "$RSS_KB" "" "" "" \
    "xcc ingest + metrics of the same lines: $su_xcc_s s, so speed ratio xcc/sqlite-utils $(ratio "$WALL" "$su_xcc_s"); same metrics: $su_same"
rm -f "$su_db" "$su_xcc_db"

# ---------------------------------------------------------------------------------------
# The runs

largest=0
for n in $SIZES; do
    [[ $n =~ ^[0-9]+$ && $n -ge 100 ]] || die "SIZES holds '$n': sizes are line counts of at least 100"
    if ((n > largest)); then largest=$n; fi
done

for n in $SIZES; do
    input=$WORK/events-$n-visits-$VISIT_EVENTS.jsonl
    db=$WORK/xcc-$n.db
    if [[ ! -s $input ]]; then
        log "$n lines: generating $input"
        # Real-shaped: a user agent and an ip of its own on every line, as in the public file;
        # customers' visits of VISIT_EVENTS events, so many sessions.
        "$XCC" generate --events "$n" --seed 1 --realistic --visit-events "$VISIT_EVENTS" >"$input.tmp"
        mv "$input.tmp" "$input"
        # Written out now, not by the kernel during the first timed ingest.
        sync
    fi

    # 1. Full ingest into a fresh file, sessions included.
    log "$n lines: xcc ingest into a fresh database"
    PREPARE="rm -f '$db' '$db-wal' '$db-shm'"
    measure "ingest-$n" "$XCC" ingest "$input" --db "$db" --json --quiet
    PREPARE=
    stored=$("$PY" "$HELPERS" field "$LOGS/ingest-$n.out" stored)
    [[ $stored == "$n" ]] || die "xcc stored $stored of $n lines (see $LOGS/ingest-$n.out)"
    ingest_s=$WALL
    ingest_lps=$(rate "$n" "$WALL")
    db_bytes=$(($(bytes_of "$db") + $(bytes_of "$db-wal")))
    per_m=$(awk -v b="$db_bytes" -v n="$n" 'BEGIN {printf "%.0f", b * 1e6 / n}')
    sessions=$(sqlite3 "$db" 'SELECT count(*) FROM sessions')
    load_s=$("$PY" "$HELPERS" field "$LOGS/ingest-$n.out" load_seconds)
    sessionize_s=$("$PY" "$HELPERS" field "$LOGS/ingest-$n.out" sessionize_seconds)
    sessionize_per_m=$(awk -v s="$sessionize_s" -v n="$n" 'BEGIN {printf "%.3f", s * 1e6 / n}')
    row "$n" "xcc ingest, fresh db, sessions included" "$WALL" "$ingest_lps" "$RSS_KB" "" "" "" \
        "$(fmt "$sessions") sessions; database $(fmt "$per_m") bytes per 1M lines (target ≤ 170 MB: $(met 170000000 "$per_m")); phases: $("$PY" "$HELPERS" phases "$LOGS/ingest-$n.out"); the sessionize phase $sessionize_per_m s per 1M lines (target ≤ 0.3 s: $(met 0.3 "$sessionize_per_m")); peak RSS ≤ 100 MB: $(met 102400 "$RSS_KB")"

    # 2. The two metrics, as the CLI answers them (cold: a new process each time).
    "$XCC" metrics orders --db "$db" >"$LOGS/xcc-metrics-$n.json"
    hyperfine --style none --warmup 1 --runs 5 -N --export-json "$LOGS/metrics-$n.hyperfine.json" \
        "$XCC metrics orders --db $db" >/dev/null 2>"$LOGS/metrics-$n.hyperfine.err" ||
        die "hyperfine on xcc metrics orders failed: $(cat "$LOGS/metrics-$n.hyperfine.err")"
    metrics_s=$("$PY" -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$LOGS/metrics-$n.hyperfine.json")
    row "$n" "xcc metrics orders (CLI, median of 5 by hyperfine)" "$metrics_s" "" "" "" "" "" \
        "$(tr -d ' \n' <"$LOGS/xcc-metrics-$n.json"); target ≤ 30 ms: $(met 0.030 "$metrics_s")"
    xcc_job_s=$(awk -v a="$ingest_s" -v b="$metrics_s" 'BEGIN {printf "%.3f", a + b}')

    # 3. The same file again: every line is a duplicate. First as a user runs it (the blocks
    # an earlier ingest read byte for byte are recognised, not parsed), then with --parse-all,
    # which parses and checks every line.
    for how in recognised parsed; do
        log "$n lines: xcc ingest of the same file again ($how)"
        flags=()
        [[ $how == parsed ]] && flags=(--parse-all)
        measure "reingest-$how-$n" "$XCC" ingest "$input" --db "$db" --json --quiet "${flags[@]}"
        dups=$("$PY" "$HELPERS" field "$LOGS/reingest-$how-$n.out" duplicates)
        [[ $dups == "$n" ]] || die "re-ingest counted $dups duplicates of $n lines"
        recognised=$("$PY" "$HELPERS" field "$LOGS/reingest-$how-$n.out" recognised)
        lps=$(rate "$n" "$WALL")
        if [[ $how == recognised ]]; then
            label="xcc ingest of the same file again (all duplicates, known blocks recognised)"
        else
            label="xcc ingest of the same file again (all duplicates, --parse-all: every line parsed)"
        fi
        row "$n" "$label" "$WALL" "$lps" "$RSS_KB" "" "" "" \
            "$(percent "$WALL" "$ingest_s")% of the full ingest; $(fmt "$recognised") lines recognised; target ≥ 2,000,000 lines/s: $(met "$lps" 2000000), peak RSS ≤ 100 MB: $(met 102400 "$RSS_KB")"
    done

    # 4. Rebuild of every session.
    log "$n lines: xcc sessionize"
    measure "sessionize-$n" "$XCC" sessionize --db "$db"
    row "$n" "xcc sessionize (rebuild every session)" "$WALL" "" "$RSS_KB" "" "" "" "$(tail -n 1 "$LOGS/sessionize-$n.err" | sed 's/^xcc: //')"
    "$XCC" metrics orders --db "$db" >"$LOGS/xcc-metrics-after-sessionize-$n.json"
    [[ $("$PY" "$HELPERS" compare "$LOGS/xcc-metrics-$n.json" "$LOGS/xcc-metrics-after-sessionize-$n.json") == yes ]] ||
        die "the metrics changed after xcc sessionize: $(cat "$LOGS/xcc-metrics-$n.json") vs $(cat "$LOGS/xcc-metrics-after-sessionize-$n.json")"

    # 5. The HTTP API under load.
    serve_and_load "$n" "$db"

    # 6. The same job with the tools a user would otherwise pick.
    # baseline ID LABEL STEP [TARGET [NOTE]]: the command's stdout ($LOGS/ID.out) holds its
    # metrics as JSON; TARGET is the least speed ratio xcc/baseline the issue asks for.
    baseline() {
        local id=$1 label=$2 target=${4:-} extra=${5:-} same note speed
        same=$("$PY" "$HELPERS" compare "$LOGS/xcc-metrics-$n.json" "$LOGS/$id.out")
        if [[ $same != yes ]]; then
            failures+=("$n lines, $label: $same")
            log "MISMATCH at $n lines, $label: $same"
        fi
        speed=$(ratio "$WALL" "$xcc_job_s")
        note="time ratio xcc/$label $(ratio "$xcc_job_s" "$WALL") (xcc = ingest + metrics, $xcc_job_s s), so speed ratio xcc/$label $speed"
        [[ -z $target ]] || note+=" (target ≥ $target: $(met "$speed" "$target"))"
        note+="; same metrics: $same"
        [[ -z $extra ]] || note+="; $extra"
        row "$n" "$3" "$WALL" "$(rate "$n" "$WALL")" "$RSS_KB" "" "" "" "$note"
    }

    duckdb_version=$("$PY" -c 'import duckdb; print(duckdb.__version__)')
    log "$n lines: DuckDB baseline into a file"
    measure "duckdb-file-$n" "$PY" "$BENCH/duckdb_baseline.py" "$input" "$WORK/duckdb-$n.duckdb"
    duckdb_file_note="a $(fmt "$(bytes_of "$WORK/duckdb-$n.duckdb")")-byte DuckDB file"
    baseline "duckdb-file-$n" "DuckDB-into-a-file" "DuckDB $duckdb_version: read_json of every field into a table, a sessions table, medians (into a file)" 1.25 "$duckdb_file_note"
    rm -f "$WORK/duckdb-$n.duckdb"

    log "$n lines: DuckDB baseline in memory"
    measure "duckdb-$n" "$PY" "$BENCH/duckdb_baseline.py" "$input"
    baseline "duckdb-$n" "DuckDB-in-memory" "DuckDB $duckdb_version: read_json, window functions, medians (in memory, storing nothing)" 0.5

    # SQLite's own ceiling for today's rows: one INSERT … SELECT from memory, the two indexes;
    # the time compared is the load (insert + indexes), the commit is reported beside it.
    log "$n lines: SQLite's bulk copy of the same rows"
    "$CEILING" "$db" "$WORK/ceiling-$n.db" >"$LOGS/ceiling-$n.out"
    ceiling_insert=$("$PY" "$HELPERS" field "$LOGS/ceiling-$n.out" insert_s)
    ceiling_index=$("$PY" "$HELPERS" field "$LOGS/ceiling-$n.out" index_s)
    ceiling_commit=$("$PY" "$HELPERS" field "$LOGS/ceiling-$n.out" commit_s)
    ceiling_s=$(awk -v a="$ceiling_insert" -v b="$ceiling_index" 'BEGIN {printf "%.3f", a + b}')
    load_ratio=$(ratio "$load_s" "$ceiling_s")
    row "$n" "SQLite alone: INSERT … SELECT of the same rows from memory, then xcc's two event indexes (examples/sqlite_ceiling.rs: xcc's SQLite and settings)" "$ceiling_s" "$(rate "$n" "$ceiling_s")" "" "" "" "" \
        "insert $(printf '%.2f' "$ceiling_insert") s + indexes $(printf '%.2f' "$ceiling_index") s (then its commit $(printf '%.2f' "$ceiling_commit") s, to set beside xcc's commit phase); xcc's load phase $(printf '%.2f' "$load_s") s is $load_ratio× that (target ≤ 1.15: $(met 1.15 "$load_ratio"))"
    rm -f "$WORK/ceiling-$n.db"

    if ((n <= PANDAS_MAX)); then
        log "$n lines: pandas baseline"
        measure "pandas-$n" "$PY" "$BENCH/pandas_baseline.py" "$input" "$WORK/pandas-$n.db"
        baseline "pandas-$n" pandas "pandas: json.loads, json_normalize, sort, gap flag + cumsum, to_sql, medians" 20
        rm -f "$WORK/pandas-$n.db"
    else
        row "$n" "pandas: json.loads, json_normalize, sort, gap flag + cumsum, to_sql, medians" "" "" "" "" "" "" \
            "skipped (PANDAS_MAX=$PANDAS_MAX)"
    fi

    log "$n lines: sqlite3 shell baseline"
    ln -sf "$input" "$WORK/events.jsonl"
    PREPARE="rm -f '$WORK/sqlite3-$n.db'"
    measure "sqlite3-$n" sh -c 'cd "$1" && exec sqlite3 "$2" <"$3"' sh "$WORK" "sqlite3-$n.db" "$BENCH/sqlite_baseline.sql"
    PREPARE=
    baseline "sqlite3-$n" sqlite3 "sqlite3 shell: .import, ->> JSON fields, window functions, medians (file db)"
    rm -f "$WORK/sqlite3-$n.db" "$WORK/events.jsonl"

    # 7. Incremental: 1% new lines into the largest database (last, as it changes the file).
    if ((n == largest)); then
        m=$((n / 100))
        inc=$WORK/events-inc-$m.jsonl
        log "$n lines: xcc ingest of $m new lines (ids shifted by $n, same customers)"
        "$XCC" generate --events "$m" --seed 2 --realistic | "$PY" "$HELPERS" shift-ids "$n" >"$inc"
        # Each run ingests into a fresh copy of the database (copied untimed), so that with
        # RUNS > 1 every run stores the same new lines rather than finding them all known. The
        # copy is synced before the clock starts: else the ingest's own fsync would write out
        # the whole copied file (a 7.9% "incremental" in a run where it was 2-3%).
        copy=$WORK/xcc-inc-$n.db
        PREPARE="rm -f '$copy' '$copy-wal' '$copy-shm' && cp '$db' '$copy' && if [ -e '$db-wal' ]; then cp '$db-wal' '$copy-wal'; fi && sync"
        measure "incremental-$n" "$XCC" ingest "$inc" --db "$copy" --json --quiet
        PREPARE=
        rm -f "$copy" "$copy-wal" "$copy-shm"
        stored=$("$PY" "$HELPERS" field "$LOGS/incremental-$n.out" stored)
        [[ $stored == "$m" ]] || die "the incremental ingest stored $stored of $m lines (see $LOGS/incremental-$n.out)"
        share=$(percent "$WALL" "$ingest_s")
        row "$n" "xcc ingest of 1% new lines ($(fmt "$m"), seed 2, ids after $(fmt "$n")) into that db" "$WALL" "$(rate "$m" "$WALL")" "$RSS_KB" "" "" "" \
            "$share% of the full ingest of $(fmt "$n") lines; target ≤ 3%: $(met 3 "$share")"
    fi
done

"$PY" "$HELPERS" table "$RESULTS"

if ((${#failures[@]})); then
    echo >&2
    for f in "${failures[@]}"; do echo "bench: error: a baseline disagrees with xcc: $f" >&2; done
    exit 1
fi
echo >&2
log "done; every baseline gave the same metrics as xcc"
