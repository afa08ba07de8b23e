//! PostgreSQL: the script of `xcc dump --dialect postgres` loaded with psql into a real
//! server that the test starts (initdb in a temporary folder, a Unix socket only), and
//! queries/postgres/sessionize.sql run inside it; every number compared with xcc's own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{event, generated, run, Workspace, REAL_HEAD};
use serde_json::Value;

/// A PostgreSQL cluster of its own, stopped and removed when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// PostgreSQL refuses to run as root: then its commands run as the user postgres.
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = server_binaries();
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:postgres", dir.path().to_str().unwrap()])
                .status()
                .unwrap();
            assert!(
                status.success(),
                "cannot give the test folder to the user postgres"
            );
        }
        let cluster = Cluster {
            dir,
            bin,
            as_postgres,
        };
        let data = cluster.path("data");
        cluster.server_command(
            "initdb",
            &[
                "-D",
                &data,
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        let options = format!(
            "-k {} -c listen_addresses='' -p 5432 -c fsync=off",
            cluster.dir.path().display()
        );
        let log = cluster.path("server.log");
        cluster.server_command(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        );
        cluster
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn server_command(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// psql on the database postgres with `input` on stdin; its stdout (unaligned, `|`
    /// between fields), asserting success.
    fn psql(&self, args: &[&str], input: &[u8]) -> String {
        let mut child = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", &self.dir.path().display().to_string(), "-p", "5432"])
            .args(["-U", "postgres", "-d", "postgres"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert!(
            out.status.success(),
            "psql {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn query(&self, sql: &str) -> Vec<String> {
        self.psql(&["-c", sql], b"")
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.path("data");
        let program = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

fn server_binaries() -> PathBuf {
    crate::needs::postgres_programs()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Events that exercise the rules: exact 30:00 gaps and 30:00 less a microsecond, equal
/// timestamps, mixed-case types, and referrers with ports, credentials, IPv6, upper case,
/// trailing dots and blanks; plus lines that are rejected with bytes COPY must escape.
fn edge_cases() -> Vec<u8> {
    let mut lines = vec![
        event(
            9_000_001,
            501,
            0,
            "page_view",
            Some("https://User:pw@Shop.Example.COM:8443/a?b#c"),
        ),
        event(9_000_002, 501, 1800, "PLACED_ORDER", None),
        event(
            9_000_003,
            501,
            1800,
            "page_view",
            Some("//cdn.example.org./x"),
        ),
        event(9_000_004, 502, 0, "page_view", Some("   ")),
        event(
            9_000_005,
            502,
            5,
            "page_view",
            Some("http://[2001:DB8::1]:80/p"),
        ),
        event(
            9_000_006,
            502,
            3600,
            "Placed_Order",
            Some("android-app://com.google.app"),
        ),
        event(9_000_007, 503, 0, "search", Some("bing.com/search?q=1")),
        event(9_000_008, 503, 0, "placed_order", None),
    ];
    // 30:00 less one microsecond: the same session.
    lines.push(
        r#"{"id": 9000009, "type": "page_view", "event": {"customer-id": 503, "timestamp": "2022-05-01T00:29:59.999999Z"}}"#
            .to_string(),
    );
    let mut out = lines.join("\n").into_bytes();
    out.extend_from_slice(b"\nnot json \\ with \t tab\n{\"id\": \"\xff\xfe\0\"}\n");
    out
}

fn metrics(db: &str, name: &str) -> Value {
    run(&["metrics", name, "--db", db], b"").json()
}

/// PostgreSQL's text for a number (empty for NULL) against xcc's JSON number (null).
fn same_number(pg: &str, xcc: &Value) -> bool {
    match (pg.is_empty(), xcc.as_f64()) {
        (true, None) => true,
        (false, Some(x)) => (pg.parse::<f64>().unwrap() - x).abs() <= 1e-9,
        _ => false,
    }
}

fn assert_same_metrics(cluster: &Cluster, schema: &str, db: &str) {
    let orders = metrics(db, "orders");
    let row = cluster.query(&format!("SELECT * FROM {schema}.v_metrics_orders"));
    let fields: Vec<&str> = row[0].split('|').collect();
    assert!(
        same_number(fields[0], &orders["median_visits_before_order"]),
        "{row:?} vs {orders}"
    );
    assert!(
        same_number(
            fields[1],
            &orders["median_session_duration_minutes_before_order"]
        ),
        "{row:?} vs {orders}"
    );
    let referrers = metrics(db, "referrers");
    assert_same_rows(
        &cluster.query(&format!("SELECT * FROM {schema}.v_referrers")),
        referrers["referrers"].as_array().unwrap(),
        &[
            "referrer_host",
            "sessions",
            "ordering_sessions",
            "ordering_share",
            "median_minutes",
            "mean_minutes",
            "p90_minutes",
        ],
    );
    let sensitivity = metrics(db, "sensitivity");
    assert_same_rows(
        &cluster.query(&format!("SELECT * FROM {schema}.v_sensitivity")),
        sensitivity["timeouts"].as_array().unwrap(),
        &[
            "timeout_minutes",
            "sessions",
            "ordering_sessions",
            "median_visits_before_order",
            "median_session_duration_minutes_before_order",
        ],
    );
}

/// The rows of a view in PostgreSQL against the rows xcc serves, column by column: text
/// equal, numbers to 1e-9.
fn assert_same_rows(rows: &[String], expected: &[Value], columns: &[&str]) {
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for (row, want) in rows.iter().zip(expected) {
        for (field, column) in row.split('|').zip(columns) {
            let same = match &want[*column] {
                Value::String(text) => field == text,
                number => same_number(field, number),
            };
            assert!(same, "{column}: {row} vs {want}");
        }
    }
}

/// The sessions without the readable times (timestamptz in PostgreSQL, text in SQLite) and
/// with the duration as its integer microseconds, so that both engines print them alike.
const SESSIONS: &str = "SELECT id, customer_id, session_number, started_us, ended_us,
    ended_us - started_us, event_count, page_view_count, order_count, first_order_us,
    referrer, referrer_host, landing_page FROM sessions ORDER BY customer_id, session_number";

fn sqlite_sessions(w: &Workspace) -> Vec<String> {
    w.rows(SESSIONS)
        .iter()
        .map(|row| {
            row.split('|')
                .map(|f| match f {
                    "Null" => String::new(),
                    f if f.starts_with("Integer(") => f[8..f.len() - 1].to_string(),
                    f if f.starts_with("Text(\"") => f[6..f.len() - 2].replace("\\\"", "\""),
                    f => panic!("unexpected {f}"),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn count(w: &Workspace, table: &str) -> i64 {
    w.count(&format!("SELECT count(*) FROM {table}"))
}

#[test]
fn a_dump_loads_into_postgresql_with_the_same_numbers_and_sessionize_sql_agrees() {
    let cluster = Cluster::start();
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let file = w.write("more.jsonl", &generated(20_000, 31, 1_000_000));
    w.ingest(&file, b"");
    let edges = w.write("edges.jsonl", &edge_cases());
    w.ingest(&edges, b"");
    let db = w.db_str();
    assert!(count(&w, "rejects") >= 2);

    // Loaded twice: the second load replaces the schema as a whole.
    let out = run(
        &["dump", "--db", &db, "--dialect", "postgres", "--quiet"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for _ in 0..2 {
        cluster.psql(&[], out.stdout.as_bytes());
    }
    // Every table the dump writes, as the dump itself lists them, with the file's rows; and
    // table sensitivity, empty in a working file, with the answer's rows, one per timeout.
    let timeouts = metrics(&db, "sensitivity")["timeouts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(timeouts, 8);
    for table in xcc::dump::DUMPED_TABLES {
        let expected = match table {
            "sensitivity" => timeouts as i64,
            _ => count(&w, table),
        };
        assert_eq!(
            cluster.query(&format!("SELECT count(*) FROM xcc.{table}")),
            [expected.to_string()],
            "{table}"
        );
    }
    // Raw rejected lines keep every byte (NUL, backslash, tab, bytes that are not UTF-8).
    assert_eq!(
        cluster
            .query("SELECT line_number || ':' || encode(raw, 'hex') FROM xcc.rejects ORDER BY id"),
        w.rows("SELECT line_number || ':' || lower(hex(raw)) FROM rejects ORDER BY id")
            .iter()
            .map(|r| r
                .trim_start_matches("Text(\"")
                .trim_end_matches("\")")
                .to_string())
            .collect::<Vec<_>>()
    );
    assert_same_metrics(&cluster, "xcc", &db);

    // Another schema with the logged-in events only.
    let out = run(
        &[
            "dump",
            "--db",
            &db,
            "--dialect",
            "postgres",
            "--schema",
            "shop",
            "--events",
            "logged-in",
            "--quiet",
        ],
        b"",
    );
    cluster.psql(&[], out.stdout.as_bytes());
    assert_eq!(
        cluster.query("SELECT count(*) FROM shop.events"),
        [
            w.count("SELECT count(*) FROM events WHERE customer_id IS NOT NULL")
                .to_string()
        ]
    );

    // Sessions made inside PostgreSQL equal xcc's, for the stored timeout and another one.
    let sessionize = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/queries/postgres/sessionize.sql"
    );
    for (seconds, flag) in [(1800, "30m"), (600, "10m")] {
        let out = run(
            &["sessionize", "--db", &db, "--timeout", flag, "--quiet"],
            b"",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        cluster.psql(
            &[
                "-v",
                &format!("timeout_seconds={seconds}"),
                "-c",
                "SET search_path TO xcc",
                "-f",
                sessionize,
            ],
            b"",
        );
        let pg = cluster.query(&format!("SET search_path TO xcc; {SESSIONS}"));
        assert_eq!(pg, sqlite_sessions(&w), "timeout {flag}");
        assert_same_metrics(&cluster, "xcc", &db);
    }

    // Without the rows a dump carries, v_sensitivity computes them from the events, in
    // PostgreSQL too: on the schema with the logged-in events, against xcc's sweep (every
    // timeout is one of the listed ones, so the file's timeout of 10 minutes adds none).
    cluster.psql(&["-c", "TRUNCATE shop.sensitivity"], b"");
    assert_eq!(
        cluster.query("SELECT count(*) FROM shop.sensitivity"),
        ["0"]
    );
    assert_same_rows(
        &cluster.query("SELECT * FROM shop.v_sensitivity"),
        metrics(&db, "sensitivity")["timeouts"].as_array().unwrap(),
        &[
            "timeout_minutes",
            "sessions",
            "ordering_sessions",
            "median_visits_before_order",
            "median_session_duration_minutes_before_order",
        ],
    );
}

#[test]
fn dump_refuses_a_schema_name_it_would_have_to_quote() {
    let w = Workspace::new();
    w.ingest(REAL_HEAD, b"");
    let out = run(
        &[
            "dump",
            "--db",
            &w.db_str(),
            "--dialect",
            "postgres",
            "--schema",
            "a\"b",
        ],
        b"",
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("xcc: --schema 'a\"b' is not a plain PostgreSQL name"),
        "{}",
        out.stderr
    );
    let _ = Path::new("");
}
