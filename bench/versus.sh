#!/usr/bin/env bash
# xcc's first job (fresh `xcc ingest` + `xcc metrics orders`) against DuckDB doing the same job
# into a file and in memory (bench/duckdb_baseline.py), in interleaved rounds on the same
# input, so that a machine that slows down slows every command alike; with BASE, an earlier
# commit's xcc takes part in the same rounds, which gives the speed ratios before and after a
# change from one session. The order of the commands turns by one each round.
#
# Prints, per xcc binary, the median and spread over the rounds of the speed ratio
# xcc/DuckDB (DuckDB's time / xcc's time: > 1 means xcc is faster), and each command's
# median time.
#
#   bench/versus.sh                       # N=1000000, 5 rounds, this checkout only
#   N=5000000 ROUNDS=3 bench/versus.sh 2fc5600
#
# Needs what bench/run.sh installs (its virtualenv bench/.venv with duckdb); the input is
# bench/run.sh's own (`xcc generate --events N --seed 1 --realistic --visit-events 3.25`),
# made here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-}
N=${N:-1000000}
ROUNDS=${ROUNDS:-5}
VISIT_EVENTS=${VISIT_EVENTS:-3.25}
WORK=${WORK:-bench/work}
VENV=${VENV:-bench/.venv}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)
py=$VENV/bin/python
"$py" -c 'import duckdb' 2>/dev/null || {
    echo "versus: error: $py cannot import duckdb; run bench/run.sh once (SIZES=200000 is enough) to make the virtualenv" >&2
    exit 1
}

echo "versus: building this checkout and examples/sqlite_ceiling.rs (cargo build --profile profiling)" >&2
cargo build --profile profiling --quiet
cargo build --profile profiling --quiet --example sqlite_ceiling
head_bin=${CARGO_TARGET_DIR:-$PWD/target}/profiling/xcc
ceiling_bin=${CARGO_TARGET_DIR:-$PWD/target}/profiling/examples/sqlite_ceiling
base_bin=
if [[ -n $BASE ]]; then
    echo "versus: building $BASE (target dir $work/target-base)" >&2
    base_bin=$(bench/build_base.sh "$BASE" "$work")
fi

input=$work/events-$N-visits-$VISIT_EVENTS.jsonl
if [[ ! -s $input ]]; then
    echo "versus: generating $input" >&2
    "$head_bin" generate --events "$N" --seed 1 --realistic --visit-events "$VISIT_EVENTS" >"$input.tmp"
    mv "$input.tmp" "$input"
fi

"$py" - "$input" "$N" "$work" "$ROUNDS" "$head_bin" "$base_bin" "$ceiling_bin" <<'PY'
import json, os, statistics, subprocess, sys, time

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from helpers import remove_database as remove, same_metrics

input_path, n_lines, work, rounds, head, base, ceiling = sys.argv[1:8]
n_lines, rounds = int(n_lines), int(rounds)
baseline = os.path.join(os.getcwd(), "bench", "duckdb_baseline.py")

def run(args):
    done = subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return json.loads(done.stdout)

def xcc_job(binary, name):
    def job():
        db = os.path.join(work, f"versus-{name}.db")
        remove(db)
        start = time.perf_counter()
        report = run([binary, "ingest", input_path, "--db", db, "--quiet", "--json"])
        metrics = run([binary, "metrics", "orders", "--db", db])
        seconds = time.perf_counter() - start
        for phase in ("load", "sessionize", "commit"):
            phases.setdefault((name, phase), []).append(report[f"{phase}_seconds"])
        sizes[name] = os.path.getsize(db)
        if name == "head":
            # SQLite's own bulk copy of the rows just stored, with xcc's SQLite and settings
            # (untimed here; it times its own insert and index builds).
            copy = os.path.join(work, "versus-ceiling.db")
            remove(copy)
            bulk = run([ceiling, db, copy])
            remove(copy)
            ceilings.append(bulk["insert_s"] + bulk["index_s"])
        return seconds, metrics
    return job

def duckdb_job(into_file):
    def job():
        args = [sys.executable, baseline, input_path]
        if into_file:
            out = os.path.join(work, "versus.duckdb")
            remove(out)
            args.append(out)
        start = time.perf_counter()
        metrics = run(args)
        return time.perf_counter() - start, metrics
    return job

phases, sizes, ceilings = {}, {}, []
jobs = {"xcc (this checkout)": xcc_job(head, "head")}
if base:
    jobs["xcc (base)"] = xcc_job(base, "base")
jobs["DuckDB into a file"] = duckdb_job(True)
jobs["DuckDB in memory"] = duckdb_job(False)
names = list(jobs)
times = {name: [] for name in names}
answers = {}
for r in range(rounds):
    order = names[r % len(names):] + names[:r % len(names)]
    for name in order:
        seconds, metrics = jobs[name]()
        times[name].append(seconds)
        answers.setdefault(name, metrics)
    print(f"versus: round {r + 1} of {rounds}: " +
          ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names), file=sys.stderr)

reference = answers[names[0]]
for name in names[1:]:
    if not same_metrics(reference, answers[name]):
        sys.exit(f"versus: error: {name} answered {answers[name]}, xcc {reference}")

print(f"{os.path.basename(input_path)}, {rounds} rounds; every command gave {json.dumps(reference)}")
for name in names:
    print(f"- {name}: median {statistics.median(times[name]):.3f} s "
          f"({min(times[name]):.3f}–{max(times[name]):.3f})")
for label, key in (("this checkout", "head"), ("base", "base")):
    if (key, "load") in phases:
        print(f"- xcc ({label}) phases, median: " + ", ".join(
            f"{p} {statistics.median(phases[(key, p)]):.3f} s"
            for p in ("load", "sessionize", "commit")) +
            f"; sessionize {statistics.median(phases[(key, 'sessionize')]) * 1e6 / n_lines:.3f} s per 1M lines"
            f"; file {sizes[key] / n_lines:.1f} MB per 1M lines")
loads = phases[("head", "load")]
ratios = [load / bulk for load, bulk in zip(loads, ceilings)]
print(f"- SQLite's bulk copy of the same rows (insert + both event indexes): median "
      f"{statistics.median(ceilings):.3f} s; xcc's load phase / it: median "
      f"{statistics.median(ratios):.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f})")
for x in [n for n in names if n.startswith("xcc")]:
    for d in [n for n in names if n.startswith("DuckDB")]:
        ratios = [dt / xt for xt, dt in zip(times[x], times[d])]
        print(f"- speed ratio {x} / {d}: median {statistics.median(ratios):.2f} "
              f"(rounds {min(ratios):.2f}–{max(ratios):.2f})")
PY
