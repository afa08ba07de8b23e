//! The .db file as analysts meet it: the sqlite3 shell, Python's sqlite3 module, exports,
//! the data dictionary, the views, and the offline demo.

use std::process::{Command, Stdio};

use crate::util::{median, percentile, run, Served, Workspace, REAL_HEAD};
use serde_json::Value;

fn sample() -> Workspace {
    let w = Workspace::new();
    let mut input = std::fs::read(REAL_HEAD).unwrap();
    // One bad line, so that the rejects table has something to show.
    input
        .extend_from_slice(b"{\"id\": 1, \"type\": \"x\", \"event\": {\"timestamp\": \"soon\"}}\n");
    let (out, _) = w.ingest("-", &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

pub(crate) fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is not installed; the analysts' clients are part of the test (apt-get install sqlite3 python3)"
    );
    Command::new(name)
}

#[test]
fn the_dictionary_describes_every_table_view_and_column_and_nothing_else() {
    let w = sample();
    let conn = w.conn();
    let mut objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    objects.sort();
    let mut expected = Vec::new();
    for (name, kind) in &objects {
        expected.push(format!("{name}||{kind}"));
        let mut stmt = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))
            .unwrap();
        for column in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            expected.push(format!("{name}|{}|column", column.unwrap()));
        }
    }
    expected.sort();
    let mut described: Vec<String> = conn
        .prepare("SELECT name || '|' || COALESCE(column_name, '') || '|' || kind FROM dictionary")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    described.sort();
    assert_eq!(described, expected);
    assert_eq!(
        w.count("SELECT count(*) FROM dictionary WHERE length(description) < 5"),
        0
    );
}

/// Analysts read the dictionary first: its first 20 rows, as the sqlite3 shell shows them,
/// are about the views they start with, not the bookkeeping; v_dictionary guarantees the
/// order, about first, then the two metrics' views, and the bookkeeping tables last.
#[test]
fn the_dictionary_starts_with_what_analysts_read() {
    let w = sample();
    let names = |sql: &str| -> Vec<String> {
        let out = tool("sqlite3")
            .args(["-readonly", &w.db_str(), sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('|').next().unwrap().to_string())
            .collect()
    };
    let first = names("SELECT * FROM dictionary LIMIT 20;");
    assert_eq!(first.len(), 20);
    assert!(
        first.iter().all(|n| n == "about" || n.starts_with("v_")),
        "{first:?}"
    );
    let mut order = names("SELECT name FROM v_dictionary;");
    order.dedup();
    assert_eq!(
        order[..4],
        [
            "about",
            "v_metrics_orders",
            "v_order_visits",
            "v_first_order"
        ]
    );
    assert_eq!(
        order[order.len() - 5..],
        ["meta", "ingests", "rejects", "ingest_blocks", "dictionary"]
    );
    // Every row of the dictionary, once.
    assert_eq!(
        w.count("SELECT count(*) FROM v_dictionary"),
        w.count("SELECT count(*) FROM dictionary")
    );
}

#[test]
fn the_sqlite3_shell_reads_the_file() {
    let w = sample();
    let out = tool("sqlite3")
        .args([
            "-readonly",
            "-separator",
            "|",
            &w.db_str(),
            "SELECT value FROM about WHERE item = 'events stored by the ingests below';",
            "SELECT count(*) FROM dictionary WHERE kind = 'view';",
            "SELECT count(*) FROM v_sessions;",
            "SELECT count(*) FROM v_order_visits;",
            "SELECT count(*) FROM v_first_order;",
            "SELECT count(*) FROM v_referrers;",
            "SELECT reason FROM rejects;",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "1152");
    assert_eq!(lines[1], "10", "about + nine analyst views");
    assert_eq!(
        lines[2],
        w.count("SELECT count(*) FROM sessions").to_string()
    );
    assert_eq!(
        lines[3],
        w.count("SELECT count(*) FROM sessions WHERE order_count > 0")
            .to_string()
    );
    assert_eq!(
        lines[4],
        w.count("SELECT count(DISTINCT customer_id) FROM sessions WHERE order_count > 0")
            .to_string()
    );
    assert_eq!(lines[6], "timestamp 'soon' is not ISO-8601");

    // The metrics' own SQL runs as is in the shell and agrees with `xcc metrics`.
    let sql = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/orders.sql"))
        .unwrap();
    // As the README shows it: `sqlite3 sessions.db < queries/orders.sql`.
    let mut shell = tool("sqlite3")
        .args(["-readonly", "-json", &w.db_str()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut shell.stdin.take().unwrap(), sql.as_bytes()).unwrap();
    let out = shell.wait_with_output().unwrap();
    let shell: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = run(&["metrics", "orders", "--db", &w.db_str()], b"").json();
    assert_eq!(shell[0], api);
}

#[test]
fn pythons_sqlite3_module_reads_the_dictionary_and_every_view() {
    let w = sample();
    let script = r#"
import json, sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
views = [r[0] for r in con.execute("SELECT name FROM dictionary WHERE kind = 'view' ORDER BY name")]
out = {"views": {}}
for v in views:
    cur = con.execute(f'SELECT * FROM "{v}"')
    out["views"][v] = {"columns": [d[0] for d in cur.description], "rows": len(cur.fetchall())}
out["dictionary_rows"] = con.execute("SELECT count(*) FROM dictionary").fetchone()[0]
print(json.dumps(out))
"#;
    let out = tool("python3")
        .args(["-c", script, &w.db_str()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let views = v["views"].as_object().unwrap();
    assert_eq!(
        views.keys().collect::<Vec<_>>(),
        [
            "about",
            "v_dictionary",
            "v_events",
            "v_first_order",
            "v_history",
            "v_metrics_orders",
            "v_order_visits",
            "v_referrers",
            "v_sensitivity",
            "v_sessions"
        ]
    );
    assert_eq!(
        views["v_sessions"]["rows"],
        w.count("SELECT count(*) FROM sessions")
    );
    assert_eq!(
        views["v_first_order"]["columns"],
        serde_json::json!([
            "customer_id",
            "session_id",
            "sessions_until_first_order",
            "minutes_before_first_order"
        ])
    );
    assert_eq!(
        v["dictionary_rows"],
        w.count("SELECT count(*) FROM dictionary")
    );
}

#[test]
fn the_api_and_the_views_agree() {
    let w = Workspace::new();
    let generated = run(&["generate", "--events", "20000", "--seed", "3"], b"");
    let (out, _) = w.ingest("-", generated.stdout.as_bytes());
    assert_eq!(out.code, 0);
    let server = Served::start(&w.db(), &["--quiet"]);

    let column = |sql: &str| -> Vec<f64> {
        let conn = w.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        let values: Vec<f64> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        values
    };
    let orders = server.get_json("/metrics/orders");
    assert_eq!(
        orders["median_visits_before_order"].as_f64(),
        median(column("SELECT visits_before_order FROM v_order_visits"))
    );
    let minutes = median(column(
        "SELECT minutes_before_first_order FROM v_first_order",
    ))
    .unwrap();
    assert!(
        (orders["median_session_duration_minutes_before_order"]
            .as_f64()
            .unwrap()
            - minutes)
            .abs()
            < 1e-9
    );
}

/// One referrer host's sessions, from the sessions table.
struct Host {
    name: String,
    sessions: i64,
    ordering: i64,
    /// The sessions' durations in minutes, in order.
    minutes: Vec<f64>,
}

/// The sessions' rows (host, duration, orders) grouped by referrer host in plain Rust,
/// `(direct)` for none; most sessions first, then by host (byte order).
fn hosts_of_sessions(w: &Workspace) -> Vec<Host> {
    let conn = w.conn();
    let mut stmt = conn
        .prepare("SELECT referrer_host, duration_seconds, order_count FROM sessions")
        .unwrap();
    let mut hosts: std::collections::BTreeMap<String, Host> = Default::default();
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (name, seconds, orders) = row.unwrap();
        let name = name.unwrap_or_else(|| "(direct)".to_string());
        let host = hosts.entry(name.clone()).or_insert(Host {
            name,
            sessions: 0,
            ordering: 0,
            minutes: Vec::new(),
        });
        host.sessions += 1;
        host.ordering += i64::from(orders > 0);
        host.minutes.push(seconds / 60.0);
    }
    let mut hosts: Vec<Host> = hosts.into_values().collect();
    for host in &mut hosts {
        host.minutes.sort_by(f64::total_cmp);
    }
    hosts.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
    });
    hosts
}

/// What the README says `/metrics/referrers` reports for each host, computed here rather
/// than by any SQL of xcc's: sessions, ordering sessions (with a `placed_order`), their share,
/// and the median, mean and 90th percentile of the durations in minutes.
fn referrers_of(hosts: &[Host]) -> Vec<Value> {
    hosts
        .iter()
        .map(|h| {
            let n = h.sessions as f64;
            serde_json::json!({
                "referrer_host": h.name,
                "sessions": h.sessions,
                "ordering_sessions": h.ordering,
                "ordering_share": h.ordering as f64 / n,
                "median_minutes": median(h.minutes.clone()).unwrap(),
                "mean_minutes": h.minutes.iter().sum::<f64>() / n,
                "p90_minutes": percentile(&h.minutes, 0.9),
            })
        })
        .collect()
}

/// Every row and field of `got` against `want`: the same hosts in the same order, the same
/// columns and then `statistics` (what the endpoint adds to the view's, checked against SciPy
/// in tests/integration/statistics.rs), counts exactly, minutes and shares to 1e-9 (SQLite
/// sums in its own order).
fn assert_same_referrers(what: &str, got: &[Value], want: &[Value], statistics: &[&str]) {
    let hosts = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["referrer_host"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(hosts(got), hosts(want), "{what}: the hosts and their order");
    for (g, r) in got.iter().zip(want) {
        let host = r["referrer_host"].as_str().unwrap();
        let columns = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let mut want_columns = columns(r);
        want_columns.extend(statistics.iter().map(|c| c.to_string()));
        assert_eq!(columns(g), want_columns, "{what}, {host}: the columns");
        for field in ["sessions", "ordering_sessions"] {
            assert_eq!(
                g[field].as_i64(),
                r[field].as_i64(),
                "{what}, {host}: {field}"
            );
        }
        for field in [
            "ordering_share",
            "median_minutes",
            "mean_minutes",
            "p90_minutes",
        ] {
            let (a, b) = (g[field].as_f64(), r[field].as_f64().unwrap());
            assert!(
                a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0)),
                "{what}, {host}: {field} is {}, the sessions give {b}",
                g[field]
            );
        }
    }
}

/// `/metrics/referrers`, and the view v_referrers it reads, against the README's definitions
/// recomputed in plain Rust from the sessions table: every host, in order, every field.
#[test]
fn the_referrers_are_what_the_sessions_give_field_by_field() {
    use crate::util::event;
    let w = Workspace::new();
    let generated = run(&["generate", "--events", "20000", "--seed", "3"], b"");
    let mut input = generated.stdout;
    // Two hosts of two sessions each, so that a tie on sessions is broken by the host's name.
    for (i, host) in ["zz-tie.example", "aa-tie.example"].iter().enumerate() {
        let (id, customer) = (90_000_000 + 10 * i as i64, 90_000_000 + i as i64);
        let referrer = format!("https://{host}/landing");
        for line in [
            event(id, customer, 0, "page_view", Some(&referrer)),
            event(id + 1, customer, 300 + 60 * i as i64, "page_view", None),
            event(id + 2, customer, 10_000, "page_view", Some(&referrer)),
            event(id + 3, customer, 10_090, "placed_order", None),
        ] {
            input.push_str(&line);
            input.push('\n');
        }
    }
    let (out, _) = w.ingest("-", input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let hosts = hosts_of_sessions(&w);
    // The data has what each definition needs to be told apart from a near miss: hosts
    // with an even number of sessions whose two middle durations differ (the median is their
    // mean), with a 90th percentile between two different durations, with some but not all
    // sessions ordering, and two with as many sessions.
    assert!(hosts.len() > 3);
    assert!(hosts.iter().any(|h| {
        let (m, n) = (&h.minutes, h.minutes.len());
        n % 2 == 0 && m[n / 2 - 1] != m[n / 2]
    }));
    assert!(hosts.iter().any(|h| {
        let rank_tenths = (h.minutes.len() - 1) * 9;
        rank_tenths % 10 != 0 && h.minutes[rank_tenths / 10] != h.minutes[rank_tenths / 10 + 1]
    }));
    assert!(hosts
        .iter()
        .any(|h| h.ordering > 0 && h.ordering < h.sessions));
    assert!(hosts.windows(2).any(|p| p[0].sessions == p[1].sessions));
    let want = referrers_of(&hosts);

    let server = Served::start(&w.db(), &["--quiet"]);
    let api = server.get_json("/metrics/referrers");
    assert_same_referrers(
        "GET /metrics/referrers",
        api["referrers"].as_array().unwrap(),
        &want,
        &["median_minutes_ci95", "vs_direct"],
    );
    // The view analysts read, as `xcc export` writes it.
    let view = run(
        &[
            "export",
            "v_referrers",
            "--format",
            "jsonl",
            "--db",
            &w.db_str(),
        ],
        b"",
    );
    assert_same_referrers("v_referrers", &view.json_lines(), &want, &[]);
}

#[test]
fn export_writes_rfc_4180_csv_and_json_lines() {
    let w = sample();
    let out = run(&["export", "rejects", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out
        .stdout
        .starts_with("id,ingest_id,source,line_number,reason,raw\r\n"));

    // Python's csv module, an independent reader, gets the fields back exactly.
    let csv = run(&["export", "v_sessions", "--db", &w.db_str()], b"");
    let path = w.write("sessions.csv", csv.stdout.as_bytes());
    let out = tool("python3")
        .args([
            "-c",
            "import csv,json,sys; r=list(csv.reader(open(sys.argv[1], newline=''))); print(json.dumps([len(r), r[0], r[1]]))",
            &path,
        ])
        .output()
        .unwrap();
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed[0], w.count("SELECT count(*) FROM sessions") + 1);
    assert_eq!(parsed[1][0], "session_id");
    assert_eq!(parsed[1][13], "landing_page");
    let first = w.rows("SELECT session_id, started_at FROM v_sessions LIMIT 1");
    assert_eq!(
        first[0],
        format!(
            "Integer({})|Text({:?})",
            parsed[2][0].as_str().unwrap(),
            parsed[2][3].as_str().unwrap()
        )
    );

    // A value with a comma, quotes and a newline survives the round trip.
    let tricky = r#"{"id": 5, "type": "search", "event": {"timestamp": "2022-05-25T05:44:03", "query": "a, \"b\"\nc"}}"#;
    let t = Workspace::new();
    t.ingest("-", tricky.as_bytes());
    let csv = run(&["export", "events", "--db", &t.db_str()], b"");
    assert!(csv.stdout.contains("\"a, \"\"b\"\"\nc\""), "{}", csv.stdout);

    let jsonl = run(
        &[
            "export",
            "v_events",
            "--format",
            "jsonl",
            "--db",
            &w.db_str(),
        ],
        b"",
    );
    let lines = jsonl.json_lines();
    assert_eq!(lines.len(), 1152);
    assert!(lines
        .iter()
        .all(|l| l["id"].is_i64() && l["type"].is_string()));

    let out = run(&["export", "secrets", "--db", &w.db_str()], b"");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(&format!(
            "xcc: {} has no table or view named 'secrets'; choose one of: about,",
            w.db_str()
        )),
        "{}",
        out.stderr
    );
}

/// Run inside the offline box (a network namespace with only loopback, or macOS's
/// sandbox): checks that nothing but loopback is reachable, starts `xcc demo` in the
/// background, waits for it to be ready, and fetches its endpoints over loopback with bash's
/// /dev/tcp; prints each answer after a `=== xcc-test NAME ===` line for the test to read.
const OFFLINE_DEMO: &str = r#"
set -u
if [ "$BRING_LO_UP" = 1 ]; then
    ip link set lo up || exit 97
    echo "=== xcc-test links ==="
    ip -o link show | awk -F': ' '{print $2}'
fi
echo "=== xcc-test box ==="
echo ready
# A TEST-NET-1 address (RFC 5737): routed nowhere in here, so the connection fails at once.
echo "=== xcc-test probe ==="
if (exec 3<>/dev/tcp/192.0.2.1/80) 2>/dev/null; then echo connected; else echo unreachable; fi
"$XCC" demo --events 5000 --addr "127.0.0.1:$PORT" --db "$DB" >/dev/null 2>"$LOG" &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null' EXIT
for _ in $(seq 1200); do
    grep -q "Ready. Where to look:" "$LOG" && break
    kill -0 $demo 2>/dev/null || break
    sleep 0.1
done
get() {
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" "$PORT" >&3
    cat <&3
    exec 3<&-
}
for path in /metrics/orders /metrics/referrers /health /; do
    echo "=== xcc-test $path ==="
    get "$path"
    echo
done
echo "=== xcc-test log ==="
cat "$LOG"
"#;

/// The box the demo runs in: a new network namespace with loopback only (Linux, unshare
/// from util-linux and ip from iproute2; as root, or mapped to root in a user namespace).
#[cfg(target_os = "linux")]
fn offline_box() -> (std::process::Command, &'static str) {
    let mut c = Command::new("unshare");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        c.arg("--net");
    } else {
        c.args(["--net", "--map-root-user"]);
    }
    c.args(["--", "bash", "-c", OFFLINE_DEMO])
        .env("BRING_LO_UP", "1");
    (
        c,
        "a new network namespace (`unshare --net`, from util-linux, and `ip` from iproute2: \
         `apt-get install util-linux iproute2`), which needs root or unprivileged user \
         namespaces (`sysctl kernel.unprivileged_userns_clone=1`)",
    )
}

/// macOS has no network namespaces: sandbox-exec with a profile that denies every outbound
/// connection but to localhost. (Not run where this was written, on Linux.)
#[cfg(target_os = "macos")]
fn offline_box() -> (std::process::Command, &'static str) {
    let profile = "(version 1)\n(allow default)\n(deny network-outbound)\n\
                   (allow network-outbound (remote ip \"localhost:*\"))\n\
                   (allow network-outbound (remote unix-socket))\n";
    let mut c = Command::new("sandbox-exec");
    c.args(["-p", profile, "bash", "-c", OFFLINE_DEMO])
        .env("BRING_LO_UP", "0");
    (
        c,
        "sandbox-exec (part of macOS) with a profile denying the network but localhost",
    )
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn offline_box() -> (std::process::Command, &'static str) {
    let mut c = Command::new("false");
    c.env("BRING_LO_UP", "0");
    (c, "a network namespace (Linux) or sandbox-exec (macOS)")
}

/// The sections of the offline script's output, by name.
fn sections(out: &str) -> std::collections::HashMap<String, String> {
    let mut found = std::collections::HashMap::new();
    for part in out.split("=== xcc-test ").skip(1) {
        if let Some((name, text)) = part.split_once(" ===\n") {
            found.insert(name.to_string(), text.to_string());
        }
    }
    found
}

/// The status and body of a raw HTTP answer.
fn http_answer(raw: &str) -> (u16, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {raw:?}"));
    (status, body.strip_suffix('\n').unwrap_or(body))
}

/// "Offline" is checked, not assumed: the demo runs where nothing but loopback can be
/// reached, and is still generated, loaded and served, its answers fetched from in there.
#[test]
fn the_demo_runs_offline_in_one_command() {
    const CHECK: &str = "the_demo_runs_offline_in_one_command";
    let w = Workspace::new();
    let db = w.path("demo.db");
    let log = w.path("demo.log");
    // In a new namespace every port is free; in macOS's sandbox, take one that is.
    let port = if cfg!(target_os = "linux") {
        8000
    } else {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (mut command, needs) = offline_box();
    let out = command
        .env("XCC", env!("CARGO_BIN_EXE_xcc"))
        .env("DB", &db)
        .env("LOG", &log)
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .output();
    let (stdout, stderr) = match &out {
        Ok(o) => (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
        Err(e) => (String::new(), e.to_string()),
    };
    let found = sections(&stdout);
    if found.get("box").map(|s| s.trim()) != Some("ready") {
        let why = format!("the offline box could not be made: {}", stderr.trim());
        if crate::needs::skipped("XCC_SKIP_NETNS", CHECK, &why) {
            return;
        }
        panic!(
            "{CHECK} runs the demo in {needs}; {why}; or set XCC_SKIP_NETNS=1 to skip this check"
        );
    }
    let section = |name: &str| -> &str {
        found
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} in: {stdout}\nstderr: {stderr}"))
    };
    // The box is offline: only loopback is there, and another address cannot be reached.
    if cfg!(target_os = "linux") {
        assert_eq!(section("links").trim(), "lo", "{stdout}");
    }
    assert_eq!(section("probe").trim(), "unreachable", "{stdout}");

    let log = section("log");
    assert!(log.contains("5,000 stored"), "{log}");
    assert!(log.contains("Ready. Where to look:"), "{log}");
    let (status, body) = http_answer(section("/metrics/orders"));
    assert_eq!(status, 200, "{body}\n{log}");
    let v: Value = serde_json::from_str(body).unwrap();
    assert!(v["median_visits_before_order"].as_f64().unwrap() >= 1.0);
    let (status, body) = http_answer(section("/metrics/referrers"));
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(body).unwrap();
    assert!(!v["referrers"].as_array().unwrap().is_empty(), "{body}");
    let (status, body) = http_answer(section("/health"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["status"], "ok");
    let (status, body) = http_answer(section("/"));
    assert_eq!(status, 200);
    assert_eq!(body, xcc::dashboard::PAGE, "the dashboard, whole");
    assert!(db.exists());
}

#[test]
fn query_runs_read_only_sql_in_every_format() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let db = w.db_str();
    let query =
        |sql: &str, format: &str| run(&["query", sql, "--db", &db, "--format", format], b"");
    let sessions = w.count("SELECT count(*) FROM sessions");

    let out = query("SELECT count(*) AS sessions FROM sessions", "table");
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A header padded to the widest cell, a rule, the value.
    let width = "sessions".len().max(sessions.to_string().len());
    assert_eq!(
        out.stdout,
        format!("sessions\n{}\n{sessions}\n", "-".repeat(width))
    );
    let out = query(
        "SELECT session_id, customer_id FROM v_sessions ORDER BY session_id LIMIT 3",
        "csv",
    );
    let lines: Vec<&str> = out.stdout.split("\r\n").collect();
    assert_eq!(lines[0], "session_id,customer_id");
    assert_eq!(
        lines.len(),
        5,
        "header, 3 rows and the empty rest: {:?}",
        out.stdout
    );
    let out = query("SELECT * FROM v_metrics_orders", "json");
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let api = run(&["metrics", "orders", "--db", &db], b"").json();
    assert_eq!(
        json[0]["median_visits_before_order"],
        api["median_visits_before_order"]
    );
    let out = query(
        "SELECT name FROM dictionary WHERE kind = 'view' ORDER BY name",
        "jsonl",
    );
    // about, v_dictionary, v_events, v_first_order, v_history, v_metrics_orders,
    // v_order_visits, v_referrers, v_sensitivity, v_sessions.
    assert_eq!(out.stdout.lines().count(), 10);

    // Writing is refused before SQLite runs it (xcc query only reads), in one sentence
    // naming what was refused, and changes nothing.
    let before = w.snapshot();
    for (sql, refused) in [
        ("DELETE FROM events", "DELETE FROM events"),
        ("DROP VIEW v_sessions", "DROP VIEW"),
        ("UPDATE meta SET value = 'x'", "UPDATE meta"),
    ] {
        let out = query(sql, "table");
        assert_eq!(out.code, 1, "{sql}");
        assert_eq!(
            out.stderr.trim(),
            format!("xcc: xcc query only reads: {refused} is refused (the file is opened read-only; use sqlite3 to change it)"),
            "{sql}"
        );
    }
    assert_eq!(w.snapshot(), before);
    let out = query("SELEC 1", "table");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("xcc: cannot run the query: near \"SELEC\": syntax error"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1);
}
