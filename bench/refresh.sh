#!/usr/bin/env bash
# A refresh of an unchanged URL (issue 39): bench/run.sh's input served on 127.0.0.1 by a
# server that sends an ETag and a Last-Modified with it, answers a GET whose If-None-Match
# or If-Modified-Since they meet with 304 Not Modified and no body, and counts the bytes it
# sends (head and body). This checkout and an earlier commit (BASE) each ingest the URL once,
# then refresh it, in interleaved pairs (base, head, then head, base, …). Prints each one's
# bytes sent and wall time per refresh (medians), and the ratio of the times.
#
#   bench/refresh.sh d61ca39                   # N=1000000, 5 pairs
#   N=200000 PAIRS=3 bench/refresh.sh HEAD~1
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/refresh.sh BASE_COMMIT}
N=${N:-1000000}
PAIRS=${PAIRS:-5}
VISIT_EVENTS=${VISIT_EVENTS:-3.25}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
work=$(cd "$WORK" && pwd)

echo "refresh: building this checkout and $BASE" >&2
cargo build --profile profiling --quiet
head_bin=${CARGO_TARGET_DIR:-$PWD/target}/profiling/xcc
base_bin=$(bench/build_base.sh "$BASE" "$work")

input=$work/events-$N-visits-$VISIT_EVENTS.jsonl
if [[ ! -s $input ]]; then
    "$head_bin" generate --events "$N" --seed 1 --realistic --visit-events "$VISIT_EVENTS" >"$input.tmp"
    mv "$input.tmp" "$input"
fi

python3 - "$base_bin" "$head_bin" "$input" "$PAIRS" "$work" <<'PY'
import email.utils, http.server, os, statistics, sys, threading

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from helpers import remove_database as remove, timed

base, head, events, pairs, work = sys.argv[1:6]
pairs = int(pairs)
binaries = {"base": base, "head": head}
size = os.path.getsize(events)
mtime = os.stat(events).st_mtime
etag = '"%x-%x"' % (size, os.stat(events).st_mtime_ns)  # as nginx makes one
last_modified = email.utils.formatdate(mtime, usegmt=True)
sent = []  # (status, head bytes, body bytes) of every answer
lock = threading.Lock()


class File(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.head_bytes = 0
        asked_tag = self.headers.get("If-None-Match")
        asked_date = self.headers.get("If-Modified-Since")
        if asked_tag is not None:  # RFC 9110 §13.2.2: it decides when it is sent
            unchanged = asked_tag.replace("W/", "") == etag
        elif asked_date is not None:
            since = email.utils.parsedate_to_datetime(asked_date).timestamp()
            unchanged = int(mtime) <= since
        else:
            unchanged = False
        self.send_response(304 if unchanged else 200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        body = 0
        if not unchanged:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if not unchanged:
            with open(events, "rb") as f:
                while chunk := f.read(1 << 20):
                    self.wfile.write(chunk)
                    body += len(chunk)
        with lock:
            sent.append((304 if unchanged else 200, self.head_bytes, body))

    def flush_headers(self):
        self.head_bytes += sum(len(h) for h in getattr(self, "_headers_buffer", []))
        super().flush_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), File)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/events.json"


def db(name):
    return os.path.join(work, f"refresh-{name}.db")


def refresh(name):
    with lock:
        before = len(sent)
    seconds = timed([binaries[name], "ingest", url, "--db", db(name), "--quiet"])
    with lock:
        answers = sent[before:]
    return seconds, answers


for name in binaries:
    remove(db(name))
    refresh(name)  # the first ingest, which downloads the file whole
times = {"base": [], "head": []}
bytes_sent = {"base": [], "head": []}
statuses = {"base": set(), "head": set()}
ratios = []
for i in range(pairs):
    order = ("base", "head") if i % 2 == 0 else ("head", "base")
    pair = {}
    for name in order:
        seconds, answers = refresh(name)
        pair[name] = seconds
        times[name].append(seconds)
        bytes_sent[name].append(sum(h + b for _, h, b in answers))
        statuses[name].update(status for status, _, _ in answers)
    ratios.append(pair["head"] / pair["base"])
print(f"refresh of an unchanged {size:,}-byte file ({os.path.basename(events)}), {pairs} pairs:")
for name in binaries:
    print(f"  {name}: {statistics.median(bytes_sent[name]):,.0f} bytes sent per refresh "
          f"(HTTP {', '.join(map(str, sorted(statuses[name])))}), "
          f"{statistics.median(times[name]) * 1000:.1f} ms")
print(f"  head/base time {statistics.median(ratios):.3f} (pairs {min(ratios):.3f}–{max(ratios):.3f})")
server.shutdown()
PY
