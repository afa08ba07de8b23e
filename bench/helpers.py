#!/usr/bin/env python3
"""Small helpers for bench/run.sh (standard library only); bench/against.sh, everyday.sh and
versus.sh import remove_database, timed and same_metrics from it.

  helpers.py shift-ids OFFSET < in.jsonl > out.jsonl
      adds OFFSET to every line's leading `"id": K` (xcc generate numbers ids 1..N)
  helpers.py field FILE.json KEY
      prints one top-level value of a JSON document (e.g. `stored` of `xcc ingest --json`)
  helpers.py phases INGEST.json
      prints the `*_seconds` fields of `xcc ingest --json` (load, sessionize, commit)
  helpers.py compare XCC.json OTHER.json
      prints `yes` when both medians agree within 1e-9 (null only equals null), else
      `NO: xcc {...} vs {...}`; exits 0 either way (run.sh collects the failures)
  helpers.py wrk WRK.log
      prints `p50_ms p99_ms requests_per_s` from `wrk --latency` output; fails on non-2xx
  helpers.py table RESULTS.tsv
      renders the rows that run.sh collected as one markdown table
"""
import json
import os
import re
import subprocess
import sys
import time

KEYS = ("median_visits_before_order", "median_session_duration_minutes_before_order")
TOLERANCE = 1e-9


def remove_database(path: str) -> None:
    """Removes a database file and its companions (SQLite's journals, DuckDB's WAL)."""
    for suffix in ("", "-wal", "-shm", "-journal", ".wal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def timed(args: list) -> float:
    """Runs a command (stdout discarded, stderr shown) and returns its wall seconds."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def shift_ids(offset: int) -> None:
    pattern = re.compile(rb'^\{"id": (\d+)')
    out = sys.stdout.buffer
    for n, line in enumerate(sys.stdin.buffer, 1):
        m = pattern.match(line)
        if not m:
            sys.exit(f"shift-ids: line {n} does not start with {{\"id\": <integer>: {line[:80]!r}")
        out.write(b'{"id": %d' % (int(m.group(1)) + offset) + line[m.end():])


def field(path: str, key: str) -> None:
    with open(path, encoding="utf-8") as f:
        value = json.load(f)[key]
    print(json.dumps(value))


def load_metrics(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        sys.exit(f"compare: {path} holds no JSON metrics: {text[:200]!r}")
    return {k: doc.get(k) for k in KEYS}


def same_metrics(a: dict, b: dict) -> bool:
    """Whether both medians agree within TOLERANCE (null only equals null); bench/versus.sh
    imports it too."""
    same = True
    for k in KEYS:
        x, y = a.get(k), b.get(k)
        if x is None or y is None:
            same &= x is None and y is None
        else:
            same &= abs(float(x) - float(y)) <= TOLERANCE
    return same


def compare(xcc_path: str, other_path: str) -> None:
    a, b = load_metrics(xcc_path), load_metrics(other_path)
    if same_metrics(a, b):
        print("yes")
    else:
        print(f"NO: xcc {json.dumps(a)} vs {json.dumps(b)}")


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        sys.exit(f"wrk: cannot read the duration {text!r}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return float(m.group(1)) * scale


def wrk(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if "Non-2xx or 3xx responses" in text:
        sys.exit(f"wrk: the server answered errors:\n{text}")
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if not (p50 and p99 and rps):
        sys.exit(f"wrk: unexpected output:\n{text}")
    errors = re.search(r"^\s+Socket errors: (.*)$", text, re.M)
    print(to_ms(p50.group(1)), to_ms(p99.group(1)), rps.group(1),
          (errors.group(1).replace(" ", "_") if errors else "-"))


def phases(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    parts = [f"{k[: -len('_seconds')]} {v:.2f} s" for k, v in doc.items() if k.endswith("_seconds")]
    print(", ".join(parts))


def thousands(x: float) -> str:
    return f"{x:,.0f}"


def table(path: str) -> None:
    # columns of RESULTS.tsv: lines, step, seconds, lines_per_s, rss_kb, p50_ms, p99_ms,
    # requests_per_s, notes (empty = not applicable)
    print("| lines | step | time | throughput | peak RSS | notes |")
    print("|---:|---|---:|---:|---:|---|")
    with open(path, encoding="utf-8") as f:
        for raw in f:
            lines, step, secs, lps, rss, p50, p99, rps, notes = raw.rstrip("\n").split("\t")
            if p50:
                time = f"p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms"
                rate = f"{thousands(float(rps))} req/s"
            else:
                t = float(secs) if secs else None
                time = "" if t is None else f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"
                rate = f"{thousands(float(lps))} lines/s" if lps else ""
            mem = f"{float(rss) / 1024:,.0f} MB" if rss else ""
            print(f"| {thousands(int(lines))} | {step} | {time} | {rate} | {mem} | {notes} |")


def main() -> None:
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "shift-ids":
        shift_ids(int(args[0]))
    elif cmd == "field":
        field(args[0], args[1])
    elif cmd == "phases":
        phases(args[0])
    elif cmd == "compare":
        compare(args[0], args[1])
    elif cmd == "wrk":
        wrk(args[0])
    elif cmd == "table":
        table(args[0])
    else:
        sys.exit(f"helpers.py: unknown command {cmd!r}")


if __name__ == "__main__":
    main()
